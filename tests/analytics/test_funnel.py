"""The fold's intake funnel and guided-diagnosis outcomes (for the manager's dashboard)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.actions import diagnosis
from bot.actions.dialogue import DIALOGUE, FORM_SLOTS, REQUESTED_SLOT
from bot.analytics import summary as names
from bot.analytics.summary import ConversationSummary, FoldState, apply_event, form_slots, summarize
from bot.trainer.inbox.events import InboxState


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


def reached(*slots: str) -> dict[str, int]:
    """One intake counted at each of ``slots``."""
    return dict.fromkeys(slots, 1)


EVERY_SLOT = form_slots()


def test_an_intake_counts_at_every_stage_up_to_its_furthest_once() -> None:
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
    ]
    summary = summarize("owner", events)
    # Skipped: the owner got past the serial number, and so past the purchase date.
    assert summary.intake_slots == reached(*EVERY_SLOT[:4])
    assert EVERY_SLOT[3] == summary.state.intake_stage == "serial_number"
    summary = summarize("owner", [*events, *TICKET, slot("device_model", "oneplus-12")])
    assert summary.intake_slots == reached(*EVERY_SLOT)
    assert (summary.intakes_started, summary.intakes_confirmed, summary.intake_tickets) == (1, 1, 1)
    assert summary.tickets == ["R20261204-0001"]


def test_a_mail_in_intake_never_asked_its_city_counts_at_the_city() -> None:
    mail_in = intake(
        slot("fault_description", "屏幕碎了"),
        slot("device_model", "oneplus-12"),
        slot("purchase_date", "2025-03-01"),
        slot("serial_number", "861234567890127"),
        slot("service_type", "mail_in"),
        slot("contact_phone", "13912345678"),
        *TICKET,
    )
    left = intake(slot("service_type", "store"), loop(None))  # from the first message
    summary = summarize("owner", mail_in + left)
    assert summary.intake_slots["city"] == 1  # the mail-in one, never asked
    # The service type given in the first message: the stages before it count too.
    assert summary.intake_slots["fault_description"] == summary.intake_slots["service_type"] == 2
    assert (summary.intakes_started, summary.intakes_confirmed, summary.intake_tickets) == (2, 1, 1)


def test_a_second_intake_counts_again_and_a_refused_confirmation_does_not() -> None:
    first = intake(slot("fault_description", "碎了"), slot("intake_confirmed", None), loop(None))
    second = intake(slot("fault_description", "碎了"), slot("intake_confirmed", False), loop(None))
    summary = summarize("owner", first + second)
    assert summary.intake_slots == {"fault_description": 2}
    assert (summary.intakes_started, summary.intakes_confirmed) == (2, 0)


def test_a_ticket_without_an_intake_is_no_stage_of_the_funnel() -> None:
    summary = summarize("owner", [user("重新提交"), *TICKET])
    assert summary.tickets == ["R20261204-0001"]
    assert (summary.intake_slots, summary.intakes_confirmed, summary.intake_tickets) == ({}, 0, 0)


FUNNEL_EVENTS = [
    *(slot(name, "x") for name in EVERY_SLOT[:-1]),
    slot("skipped_slots", ["city", "serial_number"]),
    slot("intake_confirmed", True),
    slot("intake_confirmed", False),
    loop("repair_form"),
    loop(None),
    action("repair_form"),
    action("action_submit_ticket"),
    slot("ticket_no", "R20261204-0002"),
    slot("ticket_no", "R20261204-0003"),
    {"event": "session_started"},
]


@pytest.mark.parametrize("seed", range(30))
def test_the_funnel_never_rises_from_one_stage_to_the_next(seed: int) -> None:
    chosen = random.Random(seed).choices(FUNNEL_EVENTS, k=60)
    summary = summarize("owner", [*intake(), *chosen])
    stages = [
        summary.intakes_started,
        *(summary.intake_slots.get(name, 0) for name in EVERY_SLOT),
        summary.intake_tickets,
    ]
    assert stages == sorted(stages, reverse=True), chosen
    assert summary.intakes_confirmed == summary.intake_slots.get(names.CONFIRMED_SLOT, 0)


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
        intake_tickets=part.intake_tickets,
        diagnosis_offered=part.diagnosis_offered,
        diagnosis_to_ticket=part.diagnosis_to_ticket,
        tickets=list(part.tickets),
        state=FoldState.from_dict(part.state.as_dict()),
    )
    for event in events[cut:]:
        apply_event(stored, event)
    fields = ("intake_slots", "intakes_confirmed", "intake_tickets", "diagnosis_to_ticket")
    assert [getattr(stored, name) for name in fields] == [getattr(whole, name) for name in fields]
    assert [getattr(whole, name) for name in fields] == [reached(*EVERY_SLOT), 1, 1, 1]


def test_a_state_stored_before_the_funnel_existed_reads_with_defaults() -> None:
    state = FoldState.from_dict({"last_action": "repair_form", "active_loop": "repair_form"})
    assert (state.intake_stage, state.diagnosis_offered, state.inbox) == (
        None,
        False,
        InboxState(),
    )
    odd = FoldState.from_dict({"intake_stage": 3, "diagnosis_offered": "yes", "inbox": []})
    assert (odd.intake_stage, odd.diagnosis_offered, odd.inbox) == (None, False, InboxState())
