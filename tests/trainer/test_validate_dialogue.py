"""make validate's dialogue check: dialogue.yml against the domain and the intake rules."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.actions import dialogue as dialogue_module
from bot.actions.dialogue import Dialogue, Domain, load_dialogue, load_domain
from bot.catalog.loader import CatalogueError
from bot.trainer import paths
from bot.trainer.validate import (
    DIALOGUE,
    ERROR,
    INTAKE_RULES,
    Finding,
    check_dialogue,
    dialogue_findings,
    intake_question_rules,
)

FORM = "intake_form"
DIALOGUE_LISTS = Dialogue(
    form=FORM,
    intake_slots=("intake_id",),
    optional_slots=("serial_number",),
    pending_slots=("rating_pending",),
    carried_over=("ticket_no",),
    never_value_intents=("cancel",),
    answer_intents=("inform", "nlu_fallback"),
    fault_answer_intents=("inform", "request_repair"),
)


def _domain(**changes: Any) -> Domain:
    """A small domain that agrees with DIALOGUE_LISTS, with ``changes`` to its sections."""
    data: dict[str, Any] = {
        "intents": ["inform", {"cancel": {"use_entities": []}}, "request_repair"],
        "slots": {
            name: {"type": "any"}
            for name in (
                "device_model",
                "serial_number",
                "intake_id",
                "rating_pending",
                "ticket_no",
            )
        },
        "forms": {FORM: {"required_slots": ["device_model", "serial_number"]}},
        "actions": ["action_ask_device_model"],
        "responses": {"utter_ask_serial_number": [{"text": "请提供 IMEI。"}]},
    }
    return Domain.from_mapping({**data, **changes})


def _problems(
    dialogue: Dialogue = DIALOGUE_LISTS,
    domain: Domain | None = None,
    answered: frozenset[str] = frozenset({"inform", "nlu_fallback"}),
) -> list[str]:
    findings = check_dialogue(dialogue, domain or _domain(), set(answered))
    assert {f.level for f in findings} <= {ERROR}
    prefix = f"{DIALOGUE}："
    assert all(f.message.startswith(prefix) for f in findings)
    return [f.message.removeprefix(prefix) for f in findings]


def test_lists_that_agree_with_the_domain_have_no_problem() -> None:
    # nlu_fallback is Rasa's own intent: the domain does not declare it.
    assert _problems() == []


def test_the_project_agrees() -> None:
    dialogue = load_dialogue()
    answered = intake_question_rules(INTAKE_RULES, dialogue.form)
    assert check_dialogue(dialogue, load_domain(paths.DOMAIN), answered) == []
    assert dialogue_findings() == []


def test_an_intent_missing_from_the_domain() -> None:
    domain = _domain(intents=["inform", "request_repair"])
    assert _problems(domain=domain) == ["intents.never_values 的 cancel 不是 domain 的意图。"]


@pytest.mark.parametrize(
    ("group", "slot"),
    [
        ("intake", "intake_id"),
        ("optional", "serial_number"),
        ("pending", "rating_pending"),
        ("carried_over", "ticket_no"),
    ],
)
def test_a_slot_missing_from_the_domain(group: str, slot: str) -> None:
    domain = _domain()
    domain = dataclasses.replace(domain, slots=tuple(s for s in domain.slots if s != slot))
    assert f"slots.{group} 的 {slot} 不是 domain 的槽。" in _problems(domain=domain)


def test_a_form_missing_from_the_domain() -> None:
    problems = _problems(domain=_domain(forms={}))
    assert problems[0] == f"表单 {FORM} 不在 domain.yml 的 forms 里。"
    # Without the form, its optional slot is no form slot either.
    assert problems[1:] == ["可跳过的槽 serial_number 不是表单的槽。"]


def test_an_optional_slot_the_form_does_not_ask_for() -> None:
    lists = dataclasses.replace(DIALOGUE_LISTS, optional_slots=("intake_id",))
    assert _problems(lists) == ["可跳过的槽 intake_id 不是表单的槽。"]


def test_a_form_slot_listed_again_among_the_intake_slots() -> None:
    lists = dataclasses.replace(DIALOGUE_LISTS, intake_slots=("intake_id", "device_model"))
    assert _problems(lists) == ["slots.intake 重复了表单的槽 device_model。"]


@pytest.mark.parametrize(
    ("field", "group"),
    [("answer_intents", "answers"), ("fault_answer_intents", "fault_answers")],
)
def test_an_intent_both_never_a_value_and_an_answer(field: str, group: str) -> None:
    lists = dataclasses.replace(DIALOGUE_LISTS, **{field: ("inform", "cancel")})
    assert f"意图 cancel 同在 never_values 和 {group} 里。" in _problems(lists)


def test_a_form_slot_without_a_question() -> None:
    domain = _domain(responses={})
    assert _problems(domain=domain) == [
        "表单的槽 serial_number 没有提问："
        "domain 里没有 utter_ask_serial_number 或 action_ask_serial_number。"
    ]


def test_a_form_specific_question_asks_too() -> None:
    domain = _domain(responses={f"utter_ask_{FORM}_serial_number": [{"text": "IMEI？"}]})
    assert _problems(domain=domain) == []


def test_an_answer_intent_without_a_rule_for_its_questions() -> None:
    assert _problems(answered=frozenset({"inform"})) == [
        "bot/data/rules/intake.yml 缺少规则："
        "表单中用 action_fallback 回答意图 nlu_fallback 的提问再回到表单。"
    ]


def test_intake_question_rules(tmp_path: Path) -> None:
    rules = tmp_path / "intake.yml"
    rules.write_text(
        "rules:\n"
        "- rule: a question during the form\n"
        f"  condition: [{{active_loop: {FORM}}}]\n"
        "  steps: [{intent: inform}, {action: action_fallback}, {action: " + FORM + "}]\n"
        "- rule: no fallback\n"
        f"  condition: [{{active_loop: {FORM}}}]\n"
        "  steps: [{intent: deny}, {action: utter_default}, {action: " + FORM + "}]\n"
        "- rule: the form is not resumed\n"
        f"  condition: [{{active_loop: {FORM}}}]\n"
        "  steps: [{intent: faq}, {action: action_fallback}]\n"
        "- rule: outside the form\n"
        "  steps: [{intent: greet}, {action: action_fallback}, {action: " + FORM + "}]\n",
        encoding="utf-8",
    )
    assert intake_question_rules(rules, FORM) == {"inform"}
    assert intake_question_rules(rules, "another_form") == set()


def test_every_intent_the_intake_reads_has_a_rule_for_its_questions() -> None:
    # The answers of dialogue.yml and the rules of bot/data/rules/intake.yml must not drift
    # apart: without a rule, a refused question would get Rasa's core fallback, which takes
    # the message back and does not ask the form's question again.
    dialogue = load_dialogue()
    assert intake_question_rules(INTAKE_RULES, dialogue.form) >= set(dialogue.answer_intents)


def test_a_broken_dialogue_file_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Dialogue:
        raise CatalogueError("dialogue.yml: pending must be a list of names")

    monkeypatch.setattr(dialogue_module, "load_dialogue", broken)
    assert dialogue_findings() == [
        Finding(ERROR, f"{DIALOGUE} 有误：dialogue.yml: pending must be a list of names")
    ]
