"""Guided diagnosis in the intake: asking the steps, reading 是 / 否 / 直接报修, the outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.actions.diagnosis import ActionAskDiagnosis
from bot.actions.intake_form import ValidateRepairForm
from bot.actions.submit import ActionSubmitTicket
from bot.catalog import load_catalogue
from bot.tickets import session_scope
from bot.tickets.models import Ticket
from tests.actions.helpers import msg, slots

CHARGING = load_catalogue().fault("charging")
assert CHARGING is not None
CABLE, PORT = CHARGING.diagnosis.steps
# The charging fault described, the model given in the same message, the first step asked.
AT_FIRST_STEP = slots(
    fault_description="充不进电了", fault_category="charging", device_model="oneplus-12"
)
AT_LAST_STEP = {**AT_FIRST_STEP, "diagnosis_step": "port", "diagnosis_tried": [["cable", "no"]]}


@pytest.fixture
def validate(run):
    """Runs ValidateRepairForm on a tracker; returns the slots it sets and its messages."""

    def _validate(tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        events, dispatcher = run(ValidateRepairForm(), tracker)
        return {e["name"]: e["value"] for e in events}, dispatcher.messages

    return _validate


def test_a_fault_with_steps_asks_the_first_step_instead_of_its_tips(make_tracker, validate):
    tracker = make_tracker(slots(), "充不进电了", "fault_charging")

    set_slots, messages = validate(tracker)

    assert set_slots["fault_category"] == "charging"
    assert set_slots["requested_slot"] == "diagnosis"
    assert messages == []


def test_a_description_naming_damage_gets_the_tips_and_no_steps(make_tracker, validate):
    tracker = make_tracker(slots(), "屏幕摔碎了", "fault_screen")

    set_slots, messages = validate(tracker)

    assert set_slots["requested_slot"] == "device_model"
    assert [m["response"] for m in messages] == ["utter_fault_self_help"]


def test_the_first_step_is_asked_with_an_introduction(run, make_tracker):
    tracker = make_tracker(
        AT_FIRST_STEP, "充不进电了", "fault_charging", requested_slot="diagnosis"
    )

    events, dispatcher = run(ActionAskDiagnosis(), tracker)

    assert events == []
    assert dispatcher.messages == [
        msg("utter_diagnosis_start", fault_name="充电问题", question=CABLE.question)
    ]


def test_a_later_step_is_asked_alone(run, make_tracker):
    tracker = make_tracker(AT_LAST_STEP, "否", "deny", requested_slot="diagnosis")

    _, dispatcher = run(ActionAskDiagnosis(), tracker)

    assert dispatcher.messages == [msg("utter_diagnosis_step", question=PORT.question)]


def test_no_leads_to_the_next_step(make_tracker, validate):
    tracker = make_tracker(AT_FIRST_STEP, "否", "deny", requested_slot="diagnosis")

    set_slots, messages = validate(tracker)

    assert set_slots["diagnosis"] is None
    assert set_slots["diagnosis_step"] == "port"
    assert set_slots["diagnosis_tried"] == [["cable", "no"]]
    assert set_slots["requested_slot"] == "diagnosis"
    assert messages == []


def test_yes_that_solves_it_ends_the_intake_without_a_ticket(make_tracker, validate):
    tracker = make_tracker(AT_FIRST_STEP, "是", "affirm", requested_slot="diagnosis")

    set_slots, messages = validate(tracker)

    assert set_slots["diagnosis"] == "solved"
    assert set_slots["requested_slot"] is None  # the form ends
    assert "fault_description" not in set_slots
    assert messages == [msg("utter_diagnosis_solved")]


def test_no_at_the_last_step_goes_on_with_the_steps_in_the_description(make_tracker, validate):
    tracker = make_tracker(AT_LAST_STEP, "否", "deny", requested_slot="diagnosis")

    set_slots, messages = validate(tracker)

    assert set_slots["diagnosis"] == "repair"
    assert set_slots["diagnosis_tried"] == [["cable", "no"], ["port", "no"]]
    assert set_slots["fault_description"] == (
        f"充不进电了（已排查：{CABLE.question}否；{PORT.question}否）"
    )
    assert set_slots["requested_slot"] == "purchase_date"
    assert messages == [msg("utter_diagnosis_repair")]


def test_skipping_keeps_the_steps_already_tried(make_tracker, validate):
    tracker = make_tracker(AT_LAST_STEP, "直接报修", "request_repair", requested_slot="diagnosis")

    set_slots, messages = validate(tracker)

    assert set_slots["diagnosis"] == "skipped"
    assert set_slots["fault_description"] == f"充不进电了（已排查：{CABLE.question}否）"
    assert set_slots["requested_slot"] == "purchase_date"
    assert messages == [msg("utter_diagnosis_skipped")]


def test_another_answer_is_not_trapped_it_goes_on_with_the_intake(make_tracker, validate):
    tracker = make_tracker(
        {**AT_FIRST_STEP, "device_model": None},
        "一加12",
        "inform",
        entities=[("device_model", "一加12")],
        requested_slot="diagnosis",
    )

    set_slots, messages = validate(tracker)

    assert set_slots["diagnosis"] == "skipped"
    assert set_slots["device_model"] == "oneplus-12"
    assert "fault_description" not in set_slots  # nothing tried
    assert set_slots["requested_slot"] == "purchase_date"
    assert messages == []


def test_a_question_is_left_to_its_rule_and_the_step_asked_again(make_tracker, validate):
    tracker = make_tracker(AT_FIRST_STEP, "保修期多久", "faq", requested_slot="diagnosis")

    set_slots, messages = validate(tracker)

    assert "diagnosis" not in set_slots  # the form rejects the message
    assert messages == []


def test_another_fault_restarts_the_diagnosis(make_tracker, validate):
    done = {**AT_FIRST_STEP, "diagnosis": "repair", "diagnosis_tried": [["cable", "no"]]}
    tracker = make_tracker(done, "还有就是没信号", "fault_network", requested_slot="purchase_date")

    set_slots, _ = validate(tracker)

    assert set_slots["fault_category"] == "network"
    assert (set_slots["diagnosis"], set_slots["diagnosis_tried"]) == (None, None)
    assert set_slots["requested_slot"] == "diagnosis"


def test_a_solved_intake_creates_no_ticket_and_asks_for_a_rating(run, make_tracker):
    solved = {**AT_FIRST_STEP, "diagnosis": "solved", "requested_slot": None}
    tracker = make_tracker(solved, "是", "affirm", active_loop=None)

    events, dispatcher = run(ActionSubmitTicket(), tracker)

    assert dispatcher.messages == [msg("utter_ask_rating")]
    assert {
        e["name"]: e["value"] for e in events if e["name"] in ("diagnosis", "rating_context")
    } == {
        "diagnosis": None,
        "rating_context": "question",
    }
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


@pytest.mark.parametrize(
    ("device", "service", "checklist"),
    [
        ("oneplus-9", "mail_in", msg("utter_privacy_checklist")),
        (
            "oneplus-12",
            "mail_in",
            msg("utter_privacy_checklist_maintenance", device_name="一加 12"),
        ),
        ("oneplus-12", "home", None),
    ],
)
def test_the_privacy_checklist_follows_the_next_step(
    run, make_tracker, full_intake, device, service, checklist
):
    intake = {**full_intake, "device_model": device, "service_type": service, "city": "北京"}
    tracker = make_tracker({**intake, "intake_confirmed": True}, "确认", "affirm", active_loop=None)

    _, dispatcher = run(ActionSubmitTicket(), tracker)

    responses = [m["response"] for m in dispatcher.messages]
    assert responses[:2] == ["utter_ticket_created", f"utter_next_step_{service}"]
    if checklist is None:
        assert not any(r.startswith("utter_privacy") for r in responses)
    else:
        assert dispatcher.messages[2] == checklist
