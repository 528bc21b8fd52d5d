"""ActionSessionStart: a returning owner's new session keeps only what should outlive it."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.session import ActionSessionStart

HALF_FINISHED = {
    "fault_description": "充不进电",
    "device_model": "oneplus-12",
    "contact_phone": "13812345678",
    "requested_slot": "city",
    "intake_id": "abc",
    "rating_pending": True,
    "status_asked": True,
    "verified_phones": ["13812345678"],
    "handoff_reason": "fallback",
}


def _start(slots: dict[str, Any], paused: bool = False) -> tuple[list[dict], list[dict]]:
    tracker = Tracker("owner-1", slots, {}, [], paused, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSessionStart().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_a_half_finished_intake_and_pending_questions_stay_behind() -> None:
    events, messages = _start({**HALF_FINISHED, "ticket_no": "SH2603010001"})
    assert events == [
        SessionStarted(),
        SlotSet("ticket_no", "SH2603010001"),
        ActionExecuted("action_listen"),
    ]
    assert messages == []


def test_nothing_to_keep() -> None:
    events, _ = _start(HALF_FINISHED)
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


def test_a_confirmed_intake_waiting_for_the_ticket_store_is_kept() -> None:
    intake = {
        **HALF_FINISHED,
        "requested_slot": None,
        "intake_confirmed": True,
        "ticket_pending": True,
        "ticket_retries": 10.0,
    }
    events, _ = _start(intake)
    assert events == [
        SessionStarted(),
        SlotSet("device_model", "oneplus-12"),
        SlotSet("fault_description", "充不进电"),
        SlotSet("contact_phone", "13812345678"),
        SlotSet("intake_confirmed", True),
        SlotSet("intake_id", "abc"),
        SlotSet("ticket_pending", True),
        SlotSet("ticket_retries", 10.0),
        ActionExecuted("action_listen"),
    ]


def test_the_channels_metadata_and_a_handed_over_chat_are_kept() -> None:
    metadata = {"channel": "wechat"}
    events, _ = _start({"session_started_metadata": metadata}, paused=True)
    assert events == [
        SessionStarted(),
        SlotSet("session_started_metadata", metadata),
        ConversationPaused(),
        ActionExecuted("action_listen"),
    ]
