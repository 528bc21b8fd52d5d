"""``make new-fault`` on a copy of the project: every file written, or none at all."""

from __future__ import annotations

import dataclasses
import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog.diagnosis import Diagnosis, DiagnosisStep, check_graph
from bot.catalog.loader import CATALOG_DIR, Catalogue, load_catalogue
from bot.trainer import fault_rules, paths
from bot.trainer.new_fault import (
    FAULT_DIALOGUES,
    FAULTS_NLU,
    FOLLOW_UP_ANSWER,
    NewFault,
    Project,
    add_fault,
    chain,
    dialogue_file_header,
    dialogue_imei,
    fault_dialogue,
    insert_catalogue_entry,
    insert_domain_intent,
    main,
    split_values,
)
from bot.trainer.nlu_files import read_examples

# The files a new fault touches in the real project: no test may change them.
REAL_FILES = (
    CATALOG_DIR / "faults.yml",
    FAULTS_NLU,
    paths.DOMAIN,
    fault_rules.RULES_FILE,
    FAULT_DIALOGUES,
)
EXAMPLES = ["指纹解锁失灵", "指纹录不进去", "按指纹没反应", "指纹识别很慢", "屏下指纹识别经常失败"]


def _new(**changes: Any) -> NewFault:
    fault = NewFault(
        id="fingerprint",
        name="指纹识别问题",
        examples=list(EXAMPLES),
        tips=["请先擦干净手指和指纹区域，再重新录入指纹。"],
        questions=["指纹具体是什么情况：录不进去、识别不了，还是识别很慢？"],
        keywords=["指纹", "指纹解锁"],
    )
    return dataclasses.replace(fault, **changes)


def _real_example(path: Path, intent: str) -> str:
    return next(e.text for e in read_examples(path) if e.intent == intent)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of the files a new fault reads and writes."""
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    shutil.copytree(paths.DATA_DIR / "nlu", tmp_path / "nlu")
    shutil.copytree(paths.HELDOUT.parent, tmp_path / "heldout")
    for source, target in [
        (paths.DOMAIN, "domain.yml"),
        (fault_rules.RULES_FILE, "rules/faults.yml"),
        (FAULT_DIALOGUES, "dialogues/faults.yml"),
    ]:
        (tmp_path / target).parent.mkdir(exist_ok=True)
        shutil.copy(source, tmp_path / target)
    return Project(
        catalog_dir=tmp_path / "catalog",
        faults_nlu=tmp_path / "nlu" / "faults.yml",
        domain=tmp_path / "domain.yml",
        rules=tmp_path / "rules" / "faults.yml",
        dialogues=tmp_path / "dialogues" / "faults.yml",
        nlu_dirs=(tmp_path / "nlu", tmp_path / "heldout"),
    )


def _files(project: Project) -> list[Path]:
    return [
        project.catalog_dir / "faults.yml",
        project.domain,
        project.faults_nlu,
        project.dialogues,
        project.rules,
    ]


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _inserted(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines before the one block ``after`` adds to ``before``, and that block.

    Fails if anything else changed (trailing blank lines aside).
    """
    old, new = before.rstrip("\n").splitlines(), after.rstrip("\n").splitlines()
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    changes = [op for op in opcodes if op[0] != "equal"]
    assert len(changes) == 1 and changes[0][0] == "insert", changes
    _, i, _, j1, j2 = changes[0]
    return old[:i], new[j1:j2]


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@pytest.fixture
def added(project: Project) -> dict[Path, str]:
    """Add the fingerprint fault to the copy; the files' texts before."""
    before = {path: path.read_text(encoding="utf-8") for path in _files(project)}
    assert add_fault(_new(), project) == _files(project)
    return before


def test_the_catalogue_entry_comes_before_other(project: Project, added: dict[Path, str]) -> None:
    path = project.catalog_dir / "faults.yml"
    above, block = _inserted(added[path], path.read_text(encoding="utf-8"))
    assert block[0] == "  - id: fingerprint"
    assert path.read_text(encoding="utf-8").splitlines()[len(above) + len(block)] == "  - id: other"
    catalogue = load_catalogue(project.catalog_dir, fresh=True)
    assert [f.id for f in catalogue.faults][-2:] == ["fingerprint", "other"]
    assert catalogue.fault("fingerprint") == _new().as_fault()


def test_the_domain_intent_follows_the_last_fault_intent(
    project: Project, added: dict[Path, str]
) -> None:
    text = project.domain.read_text(encoding="utf-8")
    above, block = _inserted(added[project.domain], text)
    assert block == ["  - fault_fingerprint"]
    assert above[-1] == [line for line in above if line.startswith("  - fault_")][-1]
    old, new = yaml.safe_load(added[project.domain]), yaml.safe_load(text)
    last = max(i for i, name in enumerate(old["intents"]) if str(name).startswith("fault_"))
    assert new["intents"] == [
        *old["intents"][: last + 1],
        "fault_fingerprint",
        *old["intents"][last + 1 :],
    ]
    assert {k: v for k, v in new.items() if k != "intents"} == {
        k: v for k, v in old.items() if k != "intents"
    }


def test_the_examples_are_a_new_block(project: Project, added: dict[Path, str]) -> None:
    text = project.faults_nlu.read_text(encoding="utf-8")
    _, block = _inserted(added[project.faults_nlu], text)
    assert [line for line in block if line.strip()] == [
        "- intent: fault_fingerprint",
        "  examples: |",
        *(f"    - {e}" for e in EXAMPLES),
    ]
    examples = read_examples(project.faults_nlu)
    assert [e.text for e in examples if e.intent == "fault_fingerprint"] == EXAMPLES
    assert yaml.safe_load(text)["version"] == "3.1"


def test_the_rules_are_regenerated(project: Project, added: dict[Path, str]) -> None:
    text = project.rules.read_text(encoding="utf-8")
    rule = next(
        r for r in yaml.safe_load(text)["rules"] if r["steps"][0] == {"intent": "fault_fingerprint"}
    )
    assert rule["steps"][1:] == [{"action": "repair_form"}, {"active_loop": "repair_form"}]
    assert text == fault_rules.render_rules(load_catalogue(project.catalog_dir, fresh=True))


def test_a_conversation_test_opens_a_ticket(project: Project, added: dict[Path, str]) -> None:
    text = project.dialogues.read_text(encoding="utf-8")
    _inserted(added[project.dialogues], text)
    *others, case = yaml.safe_load(text)["conversations"]
    ticket = case["ticket"]
    assert ticket["fault_category"] == "fingerprint"
    assert ticket["warranty_status"] == "in_warranty"
    imei = ticket["serial_number"]
    assert len(imei) == 15 and imei.isdigit() and _luhn_valid(imei)
    assert imei not in {(c.get("ticket") or {}).get("serial_number") for c in others}
    turns = case["turns"]
    assert turns[0] == {
        "user": max(EXAMPLES, key=len),
        "bot": ["utter_fault_self_help", "utter_ask_device_model"],
        "slots": {"fault_category": "fingerprint"},
    }
    assert any(t["user"] == imei for t in turns)
    summary = next(t for t in turns if "utter_intake_summary" in t["bot"])
    assert summary["says"] == ["指纹识别问题"] and "utter_warranty_in_warranty" in summary["bot"]


STEPS = ["擦干净指纹区域再试，能解锁了吗？", "删除指纹重新录入后，能解锁了吗？"]


def test_diagnosis_steps_become_a_chain_in_the_catalogue(project: Project) -> None:
    add_fault(_new(steps=STEPS), project)

    catalogue = load_catalogue(project.catalog_dir, fresh=True)
    fault = catalogue.fault("fingerprint")
    assert fault is not None
    assert fault.diagnosis.steps == (
        DiagnosisStep("check1", STEPS[0], "solved", "check2"),
        DiagnosisStep("check2", STEPS[1], "solved", "repair"),
    )
    assert check_graph(fault.diagnosis) == []
    assert chain([]) == Diagnosis()


def test_the_conversation_test_answers_no_to_every_step(project: Project) -> None:
    add_fault(_new(steps=STEPS), project)

    case = yaml.safe_load(project.dialogues.read_text(encoding="utf-8"))["conversations"][-1]
    opening = max(EXAMPLES, key=len)
    assert case["turns"][:3] == [
        {
            "user": opening,
            "bot": ["utter_diagnosis_start"],
            "slots": {"fault_category": "fingerprint"},
        },
        {"user": "否", "bot": ["utter_diagnosis_step"]},
        {"user": "否", "bot": ["utter_diagnosis_repair", "utter_ask_device_model"]},
    ]
    assert case["ticket"]["fault_description"] == f"{opening}（已排查：{STEPS[0]}否；{STEPS[1]}否）"
    assert case["turns"][-1]["bot"] == [
        "utter_ticket_created",
        "utter_next_step_mail_in",
        "utter_privacy_checklist_maintenance",
        "utter_ask_rating",
    ]


def test_a_description_naming_damage_gets_the_tips_not_the_steps(catalogue: Catalogue) -> None:
    turns = fault_dialogue(_new(steps=STEPS).as_fault(), "指纹区域摔碎了", catalogue)["turns"]
    assert turns[0]["bot"] == ["utter_fault_self_help", "utter_ask_device_model"]


def test_a_missing_dialogue_file_is_created(project: Project) -> None:
    project.dialogues.unlink()
    add_fault(_new(), project)
    text = project.dialogues.read_text(encoding="utf-8")
    assert text.startswith(dialogue_file_header())
    [case] = yaml.safe_load(text)["conversations"]
    assert case["ticket"]["fault_category"] == "fingerprint"


def test_every_fault_has_its_own_valid_imei() -> None:
    ids = [f.id for f in load_catalogue().faults] + ["fingerprint"]
    imeis = [dialogue_imei(i) for i in ids]
    assert len(set(imeis)) == len(ids)
    assert all(len(i) == 15 and _luhn_valid(i) for i in imeis)
    assert dialogue_imei("fingerprint") == dialogue_imei("fingerprint")


SCREEN_EXAMPLE = _real_example(FAULTS_NLU, "fault_screen")
HELDOUT_EXAMPLE = _real_example(paths.HELDOUT, "fault_battery")


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        (
            {"id": "screen"},
            ["故障类型 screen 已经在 faults.yml 里了", "意图 fault_screen 已经在 domain.yml 里了"],
        ),
        ({"id": "Finger-Print"}, ["编号“Finger-Print”不合规"]),
        ({"examples": EXAMPLES[:4]}, ["至少需要 5 条不同的例句，现在只有 4 条"]),
        # Five lines, four sentences: the punctuation does not make a new one.
        ({"examples": [*EXAMPLES[:4], "指纹解锁失灵！"]}, ["现在只有 4 条"]),
        (
            {"examples": [*EXAMPLES, SCREEN_EXAMPLE]},
            [f"例句“{SCREEN_EXAMPLE}”已经是意图 fault_screen 的例句（faults.yml）"],
        ),
        (
            {"examples": [*EXAMPLES, HELDOUT_EXAMPLE + "！"]},
            ["已经是意图 fault_battery 的例句（nlu.yml）"],
        ),
        ({"name": "屏幕问题"}, ["名称“屏幕问题”已被故障类型 screen 使用。"]),
        ({"name": " "}, ["请给出故障的中文名称"]),
    ],
)
def test_a_refused_fault_writes_nothing(
    project: Project, tmp_path: Path, changes: dict[str, Any], reasons: list[str]
) -> None:
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError) as refused:
        add_fault(_new(**changes), project)
    lines = str(refused.value).splitlines()
    assert len(lines) == len(reasons)
    for line, reason in zip(lines, reasons, strict=True):
        assert line.startswith("- ") and reason in line
    assert _snapshot(tmp_path) == before


def test_every_reason_is_listed(project: Project, tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    new = _new(id="screen", name="屏幕问题", examples=[SCREEN_EXAMPLE, "指纹坏了"])
    with pytest.raises(ValueError) as refused:
        add_fault(new, project)
    message = str(refused.value)
    assert len(message.splitlines()) == 5
    for reason in (
        "已经在 faults.yml",
        "已经在 domain.yml",
        "已被故障类型 screen",
        "现在只有 2 条",
        f"例句“{SCREEN_EXAMPLE}”",
    ):
        assert reason in message
    assert _snapshot(tmp_path) == before


@pytest.fixture
def catalogue() -> Catalogue:
    return dataclasses.replace(load_catalogue(), follow_up_below_chars=4)


def test_a_short_description_gets_the_follow_up_first(catalogue: Catalogue) -> None:
    turns = fault_dialogue(_new().as_fault(), "指纹坏", catalogue)["turns"]
    assert turns[0] == {"user": "指纹坏", "bot": ["utter_fault_follow_up"]}
    assert turns[1] == {
        "user": FOLLOW_UP_ANSWER,
        "bot": ["utter_fault_self_help", "utter_ask_device_model"],
        "slots": {"fault_category": "fingerprint"},
    }


@pytest.mark.parametrize(
    ("example", "questions"), [("指纹坏了", ["怎么了？"]), ("指纹坏", []), ("指纹解锁失灵", [])]
)
def test_no_follow_up_turn(catalogue: Catalogue, example: str, questions: list[str]) -> None:
    # At the threshold's length, or without a question to ask, the description is taken.
    turns = fault_dialogue(_new(questions=questions).as_fault(), example, catalogue)["turns"]
    assert turns[0]["user"] == example
    assert turns[0]["bot"] == ["utter_fault_self_help", "utter_ask_device_model"]
    assert turns[1]["bot"] == ["utter_ask_purchase_date"]


def test_without_tips_the_device_is_asked_at_once(catalogue: Catalogue) -> None:
    turns = fault_dialogue(_new(tips=[]).as_fault(), "指纹解锁失灵", catalogue)["turns"]
    assert turns[0]["bot"] == ["utter_ask_device_model"]


@pytest.mark.parametrize(
    ("covered", "example", "response"),
    [
        (False, "指纹解锁失灵", "utter_warranty_out_category"),
        (True, "摔了一下之后指纹坏了", "utter_warranty_out_physical"),
        (True, "手机泡水之后指纹坏了", "utter_warranty_out_liquid"),
    ],
)
def test_out_of_warranty_dialogues(
    catalogue: Catalogue, covered: bool, example: str, response: str
) -> None:
    dialogue = fault_dialogue(_new(covered=covered).as_fault(), example, catalogue)
    summary = next(t for t in dialogue["turns"] if "utter_intake_summary" in t["bot"])
    assert summary["bot"] == ["utter_intake_summary", response, "utter_ask_intake_confirmed"]
    assert dialogue["ticket"]["warranty_status"] == "out_of_warranty"


def test_insert_domain_intent_without_fault_intents() -> None:
    text = "version: '3.1'\nintents:\n  - greet\n  # a comment\n  - bye\n\nentities:\n  - x\n"
    assert insert_domain_intent(text, "fault_x") == text.replace(
        "  - bye\n", "  - bye\n  - fault_x\n"
    )


def test_insert_catalogue_entry_needs_other() -> None:
    with pytest.raises(ValueError, match="no 'other' entry"):
        insert_catalogue_entry("faults:\n  - id: screen\n", _new())


def test_tricky_texts_survive_the_catalogue_entry(project: Project) -> None:
    tips = ["先试试: 重启", "a, b", "#1 清洁", "[括号]", "yes", "123"]
    add_fault(_new(tips=tips, name="指纹: 识别"), project)
    fault = load_catalogue(project.catalog_dir, fresh=True).fault("fingerprint")
    assert fault is not None and fault.self_help == tuple(tips) and fault.name == "指纹: 识别"


def test_split_values() -> None:
    assert split_values(["a|b", "c\n d ", " ", "e||f"]) == ["a", "b", "c", "d", "e", "f"]


def test_main_refuses_with_chinese_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--id",
        "fault_screen",
        "--name",
        "屏幕问题",
        "--examples",
        f"{SCREEN_EXAMPLE}|指纹坏了",
    ]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("没有添加故障类型 screen，原因：\n")
    for reason in (
        "故障类型 screen 已经在 faults.yml 里了",
        "名称“屏幕问题”已被故障类型 screen 使用",
        "现在只有 2 条",
        f"例句“{SCREEN_EXAMPLE}”已经是意图 fault_screen 的例句",
    ):
        assert reason in err


def test_main_with_an_unreadable_examples_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.txt"
    argv = ["--id", "fingerprint", "--name", "指纹识别问题", "--examples-file", str(missing)]
    assert main(argv) == 2
    assert f"读不了例句文件 {missing}" in capsys.readouterr().err


def test_no_test_writes_into_the_real_project(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not set(_files(project)) & set(REAL_FILES)
    before = {path: path.read_bytes() for path in REAL_FILES}
    add_fault(_new(), project)
    assert main(["--id", "screen", "--name", "屏幕问题", "--examples", "碎屏"]) == 1
    assert main(["--id", "Finger-Print", "--name", "指纹", "--examples", "|".join(EXAMPLES)]) == 1
    capsys.readouterr()
    assert {path: path.read_bytes() for path in REAL_FILES} == before
