"""Cancelling a submitted ticket: ask, confirm or keep; only before the phone is received."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.status import ActionCheckRepairStatus
from bot.actions.ticket_cancel import (
    ActionCancelTicket,
    ActionKeepTicket,
    ActionRequestTicketCancel,
)
from bot.tickets import get_ticket, session_scope, set_status, status_history
from tests.actions.helpers import NOON, change_status, cleared, msg

TICKET = "R20260520-0001"
#: Every request starts by forgetting the follow-up questions and a check in progress.
CLEARED = [*cleared(), SlotSet("status_phone", None), SlotSet("status_code_pending", None)]


def stored(ticket_no: str = TICKET) -> tuple[str, list[tuple[str, str | None, str]]]:
    """The ticket's status and its history (status, note, author)."""
    with session_scope() as session:
        ticket = get_ticket(session, ticket_no=ticket_no)
        assert ticket is not None
        history = status_history(session, ticket_no=ticket_no)
        return ticket.status, [(h.status, h.note, h.changed_by) for h in history]


@pytest.fixture
def request_cancel(run, make_tracker):
    def _request(
        text: str = "我要取消工单",
        entities: tuple[Any, ...] = (),
        sender_id: str = "test-user",
        **slots: Any,
    ):
        tracker = make_tracker(
            slots, text, "cancel", entities=entities, sender_id=sender_id, active_loop=None
        )
        return run(ActionRequestTicketCancel(), tracker)

    return _request


@pytest.fixture
def confirm(run, make_tracker):
    def _confirm(sender_id: str = "test-user", **slots: Any):
        tracker = make_tracker(
            {"ticket_cancel_pending": True, "ticket_cancel_no": TICKET, **slots},
            "确定",
            "affirm",
            sender_id=sender_id,
            active_loop=None,
        )
        return run(ActionCancelTicket(), tracker)

    return _confirm


ASKED = [
    *CLEARED,
    SlotSet("ticket_cancel_pending", True),
    SlotSet("ticket_cancel_no", TICKET),
]


# --------------------------------------------------------------------------- request


def test_own_submitted_ticket_by_number_asks_for_confirmation(request_cancel, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = request_cancel(
        "取消工单 r20260520-0001", entities=[("ticket_no", "r20260520-0001")]
    )

    assert dispatcher.messages == [msg("utter_ask_ticket_cancel", ticket_no=TICKET)]
    assert events == ASKED
    assert stored()[0] == "submitted"


def test_without_a_number_the_ticket_of_this_conversation_is_taken(request_cancel, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = request_cancel(ticket_no="r20260520-0001")

    assert dispatcher.messages == [msg("utter_ask_ticket_cancel", ticket_no=TICKET)]
    assert events == ASKED


def test_without_any_number_the_latest_open_own_ticket_is_taken(request_cancel, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(sender_id="test-user", intake_id="second", now=NOON + dt.timedelta(days=1))
    ticket_factory(sender_id="test-user", intake_id="third", now=NOON + dt.timedelta(days=2))
    change_status("R20260522-0001", "cancelled", 3)

    events, dispatcher = request_cancel()

    assert dispatcher.messages == [msg("utter_ask_ticket_cancel", ticket_no="R20260521-0001")]
    assert events == [
        *CLEARED,
        SlotSet("ticket_cancel_pending", True),
        SlotSet("ticket_cancel_no", "R20260521-0001"),
    ]


def test_received_ticket_cannot_be_cancelled(request_cancel, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    change_status(TICKET, "received")

    events, dispatcher = request_cancel(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [
        msg("utter_ticket_cannot_cancel", ticket_no=TICKET, status_name="已收到手机")
    ]
    assert events == CLEARED
    assert stored()[0] == "received"


def test_ticket_of_another_conversation_needs_the_phone(request_cancel, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = request_cancel(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]
    assert events == [
        *CLEARED,
        SlotSet("status_asked", True),
        SlotSet("status_ticket_no", TICKET),
        SlotSet("ticket_cancel_no", TICKET),
    ]


def test_ticket_of_another_conversation_once_proven(
    request_cancel, ticket_factory, run, make_tracker
):
    ticket_factory(sender_id="someone-else", now=NOON)
    tracker = make_tracker(
        {"status_asked": True, "status_ticket_no": TICKET},
        "13800000000",
        "inform",
        active_loop=None,
    )
    run(ActionCheckRepairStatus(), tracker)

    events, dispatcher = request_cancel(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [msg("utter_ask_ticket_cancel", ticket_no=TICKET)]
    assert events == ASKED


def test_a_verified_phones_slot_proves_nothing(request_cancel, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    _events, dispatcher = request_cancel(
        TICKET, entities=[("ticket_no", TICKET)], verified_phones=["13800000000"]
    )

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]


@pytest.mark.parametrize(("closed", "name"), [("cancelled", "已取消"), ("completed", "已完成")])
def test_a_closed_ticket_needs_no_cancellation(request_cancel, ticket_factory, closed, name):
    ticket_factory(sender_id="test-user", now=NOON)
    with session_scope() as session:
        set_status(session, ticket_no=TICKET, status=closed, changed_by="t", now=NOON)

    events, dispatcher = request_cancel(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [
        msg("utter_ticket_already_closed", ticket_no=TICKET, status_name=name)
    ]
    assert events == CLEARED


def test_unknown_ticket_number_is_answered_like_another_conversations(request_cancel):
    events, dispatcher = request_cancel(
        "取消R20991231-0009", entities=[("ticket_no", "R20991231-0009")]
    )

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no="R20991231-0009")]
    assert events == [
        *CLEARED,
        SlotSet("status_asked", True),
        SlotSet("status_ticket_no", "R20991231-0009"),
        SlotSet("ticket_cancel_no", "R20991231-0009"),
    ]


def test_a_locked_out_conversation_is_told_so(request_cancel, ticket_factory, monkeypatch):
    from bot.settings import get_settings
    from bot.tickets import record_verification

    monkeypatch.setenv("TICKET_VERIFY_MAX_PER_CONVERSATION", "1")
    get_settings.cache_clear()
    ticket_factory(sender_id="someone-else", now=NOON)
    with session_scope() as session:
        record_verification(
            session,
            sender_id="test-user",
            ticket_no="R20991231-0009",
            succeeded=False,
            now=dt.datetime.now(dt.timezone.utc),
        )

    events, dispatcher = request_cancel(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [msg("utter_status_locked")]
    assert events == CLEARED


def test_no_open_ticket_to_cancel(request_cancel, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    change_status(TICKET, "completed")
    ticket_factory(sender_id="someone-else", intake_id="other", now=NOON)

    events, dispatcher = request_cancel()

    assert dispatcher.messages == [msg("utter_ticket_cancel_none")]
    assert events == CLEARED


def test_request_with_the_store_down(request_cancel, db_down):
    db_down()

    events, dispatcher = request_cancel()

    assert dispatcher.messages == [msg("utter_store_unavailable")]
    assert events == []


# --------------------------------------------------------------------------- confirm / keep


def test_confirm_cancels_the_ticket(confirm, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = confirm()

    assert dispatcher.messages == [msg("utter_ticket_cancelled", ticket_no=TICKET)]
    assert events == CLEARED
    assert stored() == (
        "cancelled",
        [("submitted", None, "assistant"), ("cancelled", "cancelled by the user", "user")],
    )


def test_received_between_question_and_confirmation(confirm, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    change_status(TICKET, "received")

    events, dispatcher = confirm()

    assert dispatcher.messages == [
        msg("utter_ticket_cannot_cancel", ticket_no=TICKET, status_name="已收到手机")
    ]
    assert events == CLEARED
    assert stored() == (
        "received",
        [("submitted", None, "assistant"), ("received", None, "engineer")],
    )


def test_confirm_for_a_ticket_this_conversation_may_not_see(confirm, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = confirm()

    assert dispatcher.messages == [msg("utter_status_unverified", ticket_no=TICKET)]
    assert events == CLEARED
    assert stored()[0] == "submitted"


def test_confirm_without_a_pending_ticket(confirm):
    events, dispatcher = confirm(ticket_cancel_no=None)

    assert dispatcher.messages == [msg("utter_ticket_cancel_none")]
    assert events == CLEARED


def test_confirm_with_the_store_down(confirm, ticket_factory, db_down):
    ticket_factory(sender_id="test-user", now=NOON)
    db_down()

    events, dispatcher = confirm()

    assert dispatcher.messages == [msg("utter_ticket_cancel_failed", ticket_no=TICKET)]
    assert events == CLEARED


def test_keep_leaves_the_ticket_as_it_is(run, make_tracker, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    tracker = make_tracker(
        {"ticket_cancel_pending": True, "ticket_cancel_no": TICKET},
        "算了不取消了",
        "deny",
        active_loop=None,
    )

    events, dispatcher = run(ActionKeepTicket(), tracker)

    assert dispatcher.messages == [msg("utter_ticket_kept", ticket_no=TICKET)]
    assert events == cleared()
    assert stored()[0] == "submitted"
