"""The owner approves or declines a repair quote in chat; the status answer shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.quote import (
    ActionApproveQuote,
    ActionDeclineQuote,
    ActionKeepQuote,
    ActionRequestQuoteDecline,
)
from bot.actions.status import ActionCheckRepairStatus
from bot.actions.ticket_cancel import ActionRequestTicketCancel
from bot.tickets import get_ticket, session_scope, status_history
from bot.tickets.quotes import QuotePart, list_quotes, set_quote
from tests.actions.helpers import NOON, change_status, cleared, msg

TICKET = "R20260520-0001"
SECOND = "R20260521-0001"
#: Every decision starts by forgetting the follow-up questions and a check in progress.
CLEARED = [*cleared(), SlotSet("status_phone", None), SlotSet("status_code_pending", None)]


def quote(ticket_no: str = TICKET, *, day: int = 2, labour_fen: int = 10_000) -> None:
    """Staff quote a new screen (899 yuan) and labour two days after NOON."""
    with session_scope() as session:
        set_quote(
            session,
            ticket_no=ticket_no,
            parts=[QuotePart(name="屏幕总成", amount_fen=89_900, part_id="screen")],
            labour_fen=labour_fen,
            set_by="engineer",
            now=NOON + dt.timedelta(days=day),
        )


def stored(ticket_no: str = TICKET) -> tuple[str, list[str], list[tuple[str, str | None, str]]]:
    """The ticket's status, its quotes' statuses and its history (status, note, author)."""
    with session_scope() as session:
        ticket = get_ticket(session, ticket_no=ticket_no)
        assert ticket is not None
        quotes = [q.status for q in list_quotes(session, ticket_no=ticket_no)]
        history = status_history(session, ticket_no=ticket_no)
        return ticket.status, quotes, [(h.status, h.note, h.changed_by) for h in history]


@pytest.fixture
def say(run, make_tracker):
    """Runs one of the quote actions after a message of the given intent."""

    def _say(
        action: Any,
        intent: str,
        text: str = "",
        entities: tuple[Any, ...] = (),
        sender_id: str = "test-user",
        **slots: Any,
    ):
        tracker = make_tracker(
            slots, text, intent, entities=entities, sender_id=sender_id, active_loop=None
        )
        return run(action, tracker)

    return _say


@pytest.fixture
def diagnosed(ticket_factory):
    """An own mail-in ticket under inspection with a pending quote of 999 yuan."""
    ticket_factory(sender_id="test-user", now=NOON)
    change_status(TICKET, "received", 1)
    change_status(TICKET, "diagnosing", 1)
    quote()


# --------------------------------------------------------------------------- the status answer


def test_the_status_answer_shows_a_pending_quote(say, diagnosed):
    _, dispatcher = say(ActionCheckRepairStatus(), "check_repair_status", "维修进度")

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_status_detail",
        "utter_status_quote",
    ]
    assert dispatcher.messages[1] == msg(
        "utter_status_quote",
        ticket_no=TICKET,
        parts="· 屏幕总成：899 元\n",
        labour="100",
        total="999",
        quote_id="1",
    )


def test_the_status_answer_shows_no_decided_quote(say, diagnosed):
    say(ActionApproveQuote(), "approve_quote", "同意维修")

    _, dispatcher = say(ActionCheckRepairStatus(), "check_repair_status", "维修进度")

    assert [m["response"] for m in dispatcher.messages] == ["utter_status_detail"]


def test_the_quote_buttons_carry_the_ticket_number_and_the_quote(domain):
    [variant] = domain["responses"]["utter_status_quote"]
    payloads = [button["payload"] for button in variant["buttons"]]
    assert payloads == [
        '/approve_quote{{"ticket_no": "{ticket_no}", "quote_id": "{quote_id}"}}',
        '/decline_quote{{"ticket_no": "{ticket_no}", "quote_id": "{quote_id}"}}',
    ]
    assert "quote_id" in domain["entities"]  # else Rasa drops it from the payload


# --------------------------------------------------------------------------- approval


def test_approval_of_the_only_pending_quote_starts_the_repair(say, diagnosed):
    events, dispatcher = say(ActionApproveQuote(), "approve_quote", "可以修")

    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="999")]
    assert events == CLEARED
    status, quotes, history = stored()
    assert (status, quotes) == ("repairing", ["approved"])
    assert history[-1][0] == "repairing"
    assert history[-1][2] == "user"
    assert "approved by the owner via chat" in (history[-1][1] or "")


def test_approval_by_ticket_number_from_the_buttons(say, diagnosed, ticket_factory):
    ticket_factory(sender_id="test-user", intake_id="second", now=NOON + dt.timedelta(days=1))
    quote(SECOND, day=3)

    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修")
    assert dispatcher.messages == [
        msg(
            "utter_quote_which_ticket",
            ticket_nos=f"{SECOND}、{TICKET}",
            example=SECOND,
        )
    ]
    assert stored()[1] == ["pending"]

    _, dispatcher = say(
        ActionApproveQuote(),
        "approve_quote",
        f'/approve_quote{{"ticket_no": "{TICKET}"}}',
        entities=[("ticket_no", TICKET)],
    )
    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="999")]
    assert stored()[1] == ["approved"]
    assert stored(SECOND)[1] == ["pending"]


def test_no_pending_quote(say, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意报价")

    assert dispatcher.messages == [msg("utter_quote_none")]
    assert events == CLEARED
    assert stored()[0] == "submitted"


def test_a_quote_already_decided_is_not_decided_again(say, diagnosed):
    say(ActionApproveQuote(), "approve_quote", "同意报价")

    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意报价")

    assert dispatcher.messages == [msg("utter_quote_none")]
    assert len([h for h in stored()[2] if h[0] == "repairing"]) == 1


def test_a_ticket_of_another_conversation_is_neither_shown_nor_decided(say, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    quote()

    _, dispatcher = say(
        ActionApproveQuote(), "approve_quote", f"{TICKET}同意维修", entities=[("ticket_no", TICKET)]
    )
    assert dispatcher.messages == [msg("utter_quote_not_visible", ticket_no=TICKET)]
    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修")
    assert dispatcher.messages == [msg("utter_quote_none")]
    assert stored()[:2] == ("submitted", ["pending"])


def test_a_closed_ticket_named_by_number(say, diagnosed):
    change_status(TICKET, "cancelled", 3)

    _, dispatcher = say(
        ActionApproveQuote(), "approve_quote", "同意维修", entities=[("ticket_no", TICKET)]
    )

    assert dispatcher.messages == [
        msg("utter_quote_closed", ticket_no=TICKET, status_name="已取消")
    ]
    assert stored()[:2] == ("cancelled", ["pending"])


def test_approval_with_the_store_down(say, db_down):
    db_down()

    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修")

    assert dispatcher.messages == [msg("utter_quote_failed", ticket_no="")]


# --------------------------------------------------------------------------- decline


def test_a_decline_is_confirmed_once_then_recorded(say, diagnosed):
    events, dispatcher = say(ActionRequestQuoteDecline(), "decline_quote", "太贵了不修")
    assert dispatcher.messages == [msg("utter_ask_quote_decline", ticket_no=TICKET)]
    assert events == [
        *CLEARED,
        SlotSet("quote_decline_pending", True),
        SlotSet("quote_ticket_no", TICKET),
        SlotSet("quote_id", "1"),
    ]
    assert stored()[1] == ["pending"]  # nothing decided before the confirmation

    events, dispatcher = say(
        ActionDeclineQuote(),
        "affirm",
        "确定",
        quote_decline_pending=True,
        quote_ticket_no=TICKET,
        quote_id="1",
    )

    assert dispatcher.messages == [msg("utter_quote_declined", ticket_no=TICKET)]
    assert events == CLEARED
    status, quotes, history = stored()
    assert (status, quotes) == ("returning", ["declined"])
    assert history[-1][0] == "returning"
    assert "declined by the owner via chat: return the phone unrepaired" in (history[-1][1] or "")

    # The progress answer now says the phone goes back unrepaired, with no quote left.
    _, dispatcher = say(ActionCheckRepairStatus(), "check_repair_status", "维修进度")
    [detail] = dispatcher.messages
    assert detail["response"] == "utter_status_detail"
    assert detail["status_name"] == "未维修，待退回"
    assert detail["timeline"].splitlines()[-1].endswith(" 未维修，待退回")


def test_a_decline_not_confirmed_keeps_the_quote(say, diagnosed):
    say(ActionRequestQuoteDecline(), "decline_quote", "不同意报价")

    events, dispatcher = say(
        ActionKeepQuote(), "deny", "再想想", quote_decline_pending=True, quote_ticket_no=TICKET
    )

    assert dispatcher.messages == [msg("utter_quote_kept", ticket_no=TICKET)]
    assert events == cleared()
    assert stored()[:2] == ("diagnosing", ["pending"])


def test_a_decline_without_a_pending_quote(say, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = say(ActionRequestQuoteDecline(), "decline_quote", "不同意报价")

    assert dispatcher.messages == [msg("utter_quote_none")]
    assert events == CLEARED


def test_a_confirmation_after_staff_replaced_the_quote_shows_the_new_one(say, diagnosed):
    events, _ = say(ActionRequestQuoteDecline(), "decline_quote", "太贵了不修")
    assert SlotSet("quote_id", "1") in events
    quote(day=3, labour_fen=0)

    events, dispatcher = say(
        ActionDeclineQuote(),
        "affirm",
        "确定",
        quote_decline_pending=True,
        quote_ticket_no=TICKET,
        quote_id="1",
    )

    assert dispatcher.messages == [
        msg("utter_quote_changed", ticket_no=TICKET),
        msg(
            "utter_status_quote",
            ticket_no=TICKET,
            parts="· 屏幕总成：899 元\n",
            labour="0",
            total="899",
            quote_id="2",
        ),
    ]
    assert events == CLEARED
    assert stored()[:2] == ("diagnosing", ["superseded", "pending"])


def test_a_confirmation_with_nothing_to_decline(say):
    events, dispatcher = say(ActionDeclineQuote(), "affirm", "确定", quote_decline_pending=True)

    assert dispatcher.messages == [msg("utter_quote_none")]
    assert events == CLEARED


def test_a_decline_with_the_store_down(say, db_down):
    db_down()

    _, dispatcher = say(ActionRequestQuoteDecline(), "decline_quote", "不修了，寄回来")

    assert dispatcher.messages == [msg("utter_store_unavailable")]


# --------------------------------------------------------------------------- "不修了" (cancel)


def test_cancelling_after_inspection_offers_to_decline_the_quote(say, diagnosed):
    events, dispatcher = say(ActionRequestTicketCancel(), "cancel", "不修了")

    assert dispatcher.messages == [msg("utter_ask_quote_decline", ticket_no=TICKET)]
    assert events == [
        *CLEARED,
        SlotSet("quote_decline_pending", True),
        SlotSet("quote_ticket_no", TICKET),
        SlotSet("quote_id", "1"),
    ]
    assert stored()[:2] == ("diagnosing", ["pending"])


def test_cancelling_after_inspection_without_a_quote_is_still_refused(say, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    change_status(TICKET, "diagnosing", 1)

    _, dispatcher = say(ActionRequestTicketCancel(), "cancel", "不修了")

    assert dispatcher.messages == [
        msg("utter_ticket_cannot_cancel", ticket_no=TICKET, status_name="检测中")
    ]


def test_a_submitted_ticket_with_a_quote_is_still_cancelled_the_usual_way(say, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    quote()

    _, dispatcher = say(ActionRequestTicketCancel(), "cancel", "取消工单")

    assert dispatcher.messages == [msg("utter_ask_ticket_cancel", ticket_no=TICKET)]


# --------------------------------------------------------------------------- the pinned quote


def shown(ticket_no: str, quote_id: int) -> dict[str, Any]:
    """The bot's quote message for ``quote_id`` as the tracker keeps it (with its buttons)."""
    return {
        "event": "bot",
        "text": f"工单 {ticket_no} 检测完成，维修报价如下：…",
        "data": {
            "buttons": [
                {
                    "title": "同意维修",
                    "payload": f'/approve_quote{{"ticket_no": "{ticket_no}", '
                    f'"quote_id": "{quote_id}"}}',
                },
                {
                    "title": "不修了",
                    "payload": f'/decline_quote{{"ticket_no": "{ticket_no}", '
                    f'"quote_id": "{quote_id}"}}',
                },
            ]
        },
    }


@pytest.fixture
def replaced(diagnosed):
    """Staff replaced the first quote (#1, 999 yuan) by a second one (#2, 1099 yuan)."""
    quote(day=3, labour_fen=20_000)


NEW_QUOTE = msg(
    "utter_status_quote",
    ticket_no=TICKET,
    parts="· 屏幕总成：899 元\n",
    labour="200",
    total="1099",
    quote_id="2",
)


def test_the_approve_button_of_a_replaced_quote_decides_nothing_and_shows_the_new_one(
    say, replaced
):
    button = f'/approve_quote{{"ticket_no": "{TICKET}", "quote_id": "1"}}'

    _, dispatcher = say(
        ActionApproveQuote(),
        "approve_quote",
        button,
        entities=[("ticket_no", TICKET), ("quote_id", "1")],
    )

    assert dispatcher.messages == [msg("utter_quote_changed", ticket_no=TICKET), NEW_QUOTE]
    assert stored()[:2] == ("diagnosing", ["superseded", "pending"])

    _, dispatcher = say(
        ActionApproveQuote(),
        "approve_quote",
        button.replace('"1"', '"2"'),
        entities=[("ticket_no", TICKET), ("quote_id", "2")],
    )
    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="1099")]
    assert stored()[:2] == ("repairing", ["superseded", "approved"])


def test_a_typed_approval_is_about_the_quote_last_shown(say, make_tracker, run, replaced):
    tracker = make_tracker(
        {},
        "同意维修",
        "approve_quote",
        events_before_user=[shown(TICKET, 1)],
        sender_id="test-user",
        active_loop=None,
    )

    _, dispatcher = run(ActionApproveQuote(), tracker)

    assert dispatcher.messages == [msg("utter_quote_changed", ticket_no=TICKET), NEW_QUOTE]
    assert stored()[1] == ["superseded", "pending"]

    tracker = make_tracker(
        {},
        "同意维修",
        "approve_quote",
        events_before_user=[shown(TICKET, 1), shown(TICKET, 2)],
        sender_id="test-user",
        active_loop=None,
    )
    _, dispatcher = run(ActionApproveQuote(), tracker)
    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="1099")]
    assert stored()[:2] == ("repairing", ["superseded", "approved"])


def test_a_typed_approval_without_a_shown_quote_approves_the_pending_one(say, replaced):
    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修")

    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="1099")]
    assert stored()[1] == ["superseded", "approved"]


@pytest.mark.parametrize(("text", "approved"), [("同意维修 #1", False), ("同意维修＃2", True)])
def test_a_reply_to_the_notice_names_its_quote(say, replaced, text, approved):
    _, dispatcher = say(ActionApproveQuote(), "approve_quote", text)

    if approved:
        assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="1099")]
        assert stored()[1] == ["superseded", "approved"]
    else:
        assert dispatcher.messages == [msg("utter_quote_changed", ticket_no=TICKET), NEW_QUOTE]
        assert stored()[1] == ["superseded", "pending"]


def test_a_reply_naming_a_quote_finds_its_ticket_among_several(say, replaced, ticket_factory):
    ticket_factory(sender_id="test-user", intake_id="second", now=NOON + dt.timedelta(days=1))
    quote(SECOND, day=4)  # quote #3

    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修 #3")

    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=SECOND, total="999")]
    assert stored(SECOND)[1] == ["approved"]
    assert stored()[1] == ["superseded", "pending"]


def test_a_reply_naming_a_quote_of_another_owner_neither_decides_nor_reveals_it(
    say, ticket_factory
):
    ticket_factory(sender_id="someone-else", now=NOON)
    quote()

    _, dispatcher = say(ActionApproveQuote(), "approve_quote", "同意维修 #1")

    assert dispatcher.messages == [msg("utter_quote_none")]  # not its ticket number
    assert stored()[1] == ["pending"]


def test_the_decline_button_of_a_replaced_quote_asks_nothing_and_shows_the_new_one(say, replaced):
    events, dispatcher = say(
        ActionRequestQuoteDecline(),
        "decline_quote",
        f'/decline_quote{{"ticket_no": "{TICKET}", "quote_id": "1"}}',
        entities=[("ticket_no", TICKET), ("quote_id", "1")],
    )

    assert dispatcher.messages == [msg("utter_quote_changed", ticket_no=TICKET), NEW_QUOTE]
    assert events == CLEARED
    assert stored()[:2] == ("diagnosing", ["superseded", "pending"])


def test_the_decline_button_of_the_current_quote_asks_to_confirm_it(say, replaced):
    events, dispatcher = say(
        ActionRequestQuoteDecline(),
        "decline_quote",
        f'/decline_quote{{"ticket_no": "{TICKET}", "quote_id": "2"}}',
        entities=[("ticket_no", TICKET), ("quote_id", "2")],
    )

    assert dispatcher.messages == [msg("utter_ask_quote_decline", ticket_no=TICKET)]
    assert SlotSet("quote_id", "2") in events


# --------------------------------------------------------------------------- review gaps


def test_the_status_answer_shows_the_quote_to_an_owner_who_opted_out_of_notices(say, diagnosed):
    from bot.tickets.optouts import opt_out

    with session_scope() as session:
        ticket = get_ticket(session, ticket_no=TICKET)
        assert ticket is not None
        opt_out(session, channel=ticket.channel, sender_id=ticket.sender_id)

    _, dispatcher = say(ActionCheckRepairStatus(), "check_repair_status", "维修进度")

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_status_detail",
        "utter_status_quote",
    ]
    assert dispatcher.messages[1]["total"] == "999"


def test_an_owner_who_changed_their_mind_approves_a_new_quote_on_a_returning_ticket(say, diagnosed):
    say(
        ActionDeclineQuote(),
        "affirm",
        "确定",
        quote_decline_pending=True,
        quote_ticket_no=TICKET,
        quote_id="1",
    )
    assert stored()[0] == "returning"
    quote(day=4, labour_fen=5_000)  # the owner called: staff quote again

    _, dispatcher = say(ActionCheckRepairStatus(), "check_repair_status", "维修进度")
    assert dispatcher.messages[-1]["response"] == "utter_status_quote"
    assert dispatcher.messages[-1]["quote_id"] == "2"

    _, dispatcher = say(
        ActionApproveQuote(),
        "approve_quote",
        f'/approve_quote{{"ticket_no": "{TICKET}", "quote_id": "2"}}',
        entities=[("ticket_no", TICKET), ("quote_id", "2")],
    )

    assert dispatcher.messages == [msg("utter_quote_approved", ticket_no=TICKET, total="949")]
    status, quotes, history = stored()
    assert (status, quotes) == ("repairing", ["declined", "approved"])
    assert [h[0] for h in history][-2:] == ["returning", "repairing"]
