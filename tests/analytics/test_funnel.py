"""The fold's intake funnel and guided-diagnosis outcomes (for the manager's dashboard)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.actions import diagnosis
from bot.actions.dialogue import DIALOGUE, FORM_SLOTS, REQUESTED_SLOT
from bot.analytics import summary as names
from bot.analytics.summary import ConversationSummary, FoldState, apply_event, form_slots, summarize


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def loop(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "name": name}


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}}}


def intake(*events: dict[str, Any]) -> list[dict[str, Any]]:
    """The form activated, then ``events``."""
    return [user("我要报修"), action("repair_form"), loop("repair_form"), *events]


TICKET = [
    slot("intake_confirmed", True),
    loop(None),
    action("action_submit_ticket"),
    slot("contact_phone", None),
    slot("ticket_no", "R20261204-0001"),
]


def test_the_form_slots_are_the_domains_as_the_actions_read_them() -> None:
    assert form_slots() == FORM_SLOTS
    assert form_slots()[-1] == names.CONFIRMED_SLOT
    assert names.SKIPPED_SLOT in DIALOGUE.intake_slots
    assert names.DIAGNOSIS_SLOT == diagnosis.DIAGNOSIS_SLOT in DIALOGUE.intake_slots
    assert names.REQUESTED_SLOT == REQUESTED_SLOT


def test_each_slot_counts_once_per_intake_and_only_while_the_form_runs() -> None:
    events = [
        user("一加12"),
        slot("device_model", "oneplus-12"),  # extracted before the form runs: not yet
        *intake(
            slot("device_model", "oneplus-12"),
            slot("fault_description", "屏幕碎了"),
            slot("device_model", "oneplus-11"),  # corrected: still one intake
            slot("purchase_date", None),  # no value
            slot("city", ""),
            slot("fault_category", "screen"),  # not one of the form's
            slot("skipped_slots", ["serial_number", "purchase_date"]),
        ),
        *TICKET,
        slot("device_model", "oneplus-12"),  # after the intake
    ]
    summary = summarize("owner", events)
    assert summary.intake_slots == {
        "device_model": 1,
        "fault_description": 1,
        "serial_number": 1,
        "purchase_date": 1,
        "intake_confirmed": 1,
    }
    assert (summary.intakes_started, summary.intakes_confirmed, summary.tickets) == (
        1,
        1,
        ["R20261204-0001"],
    )


def test_a_second_intake_counts_again_and_a_refused_confirmation_does_not() -> None:
    first = intake(slot("fault_description", "碎了"), slot("intake_confirmed", None), loop(None))
    second = intake(slot("fault_description", "碎了"), slot("intake_confirmed", False), loop(None))
    summary = summarize("owner", first + second)
    assert summary.intake_slots == {"fault_description": 2}
    assert (summary.intakes_started, summary.intakes_confirmed) == (2, 0)


def test_the_diagnosis_offered_then_solved_or_on_to_a_ticket() -> None:
    solved = intake(
        slot("requested_slot", "diagnosis"),
        slot("requested_slot", "diagnosis"),  # the next step: the same offer
        slot("diagnosis", "solved"),
        loop(None),
        action("action_submit_ticket"),
    )
    repaired = intake(slot("requested_slot", "diagnosis"), slot("diagnosis", "repair"), *TICKET)
    without = intake(slot("requested_slot", "device_model"), *TICKET[:-1], slot("ticket_no", "X1"))
    summary = summarize("owner", solved + repaired + without)
    assert (summary.diagnosis_offered, summary.diagnosis_solved, summary.diagnosis_to_ticket) == (
        2,
        1,
        1,
    )
    assert summary.tickets == ["R20261204-0001", "X1"]


def test_a_diagnosis_offered_outside_the_form_is_not_counted() -> None:
    summary = summarize("owner", [slot("requested_slot", "diagnosis"), *TICKET])
    assert (summary.diagnosis_offered, summary.diagnosis_to_ticket, summary.intake_slots) == (
        0,
        0,
        {},
    )


@pytest.mark.parametrize("cut", range(1, 11))
def test_a_stored_state_folds_on_as_the_whole(cut: int) -> None:
    events = intake(
        slot("requested_slot", "diagnosis"),
        slot("fault_description", "充不进电"),
        slot("diagnosis", "skipped"),
        *TICKET,
    )
    whole = summarize("owner", events)
    part = summarize("owner", events[:cut])
    stored = ConversationSummary(
        "owner",
        intake_slots=dict(part.intake_slots),
        intakes_started=part.intakes_started,
        intakes_confirmed=part.intakes_confirmed,
        diagnosis_offered=part.diagnosis_offered,
        diagnosis_to_ticket=part.diagnosis_to_ticket,
        tickets=list(part.tickets),
        state=FoldState.from_dict(part.state.as_dict()),
    )
    for event in events[cut:]:
        apply_event(stored, event)
    assert (
        (stored.intake_slots, stored.intakes_confirmed, stored.diagnosis_to_ticket)
        == (
            whole.intake_slots,
            whole.intakes_confirmed,
            whole.diagnosis_to_ticket,
        )
        == ({"fault_description": 1, "intake_confirmed": 1}, 1, 1)
    )


def test_a_state_stored_before_the_funnel_existed_reads_with_defaults() -> None:
    state = FoldState.from_dict({"last_action": "repair_form", "active_loop": "repair_form"})
    assert (state.intake_slots, state.intake_confirmed, state.diagnosis_offered) == (
        [],
        False,
        False,
    )
    odd = FoldState.from_dict({"intake_slots": "x", "intake_confirmed": "yes"})
    assert (odd.intake_slots, odd.intake_confirmed) == ([], False)
