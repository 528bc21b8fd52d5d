"""Checking an annotated inbox and adding its examples to the NLU files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.trainer import paths
from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.importer import (
    ImportPlan,
    apply_plan,
    closest_intents,
    load_vocabulary,
    plan_import,
)
from bot.trainer.inbox.masking import NUMBER
from bot.trainer.nlu_files import load_examples, read_examples
from tests.trainer.inbox.helpers import NLU, digest, intent_texts


def row(text: str, label: str, line: int = 2) -> InboxRow:
    return InboxRow(text, 1, "", 0.0, (), None, label, line)


def plan(rows: list[InboxRow], nlu: Path) -> ImportPlan:
    return plan_import(
        rows,
        vocabulary=load_vocabulary(nlu, paths.DOMAIN),
        examples=load_examples([nlu]),
        heldout=read_examples(paths.HELDOUT),
    )


def a_training_example(intent: str) -> str:
    return next(e.text for e in load_examples([NLU]) if e.intent == intent)


def test_import_appends_to_the_file_of_each_intent(nlu: Path) -> None:
    repair_before = intent_texts(nlu / "repair.yml")
    faq_before = (nlu / "faq.yml").read_text(encoding="utf-8")
    rows = [
        row("我电话[手机号]，串号[IMEI]，帮我登记一下", "inform", 2),
        row("客服电话到底打哪个", "faq/hotline", 3),
        row("客服电话到底打哪个！", "faq/hotline", 4),  # the same text once
        row(a_training_example("faq/warranty_policy"), "faq/warranty_policy", 5),
        row("随便聊聊", "", 6),
        row("啊啊啊", "-", 7),
    ]
    import_plan = plan(rows, nlu)
    assert import_plan.problems == []
    assert apply_plan(import_plan) == {"inform": 1, "faq/hotline": 1}
    assert (import_plan.present, import_plan.duplicates) == (1, 1)
    assert (import_plan.unlabelled, import_plan.ignored) == (1, 1)

    repair_after = intent_texts(nlu / "repair.yml")
    added = "我电话[13912345678](phone_number)，串号[861234567890127](serial_number)，帮我登记一下"
    assert repair_after["inform"] == [*repair_before["inform"], added]
    assert {k: v for k, v in repair_after.items() if k != "inform"} == {
        k: v for k, v in repair_before.items() if k != "inform"
    }
    faq_after = (nlu / "faq.yml").read_text(encoding="utf-8")
    assert faq_after.replace("    - 客服电话到底打哪个\n", "", 1) == faq_before
    assert intent_texts(nlu / "faq.yml")["faq/hotline"][-1] == "客服电话到底打哪个"
    for path in nlu.glob("*.yml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]


def test_rasa_reads_the_imported_example_with_its_entities(nlu: Path) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    apply_plan(plan([row("工单[工单号]，电话[手机号]，序列号[序列号]还没动静", "inform")], nlu))
    data = load_data(str(nlu / "repair.yml"))
    (example,) = [m for m in data.intent_examples if m.get("text").endswith("还没动静")]
    assert example.get("intent") == "inform"
    assert [(e["entity"], e["value"]) for e in example.get("entities")] == [
        ("ticket_no", "R20260315-0042"),
        ("phone_number", "13912345678"),
        ("serial_number", "K7X2M9Q4P1"),
    ]


def test_refusals_are_all_listed_and_change_no_file(nlu: Path) -> None:
    before = digest(nlu)
    held = read_examples(paths.HELDOUT)[0]
    rows = [
        row("手机烫得厉害", "fault_batery", 2),
        row("怎么联系你们", "faq", 3),
        row(a_training_example("faq/warranty_policy"), "ask_warranty", 4),
        row("身份证[数字]要登记吗", "inform", 5),
        row("后盖翘起来了", "fault_screen", 6),
        row("后盖翘起来了。", "fault_battery", 7),
        row("电池不行了", "fault_battery", 8),  # fine on its own
        row("我在[北京](city_name)", "inform", 9),
        row(held.text, held.intent, 10),
    ]
    import_plan = plan(rows, nlu)
    problems = {p.line: p.message for p in import_plan.problems}
    assert sorted(problems) == [2, 3, 4, 5, 7, 9, 10]
    assert "fault_battery" in problems[2].split("最接近的是：")[1].split("、")[0]
    assert "faq/" in problems[3]
    assert "faq/warranty_policy" in problems[4] and "faq.yml" in problems[4]
    assert NUMBER in problems[5]
    assert "第 6 行" in problems[7]
    assert "city_name" in problems[9]
    assert "留出集" in problems[10]
    with pytest.raises(ValueError, match="problems"):
        apply_plan(import_plan)
    assert digest(nlu) == before


def test_closest_intents_understand_chinese_titles(nlu: Path) -> None:
    vocabulary = load_vocabulary(nlu, paths.DOMAIN)
    assert closest_intents("转人工", vocabulary)[0] == "request_human"
    assert closest_intents("request_humna", vocabulary)[0] == "request_human"
    assert "EXTERNAL_retry_ticket" not in vocabulary.intents  # no NLU examples
    assert "faq" not in vocabulary.intents and "faq/hotline" in vocabulary.intents
