"""The project's consistency checks: the real project passes, and each check finds its problem."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from bot.catalog.loader import Catalogue, CatalogueError, Device, Fault, load_catalogue
from bot.trainer import fault_rules, paths, validate
from bot.trainer.nlu_files import Example
from bot.trainer.validate import (
    ERROR,
    FAULT_RESPONSES,
    NOTE,
    Finding,
    check_dictionary,
    check_duplicates,
    check_faults,
    check_generated,
    dialogue_categories,
    run_checks,
)

NLU = Path("nlu/faults.yml")
HELDOUT = Path("heldout/nlu.yml")


def _fault(
    fault_id: str,
    name: str,
    *,
    keywords: tuple[str, ...] = (),
    self_help: tuple[str, ...] = ("先重启试试。",),
    follow_up: tuple[str, ...] = ("具体是什么情况？",),
) -> Fault:
    return Fault(fault_id, name, True, None, keywords, self_help, follow_up)


CATALOGUE = Catalogue(
    devices=(),
    faults=(_fault("screen", "屏幕问题"), _fault("other", "其他问题")),
    damage_keywords={},
    damage_names={},
)


def _examples(intent: str, count: int, path: Path = NLU) -> list[Example]:
    return [Example(intent, f"{intent} 例句{i}", f"{intent} 例句{i}", path) for i in range(count)]


def _check(
    catalogue: Catalogue = CATALOGUE,
    intents: tuple[str, ...] = ("greet", "fault_screen"),
    examples: list[Example] | None = None,
    heldout: list[Example] | None = None,
    tested: frozenset[str] = frozenset({"screen"}),
) -> list[Finding]:
    return check_faults(
        catalogue,
        intents,
        FAULT_RESPONSES,
        _examples("fault_screen", 5) if examples is None else examples,
        _examples("fault_screen", 1, HELDOUT) if heldout is None else heldout,
        set(tested),
    )


def _errors(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.level == ERROR]


def test_the_real_project_passes() -> None:
    errors = _errors(run_checks())
    assert errors == [], "\n".join(errors)


def test_main_exit_codes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert validate.main(["--quiet"]) == 0
    assert "项目检查通过" in capsys.readouterr().out
    stale = tmp_path / "faults.yml"
    stale.write_text("# stale\n", encoding="utf-8")
    monkeypatch.setattr(fault_rules, "RULES_FILE", stale)
    assert validate.main([]) == 1
    out, err = capsys.readouterr()
    assert f"[{ERROR}] {stale} 与目录不一致" in out
    assert "项目检查未通过" in err


def test_a_complete_fault_has_no_finding() -> None:
    assert _check() == []


def test_a_fault_intent_missing_from_the_domain() -> None:
    assert _errors(_check(intents=("greet",))) == [
        "故障 screen（屏幕问题）：domain.yml 的 intents 里没有 fault_screen。"
    ]


def test_too_few_examples() -> None:
    errors = _errors(_check(examples=_examples("fault_screen", 4)))
    assert errors == [
        "故障 screen（屏幕问题）：意图 fault_screen 只有 4 条例句，"
        "至少需要 5 条（bot/data/nlu/faults.yml）。"
    ]


def test_no_conversation_test() -> None:
    errors = _errors(_check(tested=frozenset({"battery"})))
    assert len(errors) == 1 and errors[0].startswith("故障 screen（屏幕问题）：没有对话测试")


def test_a_fault_intent_without_a_catalogue_entry() -> None:
    # Declared in the domain only, or with examples only: both are found.
    examples = [*_examples("fault_screen", 5), *_examples("fault_keyboard", 5)]
    errors = _errors(_check(intents=("fault_screen", "fault_gps"), examples=examples))
    assert len(errors) == 2
    assert errors[0].startswith("意图 fault_gps 在 faults.yml 里没有对应的故障类型")
    assert errors[1].startswith("意图 fault_keyboard 在 faults.yml 里没有对应的故障类型")


def test_missing_fault_responses() -> None:
    findings = check_faults(
        CATALOGUE, ["fault_screen"], ["utter_greet"], _examples("fault_screen", 5), [], {"screen"}
    )
    errors = _errors(findings)
    assert [name for name in FAULT_RESPONSES if any(name in e for e in errors)] == list(
        FAULT_RESPONSES
    )


def test_notes_for_missing_tips_questions_and_heldout() -> None:
    bare = dataclasses.replace(
        CATALOGUE, faults=(_fault("screen", "屏幕问题", self_help=(), follow_up=()),)
    )
    findings = _check(catalogue=bare, heldout=[])
    assert {f.level for f in findings} == {NOTE}
    assert len(findings) == 3 and all("screen" in f.message for f in findings)


def test_a_sentence_under_two_intents() -> None:
    examples = [
        Example("fault_screen", "屏幕碎了！", "屏幕碎了！", Path("faults.yml")),
        Example("request_repair", "屏幕碎了", "屏幕碎了", Path("repair.yml")),
        Example("fault_screen", "屏幕碎了。", "屏幕碎了。", Path("faults.yml")),
    ]
    assert _errors(check_duplicates(examples, [])) == [
        "例句“屏幕碎了！”同时属于多个意图："
        "fault_screen（faults.yml）、request_repair（repair.yml）、fault_screen（faults.yml）。"
        "只能保留一个。"
    ]
    assert check_duplicates(examples[::2], []) == []  # the same intent twice is no clash


def test_a_heldout_sentence_in_the_training_data() -> None:
    training = [Example("fault_screen", "屏幕有绿线", "屏幕有绿线", Path("faults.yml"))]
    heldout = [Example("fault_screen", "屏幕有绿线！", "屏幕有绿线！", Path("nlu.yml"))]
    errors = _errors(check_duplicates(training, heldout))
    assert len(errors) == 1
    assert errors[0].startswith(
        "评估集例句“屏幕有绿线！”也在训练数据里（fault_screen，faults.yml）"
    )


@pytest.fixture(scope="module")
def dictionary_errors() -> list[str]:
    """The dictionary check on made-up aliases and keywords (one jieba segmenter, ~2 s)."""
    real = load_catalogue()
    aliases = ("一加（国行）12", "一加12国行版", "OnePlus 12 Pro", "一加-12")
    device: Device = dataclasses.replace(real.devices[0], aliases=aliases)
    screen = _fault("screen", "屏幕问题", keywords=("屏幕，碎了", "绿线"))
    return _errors(check_dictionary(dataclasses.replace(real, devices=(device,), faults=(screen,))))


def test_a_device_alias_jieba_splits(dictionary_errors: list[str]) -> None:
    split = [e for e in dictionary_errors if "一加（国行）12" in e]
    assert len(split) == 1 and "jieba 把它切成了 一加 / ( / 国行 / ) / 12" in split[0]


@pytest.mark.parametrize("alias", ["一加12国行版", "OnePlus 12 Pro", "一加-12"])
def test_aliases_jieba_keeps_whole(dictionary_errors: list[str], alias: str) -> None:
    assert not [e for e in dictionary_errors if f"“{alias}”" in e]


def test_a_fault_keyword_with_punctuation(dictionary_errors: list[str]) -> None:
    assert len(dictionary_errors) == 2
    assert "分词词典没有覆盖“屏幕，碎了”（屏幕问题）" in dictionary_errors[1]


def test_a_stale_generated_rules_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    catalogue = load_catalogue()
    target = tmp_path / "faults.yml"
    monkeypatch.setattr(fault_rules, "RULES_FILE", target)
    missing = _errors(check_generated(catalogue))
    assert missing == [
        f"{target} 与目录不一致：请运行 .venv/bin/python -m bot.trainer.fault_rules。"
    ]
    target.write_text(fault_rules.render_rules(catalogue), encoding="utf-8")
    assert check_generated(catalogue) == []
    fewer = dataclasses.replace(catalogue, faults=catalogue.faults[1:])
    assert _errors(check_generated(fewer)) == missing


def test_dialogue_categories(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "conversations:\n"
        "  - name: x\n"
        "    turns:\n"
        "    - {user: 碎屏, slots: {fault_category: screen}}\n"
        "    - {user: 好}\n"
        "    ticket: {fault_category: battery}\n"
        "  - name: y\n"
        "    turns: []\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yml").write_text("", encoding="utf-8")
    assert dialogue_categories(tmp_path) == {"screen", "battery"}


def test_a_broken_catalogue_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> Catalogue:
        raise CatalogueError("faults.yml fault #3: missing 'name'")

    monkeypatch.setattr(validate, "load_catalogue", broken)
    assert run_checks() == [Finding(ERROR, "目录文件有误：faults.yml fault #3: missing 'name'")]


def test_definitions_agree_with_the_real_domain() -> None:
    domain = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
    assert validate.definition_findings(domain) == []


def test_a_ticket_field_whose_slot_left_the_domain_is_an_error() -> None:
    domain = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
    del domain["slots"]["contact_phone"]
    findings = validate.definition_findings(domain)
    assert findings and all(finding.level == validate.ERROR for finding in findings)
    assert any("contact_phone" in str(finding) for finding in findings)
