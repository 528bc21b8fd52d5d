"""三包 in the intake (bot/actions/sanbao.py, the form's remedy slot) and the warranty card."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions.confirmation import ActionAskIntakeConfirmed
from bot.actions.intake_form import ValidateRepairForm
from bot.actions.sanbao import ActionAskRemedy, match_remedy
from bot.actions.submit import ActionSubmitTicket
from bot.actions.warranty_check import assess_for, sanbao_for
from bot.intake.sanbao import SanbaoPeriod
from bot.intake.warranty import WarrantyStatus
from bot.tickets import session_scope
from bot.tickets.models import Ticket
from bot.tickets.warranty_cards import CardRow, import_cards
from tests.actions.conftest import IMEI
from tests.actions.helpers import BEFORE_PHONE, bot_said, cn, msg


def bought(today: dt.date, days_ago: int, precision: str = "day") -> dict[str, Any]:
    """The intake's slots before the remedy question, bought ``days_ago`` days ago."""
    day = today - dt.timedelta(days=days_ago)
    return {
        **BEFORE_PHONE,
        "purchase_date": day.isoformat(),
        "purchase_date_precision": precision,
        "contact_phone": "13912345678",
    }


def card(imei: str, activated_on: dt.date) -> None:
    with session_scope() as session:
        import_cards(session, [CardRow(2, imei, "oneplus-12", activated_on)], source="test.csv")


def required(tracker: Any, domain: dict[str, Any]) -> list[str]:
    form = ValidateRepairForm()
    return asyncio.run(
        form.required_slots(form.domain_slots(domain), CollectingDispatcher(), tracker, domain)
    )


@pytest.fixture
def validate(run):
    return lambda tracker: run(ValidateRepairForm(), tracker)


@pytest.mark.parametrize(
    ("days_ago", "precision", "description", "asked"),
    [
        (3, "day", "屏幕有绿线", True),
        (15, "day", "屏幕有绿线", True),
        (16, "day", "屏幕有绿线", False),  # repair only: nothing to choose
        (3, "month", "屏幕有绿线", False),  # "这个月买的": not known to the day
        (3, "day", "摔了一下屏幕有绿线", False),  # damage
    ],
)
def test_the_remedy_is_asked_only_when_there_is_a_choice(
    make_tracker, domain, today, days_ago, precision, description, asked
):
    slots = {**bought(today, days_ago, precision), "fault_description": description}
    slots_asked = required(make_tracker(slots), domain)
    assert ("remedy" in slots_asked) is asked
    tail = (
        ["contact_phone", "remedy", "intake_confirmed"]
        if asked
        else ["contact_phone", "intake_confirmed"]
    )
    assert slots_asked[-len(tail) :] == tail


def test_the_question_within_7_days_offers_return_exchange_repair(make_tracker, run, today):
    tracker = make_tracker(bought(today, 2), requested_slot="remedy")
    events, dispatcher = run(ActionAskRemedy(), tracker)
    start = cn(today - dt.timedelta(days=2))
    assert events == []
    assert dispatcher.messages == [msg("utter_ask_remedy_return", limit=7, start=start)]


def test_the_question_within_15_days_offers_exchange_or_repair(make_tracker, run, today):
    tracker = make_tracker(bought(today, 10), requested_slot="remedy")
    _, dispatcher = run(ActionAskRemedy(), tracker)
    start = cn(today - dt.timedelta(days=10))
    assert dispatcher.messages == [msg("utter_ask_remedy_exchange", limit=15, start=start)]


def test_a_button_chooses(make_tracker, validate, today):
    tracker = make_tracker(
        bought(today, 2), "", entities=[("remedy", "return")], requested_slot="remedy"
    )
    events, dispatcher = validate(tracker)
    assert events[:1] == [SlotSet("remedy", "return")]
    assert dispatcher.messages == [msg("utter_remedy_chosen", remedy_name="退货")]


@pytest.mark.parametrize(
    ("text", "intent", "remedy"),
    [
        ("换货吧", "inform", "exchange"),
        ("维修", "request_repair", "repair"),
        ("我要退了", "deny", "return"),
    ],
)
def test_a_typed_answer_chooses(make_tracker, validate, today, text, intent, remedy):
    tracker = make_tracker(bought(today, 2), text, intent, requested_slot="remedy")
    events, _ = validate(tracker)
    assert events[0] == SlotSet("remedy", remedy)
    assert SlotSet("requested_slot", "intake_confirmed") in events


def test_an_option_the_owner_does_not_have_is_refused(make_tracker, validate, today):
    tracker = make_tracker(bought(today, 10), "退货", requested_slot="remedy")
    events, dispatcher = validate(tracker)
    assert SlotSet("remedy", None) in events
    assert dispatcher.messages == [msg("utter_remedy_unknown", options="换货、维修")]


def test_a_choice_that_no_longer_holds_is_forgotten(make_tracker, validate, today):
    # The owner chose a return, then corrected the purchase date to last year.
    slots = {**bought(today, 2), "remedy": "return"}
    last_year = f"{today.year - 1}年3月1日"
    tracker = make_tracker(slots, last_year, entities=[("purchase_date", last_year)])
    events, _ = validate(tracker)
    assert SlotSet("purchase_date", f"{today.year - 1}-03-01") in events
    assert SlotSet("remedy", None) in events
    kept = make_tracker({**slots, "purchase_date": (today - dt.timedelta(days=5)).isoformat()})
    assert SlotSet("remedy", None) not in validate(kept)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("退货", "return"),
        ("换新机", "exchange"),
        ("修一下吧", "repair"),
        ("退货还是换货", None),
        ("好的", None),
    ],
)
def test_match_remedy(text, expected):
    assert match_remedy(text) == expected


def test_the_warranty_card_wins_over_the_stated_date(make_tracker, validate, today):
    activated = today - dt.timedelta(days=3)
    card(IMEI, activated)
    slots = {**BEFORE_PHONE, "serial_number": None, "purchase_date": "2023-03-01"}
    tracker = make_tracker(slots, IMEI, requested_slot="serial_number")
    events, dispatcher = validate(tracker)
    assert SlotSet("serial_number", IMEI) in events
    assert (
        msg("utter_warranty_card_found", activated=cn(activated), stated="2023年3月")
        in dispatcher.messages
    )
    # Two years and more after the stated date, but days after the activation.
    after = make_tracker({**slots, "serial_number": IMEI})
    assessment = assess_for(after)
    assert assessment is not None and assessment.status is WarrantyStatus.IN_WARRANTY
    sanbao = sanbao_for(after)
    assert sanbao is not None and sanbao.period is SanbaoPeriod.RETURN


def test_no_card_nothing_said(make_tracker, validate, today):
    slots = {**BEFORE_PHONE, "serial_number": None}
    events, dispatcher = validate(make_tracker(slots, IMEI, requested_slot="serial_number"))
    assert SlotSet("serial_number", IMEI) in events
    assert all(m["response"] != "utter_warranty_card_found" for m in dispatcher.messages)


def test_the_ticket_records_the_choice(make_tracker, run, today):
    slots = {**bought(today, 2), "remedy": "exchange", "intake_confirmed": True}
    run(ActionSubmitTicket(), make_tracker(slots, "确认", "affirm", active_loop=None))
    with session_scope() as session:
        remedies = session.execute(select(Ticket.remedy)).scalars().all()
    assert remedies == ["exchange"]


# --------------------------------------------------------------------------- the confirmation


def confirming(make_tracker, today, days_ago, remedy, text, intent, **kwargs):
    """The owner answers the confirmation summary ``days_ago`` days after buying."""
    slots = {**bought(today, days_ago), "remedy": remedy}
    return make_tracker(slots, text, intent, requested_slot="intake_confirmed", **kwargs)


@pytest.mark.parametrize(
    ("remedy", "remedy_text"), [("exchange", "\n· 三包处理方式：换货"), (None, "")]
)
def test_the_summary_lists_the_chosen_option(make_tracker, run, today, remedy, remedy_text):
    tracker = confirming(make_tracker, today, 10, remedy, "换货", "inform", active_loop=None)
    _, dispatcher = run(ActionAskIntakeConfirmed(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_intake_summary"
    assert dispatcher.messages[0]["remedy_text"] == remedy_text


@pytest.mark.parametrize(
    ("text", "intent"),
    [("还是换货吧", "approve_quote"), ("改成换货", "deny"), ("那就换新机吧", "affirm")],
)
def test_a_typed_change_at_the_confirmation_changes_the_option(
    make_tracker, validate, today, text, intent
):
    events, dispatcher = validate(confirming(make_tracker, today, 2, "return", text, intent))
    assert SlotSet("remedy", "exchange") in events
    assert SlotSet("intake_confirmed", True) not in events
    assert events[-1] == SlotSet("requested_slot", "intake_confirmed")  # the summary again
    assert dispatcher.messages == [msg("utter_remedy_chosen", remedy_name="换货")]


def test_a_change_to_an_option_not_open_is_refused_and_the_choice_kept(
    make_tracker, validate, today
):
    tracker = confirming(make_tracker, today, 10, "exchange", "改成退货", "notices_opt_out")
    events, dispatcher = validate(tracker)
    assert dispatcher.messages == [
        msg("utter_remedy_not_open", remedy_name="退货", options="换货、维修")
    ]
    assert [e for e in events if e["name"] == "remedy"] == []
    assert SlotSet("intake_confirmed", None) in events
    assert events[-1] == SlotSet("requested_slot", "intake_confirmed")


def test_a_return_without_a_choice_is_refused(make_tracker, validate, today):
    events, dispatcher = validate(
        confirming(make_tracker, today, 100, None, "我要退货", "complain")
    )
    assert dispatcher.messages == [msg("utter_remedy_not_applicable", remedy_name="退货", limit=15)]
    assert [e for e in events if e["name"] == "remedy"] == []
    assert SlotSet("intake_confirmed", None) in events


@pytest.mark.parametrize(
    ("days_ago", "remedy", "text"),
    [(100, None, "就修吧"), (2, "return", "确认"), (2, "return", "不退货，确认")],
)
def test_a_yes_without_a_change_confirms(make_tracker, validate, today, days_ago, remedy, text):
    events, dispatcher = validate(confirming(make_tracker, today, days_ago, remedy, text, "affirm"))
    assert SlotSet("intake_confirmed", True) in events
    assert [e for e in events if e["name"] == "remedy"] == []
    assert dispatcher.messages == []


def test_a_change_read_as_a_no_shows_the_summary_again(make_tracker, run, today):
    tracker = confirming(
        make_tracker,
        today,
        2,
        "exchange",
        "改成换货",
        "deny",
        active_loop=None,
        events_before_user=(bot_said("utter_ask_intake_confirmed"),),
    )
    _, dispatcher = run(ActionAskIntakeConfirmed(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_intake_summary"
    assert dispatcher.messages[0]["remedy_text"] == "\n· 三包处理方式：换货"
