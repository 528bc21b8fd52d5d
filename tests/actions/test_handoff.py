"""Handing a chat to an agent: queue and pause, or a callback after hours or with nobody online."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet

from bot.actions.handoff import (
    ActionAskHandoffRating,
    ActionHandoff,
    ActionRequestCallback,
)
from bot.tickets import (
    claim_handoff,
    end_handoff,
    list_callbacks,
    open_handoff,
    session_scope,
)
from tests.actions.helpers import bot_said, msg

PAUSED = [
    SlotSet("callback_step", None),
    SlotSet("handoff_reason", None),
    ConversationPaused(),
]


#: The likely wait with one agent online and no history: 360 s by default (handoff.yml).
WAIT = 6


@pytest.fixture
def staffed(agent_online, at_working_time):
    """In working hours, with one agent online."""
    return agent_online()


def callbacks() -> list[tuple[str, str, str, str]]:
    with session_scope() as session:
        return [(c.sender_id, c.channel, c.phone, c.reason) for c in list_callbacks(session)]


@pytest.fixture
def handoff(run, make_tracker):
    def _handoff(
        *,
        sender_id: str = "user-9",
        active_loop: str | None = None,
        before: list[Any] = (),
        text: str = "转人工",
        **slots: Any,
    ):
        tracker = make_tracker(
            slots,
            text,
            "request_human",
            sender_id=sender_id,
            input_channel="socketio",
            active_loop=active_loop,
            events_before_user=list(before),
        )
        return run(ActionHandoff(), tracker)

    return _handoff


def test_a_request_is_queued_with_what_the_bot_collected(handoff, queued, ticket_factory, staffed):
    ticket = ticket_factory(sender_id="user-9")
    events, dispatcher = handoff(device_model="oneplus-12", contact_phone="13912345678")

    assert dispatcher.messages == [msg("utter_handoff_queued_first", ahead=0, wait_minutes=WAIT)]
    assert events == PAUSED
    [record] = queued()
    assert (record.sender_id, record.channel, record.reason, record.status) == (
        "user-9",
        "socketio",
        "request_human",
        "queued",
    )
    summary = record.summary
    assert summary["slots"] == {"device_model": "oneplus-12", "contact_phone": "13912345678"}
    assert [t["ticket_no"] for t in summary["tickets"]] == [ticket.ticket_no]
    assert summary["tickets"][0]["status_name"]
    assert summary["last_messages"][-1] == {"from": "user", "text": "转人工"}


def test_the_place_in_the_queue_is_told(handoff, staffed):
    handoff(sender_id="first")
    _, dispatcher = handoff(sender_id="second")
    assert dispatcher.messages == [msg("utter_handoff_queued", ahead=1, wait_minutes=2 * WAIT)]


def test_the_wait_comes_from_recent_handling_times_and_online_agents(
    handoff, staffed, agent_online
):
    agent_online("lisi")
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with session_scope() as session:
        for n, seconds in enumerate((60, 240, 600)):  # median 240 s
            done, _ = open_handoff(
                session,
                sender_id=f"done-{n}",
                channel="wechat",
                reason="request_human",
                summary={},
                now=start,
            )
            claim_handoff(session, handoff_id=done.id, agent_id=staffed.id, now=start)
            end_handoff(
                session,
                handoff_id=done.id,
                agent_id=staffed.id,
                outcome="closed",
                now=start + dt.timedelta(seconds=seconds),
            )
    for sender in ("a", "b"):
        handoff(sender_id=sender)
    _, dispatcher = handoff(sender_id="third")
    # 3rd in the queue, 2 agents, 240 s each: 3 * 240 / 2 = 360 s
    assert dispatcher.messages == [msg("utter_handoff_queued", ahead=2, wait_minutes=6)]


@pytest.mark.parametrize("presence", [None, "away", "offline"])
def test_in_hours_with_nobody_online_a_callback_is_offered(
    handoff, queued, agent_online, at_working_time, presence
):
    if presence:
        agent_online(presence=presence)
    events, dispatcher = handoff(active_loop="repair_form")
    assert dispatcher.messages == [msg("utter_handoff_nobody_online")]
    assert events == [
        ActiveLoop(None),
        SlotSet("callback_step", "offered"),
        SlotSet("handoff_reason", "request_human"),
    ]
    assert queued() == []


def test_after_a_complaint_the_reason_is_the_complaint(handoff, queued, staffed):
    handoff(before=[bot_said("utter_complaint_recorded")], text="/request_human")
    assert [h.reason for h in queued()] == ["complaint"]


def test_during_the_intake_the_form_stops(handoff, staffed):
    events, _ = handoff(active_loop="repair_form", device_model="oneplus-12")
    assert events == [ActiveLoop(None), *PAUSED]


def test_after_hours_a_callback_is_offered(handoff, queued, after_hours):
    events, dispatcher = handoff()
    assert dispatcher.messages == [msg("utter_handoff_after_hours", hours="9:00–21:00")]
    assert events == [
        SlotSet("callback_step", "offered"),
        SlotSet("handoff_reason", "request_human"),
    ]
    assert queued() == []


def test_store_down_gives_the_hotline_and_the_bot_goes_on(handoff, db_down, staffed):
    db_down()
    events, dispatcher = handoff()
    assert dispatcher.messages == [msg("utter_human_hotline")]
    assert events == [SlotSet("callback_step", None)]


@pytest.fixture
def callback(run, make_tracker):
    def _callback(text: str, intent: str, step: str, entities=(), **slots: Any):
        tracker = make_tracker(
            {"callback_step": step, "handoff_reason": "fallback", **slots},
            text,
            intent,
            entities=entities,
            sender_id="user-9",
            input_channel="wechat",
            active_loop=None,
        )
        return run(ActionRequestCallback(), tracker)

    return _callback


DONE = [SlotSet("callback_step", None), SlotSet("handoff_reason", None)]


def test_accepting_uses_the_phone_of_the_intake(callback):
    events, dispatcher = callback("/affirm", "affirm", "offered", contact_phone="13912345678")
    assert dispatcher.messages == [
        msg("utter_callback_recorded", phone="139****5678", hours="9:00–21:00")
    ]
    assert events == DONE
    assert callbacks() == [("user-9", "wechat", "13912345678", "fallback")]


def test_accepting_without_a_phone_asks_for_one_then_records_it(callback):
    events, dispatcher = callback("好的", "affirm", "offered")
    assert dispatcher.messages == [msg("utter_ask_callback_phone")]
    assert events == [SlotSet("callback_step", "phone")]
    events, dispatcher = callback(
        "186 0000 1111", "inform", "phone", entities=[("phone_number", "18600001111")]
    )
    assert events == DONE
    assert callbacks() == [("user-9", "wechat", "18600001111", "fallback")]


def test_a_wrong_number_is_asked_again(callback):
    events, dispatcher = callback("12345", "inform", "phone", contact_phone="13912345678")
    assert dispatcher.messages == [msg("utter_callback_phone_invalid")]
    assert events == [SlotSet("callback_step", "phone")]
    assert callbacks() == []


def test_declining_records_nothing(callback):
    events, dispatcher = callback("不用了", "deny", "offered", contact_phone="13912345678")
    assert dispatcher.messages == [msg("utter_callback_declined")]
    assert events == DONE
    assert callbacks() == []


def test_closing_a_chat_asks_for_a_rating_of_it(run, make_tracker):
    events, dispatcher = run(ActionAskHandoffRating(), make_tracker({}, "", active_loop=None))
    assert dispatcher.messages == [msg("utter_ask_rating")]
    assert events == [SlotSet("rating_pending", True), SlotSet("rating_context", "handoff")]


def test_the_hours_can_come_from_the_environment(
    handoff, queued, monkeypatch, after_hours, agent_online
):
    from bot.settings import get_settings

    agent_online()

    monkeypatch.setenv("HANDOFF_WORKING_HOURS", "00:00-24:00")
    get_settings.cache_clear()
    events, _ = handoff()
    assert events == PAUSED
    assert len(queued()) == 1


# --- repeated failures in the intake ---------------------------------------------------------

BEFORE_DEVICE = {
    "fault_description": "屏幕有绿线",
    "fault_category": "screen",
    "intake_id": "f" * 32,
}


def third_device_failure(run, make_tracker):
    from bot.actions.intake_form import ValidateRepairForm

    tracker = make_tracker(
        {**BEFORE_DEVICE, "intake_failures": {"device_model": 2}},
        "asdfgh",
        "inform",
        requested_slot="device_model",
        sender_id="user-9",
        input_channel="socketio",
    )
    return run(ValidateRepairForm(), tracker)


def test_the_third_failed_answer_hands_over(run, make_tracker, queued, staffed):
    events, dispatcher = third_device_failure(run, make_tracker)

    assert dispatcher.messages == [
        msg("utter_device_not_found", user_text="asdfgh"),
        msg("utter_handoff_queued_first", ahead=0, wait_minutes=WAIT),
    ]
    assert events[:3] == [
        SlotSet("device_model", None),
        SlotSet("intake_failures", {"device_model": 3}),
        SlotSet("handoff_reason", "form_failures"),
    ]
    assert events[-4:] == [ActiveLoop(None), *PAUSED]  # the form stops, the bot pauses
    [record] = queued()
    assert record.reason == "form_failures"
    assert record.summary["slots"]["fault_description"] == "屏幕有绿线"


def test_the_third_failed_answer_after_hours_offers_a_callback(
    run, make_tracker, queued, after_hours
):
    from bot.actions.submit import ActionSubmitTicket

    events, dispatcher = third_device_failure(run, make_tracker)
    assert dispatcher.messages[-1] == msg("utter_handoff_after_hours", hours="9:00–21:00")
    assert events[-3:] == [
        ActiveLoop(None),
        SlotSet("callback_step", "offered"),
        SlotSet("handoff_reason", "form_failures"),
    ]
    assert queued() == []
    # the stopped form's submit step says nothing: the callback question is open
    tracker = make_tracker(
        {**BEFORE_DEVICE, "callback_step": "offered"}, "asdfgh", "inform", active_loop=None
    )
    submitted, said = run(ActionSubmitTicket(), tracker)
    assert (submitted, said.messages) == ([], [])


def test_the_analytics_count_a_nobody_online_offer_as_a_callback_offered(handoff, at_working_time):
    from bot.analytics.summary import summarize

    events, dispatcher = handoff()
    said = [
        {"event": "bot", "metadata": {"utter_action": m["response"]}} for m in dispatcher.messages
    ]
    summary = summarize("user-9", [{"event": "action", "name": "action_handoff"}, *said, *events])
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 1)
