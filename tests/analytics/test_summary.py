"""The pure fold of Rasa events into a conversation summary, on conversations as Rasa logs them."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet

from bot.analytics.summary import (
    MAX_INTENTS,
    OTHER_INTENTS,
    ConversationSummary,
    FoldState,
    apply_event,
    form_slots,
    summarize,
)
from tests.analytics import dialogues as d


def fold(dialogue: d.Dialogue) -> ConversationSummary:
    return summarize(dialogue.sender_id, dialogue.bodies())


def counts(summary: ConversationSummary) -> dict[str, Any]:
    """What a service manager reads (times and fold state aside)."""
    values = asdict(summary)
    for name in ("first_event_at", "last_event_at", "state", "events", "missed"):
        values.pop(name)
    return values


def test_intake_ending_in_a_ticket_rated_five_stars() -> None:
    dialogue = d.repair_with_ticket("owner-1", "R20261122-0001")
    summary = fold(dialogue)
    assert counts(summary) == {
        "sender_id": "owner-1",
        "channel": "socketio",
        "sessions": 1,
        "user_messages": 6,
        "intents": {
            "greet": 1,
            "fault_screen": 1,
            "faq/warranty_policy": 1,
            "inform": 1,
            "affirm": 1,
            "rate": 1,
        },
        "intakes_started": 1,
        "tickets": ["R20261122-0001"],
        "handoffs": 0,
        "handoffs_queued": 0,
        "callbacks_offered": 0,
        "diagnosis_solved": 0,
        # the ticket: the intake got through every stage (its other slots set before the form)
        "intake_slots": dict.fromkeys(form_slots(), 1),
        "intakes_confirmed": 1,
        "intake_tickets": 1,
        "diagnosis_offered": 0,
        "diagnosis_to_ticket": 0,
        "fallbacks": 0,
        "ratings": 1,
        "rating": 5,
        "rating_context": "ticket",
    }
    assert summary.events == len(dialogue.events)
    stamps = [event.timestamp for event in dialogue.events]
    assert (summary.first_event_at, summary.last_event_at) == (min(stamps), max(stamps))


def test_a_typed_ticket_number_is_not_a_ticket_of_the_conversation() -> None:
    summary = fold(d.status_check("owner-2", "R20261120-0042"))
    assert (summary.tickets, summary.intakes_started) == ([], 0)
    assert (summary.channel, summary.intents) == ("rest", {"check_repair_status": 1})


def test_two_fallbacks_hand_over_to_an_agent_who_gets_rated() -> None:
    summary = fold(d.fallbacks_then_agent("owner-3"))
    assert summary.fallbacks == 2
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 1, 0)
    # The message sent while paused is the user's too; the console's pause is not a handoff.
    assert summary.intents == {"nlu_fallback": 2, "request_human": 1, "rate": 1}
    assert (summary.ratings, summary.rating, summary.rating_context) == (1, 3, "handoff")
    assert summary.channel == "wechat"


def test_after_hours_a_callback_is_a_handoff() -> None:
    summary = fold(d.after_hours_callback("owner-4"))
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 1)
    assert summary.fallbacks == 0


def test_the_hotline_given_when_the_store_is_down_is_a_handoff() -> None:
    summary = fold(d.hotline_when_store_down("owner-5"))
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 0)


def test_a_kept_intake_retried_by_a_reminder_ends_in_its_ticket() -> None:
    summary = fold(d.kept_ticket_retried("owner-6", "R20261122-0002"))
    assert (summary.intakes_started, summary.tickets) == (1, ["R20261122-0002"])
    # The reminder's EXTERNAL_retry_ticket is not a message of the user.
    assert (summary.user_messages, summary.intents) == (2, {"fault_screen": 1, "affirm": 1})


def test_a_new_session_keeping_ticket_and_pause_counts_neither() -> None:
    summary = fold(d.returning_paused_owner("owner-7", "R20261101-0003"))
    assert (summary.sessions, summary.tickets, summary.handoffs) == (1, [], 0)
    assert (summary.user_messages, summary.channel) == (0, None)


def test_a_low_rating_in_words_about_a_question() -> None:
    summary = fold(d.question_then_low_rating("owner-8"))
    assert summary.intents == {"faq/hotline": 1, "thank": 1, "rate": 2}
    # "嗯" gives no score: asked again, not counted.
    assert (summary.ratings, summary.rating, summary.rating_context) == (1, 1, "question")


def test_each_activation_of_the_form_is_an_intake() -> None:
    summary = fold(d.cancelled_then_new_intake("owner-9"))
    assert (summary.sessions, summary.intakes_started, summary.tickets) == (2, 2, [])


def test_a_repeated_activation_event_is_one_intake() -> None:
    dialogue = d.Dialogue("owner-10").add(
        ActionExecuted("repair_form"), ActiveLoop("repair_form"), ActiveLoop("repair_form")
    )
    assert fold(dialogue).intakes_started == 1


def test_only_the_submit_action_makes_a_ticket_and_each_number_once() -> None:
    dialogue = d.Dialogue("owner-11").add(
        ActionExecuted("action_submit_ticket"),
        SlotSet("ticket_no", "R20261122-0009"),
        ActionExecuted("action_listen"),
        ActionExecuted("action_submit_ticket"),  # an intake already a ticket: the same number
        SlotSet("ticket_no", "R20261122-0009"),
        ActionExecuted("action_check_repair_status"),
        SlotSet("ticket_no", "R20261122-0010"),
    )
    assert fold(dialogue).tickets == ["R20261122-0009"]


@pytest.mark.parametrize("dialogue", d.every_scenario("split"), ids=lambda x: x.sender_id)
def test_folding_in_two_parts_through_storage_equals_folding_at_once(dialogue: d.Dialogue) -> None:
    bodies = [json.loads(json.dumps(body)) for body in dialogue.bodies()]  # as sent
    whole = summarize(dialogue.sender_id, bodies)
    for cut in range(len(bodies) + 1):
        part = summarize(dialogue.sender_id, bodies[:cut])
        # What the store keeps of the fold state is its JSON.
        stored = json.loads(json.dumps(part.state.as_dict()))
        resumed = replace(part, state=FoldState.from_dict(stored))
        for body in bodies[cut:]:
            apply_event(resumed, body)
        assert resumed == whole, f"cut at {cut}"


ODD_EVENTS: list[dict[str, Any]] = [
    {},
    {"event": None},
    {"event": "user"},
    {"event": "user", "parse_data": "x", "text": 5, "input_channel": ["x"]},
    {"event": "user", "parse_data": {"intent": "greet", "entities": "x"}},
    {"event": "user", "parse_data": {"intent": {"name": 7}, "response_selector": []}},
    {"event": "user", "parse_data": {"entities": [None, {"entity": "rating", "value": 9}]}},
    {"event": "action", "name": ["action_fallback"]},
    {"event": "slot", "name": {"ticket_no": 1}, "value": object.__name__},
    {"event": "slot", "name": "ticket_no", "value": "R" * 100},
    {"event": "slot", "name": "rating_context", "value": ["ticket"]},
    {"event": "active_loop", "name": 3},
    {"event": "bot", "metadata": "utter_human_hotline"},
    {"event": "pause", "timestamp": "yesterday"},
    {"event": "session_started", "timestamp": math.nan},
    {"event": "restart", "timestamp": 1e300},
    {"event": "user", "timestamp": True},
    {"event": "teleport", "timestamp": -5},
]


def test_odd_events_count_and_change_nothing_else() -> None:
    summary = ConversationSummary("odd")
    summary.state.last_action = "action_submit_ticket"
    for event in ODD_EVENTS:
        apply_event(summary, event)
    assert summary.events == len(ODD_EVENTS)
    assert (summary.first_event_at, summary.last_event_at) == (None, None)
    assert summary.tickets == [] and summary.handoffs == summary.fallbacks == 0
    assert summary.rating is None and summary.sessions == 1
    assert summary.intents == {}  # an intent that is not a name is no intent


def test_fold_state_from_anything_stored() -> None:
    assert FoldState.from_dict(None) == FoldState()
    assert FoldState.from_dict({"offered_score": 9, "last_action": 3}) == FoldState()
    assert FoldState.from_dict({"offered_score": True}) == FoldState()
    state = FoldState("action_fallback", "repair_form", "ticket", 4)
    assert FoldState.from_dict(state.as_dict()) == state


def test_intents_are_capped_per_conversation() -> None:
    dialogue = d.Dialogue("chatty")
    for index in range(MAX_INTENTS + 20):
        dialogue.user(f"消息{index}", f"intent_{index}")
    summary = fold(dialogue)
    assert len(summary.intents) == MAX_INTENTS + 1
    assert summary.intents[OTHER_INTENTS] == 20
    assert sum(summary.intents.values()) == summary.user_messages == MAX_INTENTS + 20
