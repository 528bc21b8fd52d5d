"""The fold reads the project's own names, and the events its actions really return.

The actions run as the action server runs them; their events and messages become Rasa events
as Rasa logs them (``action``, the ``bot`` messages with ``utter_action``, the events).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, Event
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import FALLBACK_ACTION
from bot.actions.handoff import CALLBACK_OFFERED, ActionHandoff
from bot.actions.rating import ActionStoreRating
from bot.actions.submit import ActionSubmitTicket
from bot.analytics import summary as names
from bot.analytics.summary import ConversationSummary, apply_event
from bot.settings import get_settings
from bot.tickets import models
from bot.tickets.db import dispose_engines
from tests.analytics.dialogues import Dialogue

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text("utf-8"))
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_the_names_are_the_projects() -> None:
    assert names.INTAKE_FORM in DOMAIN["forms"]
    for slot in (names.TICKET_SLOT, names.CALLBACK_SLOT, names.RATING_CONTEXT_SLOT):
        assert slot in DOMAIN["slots"]
    assert names.RATING_ENTITY in DOMAIN["entities"]
    assert names.HOTLINE_RESPONSE in DOMAIN["responses"]
    for action in (names.SUBMIT_ACTION, names.RATING_ACTION, *names.HANDOFF_ACTIONS):
        assert action in DOMAIN["actions"]
    assert ActionSubmitTicket().name() == names.SUBMIT_ACTION
    assert ActionStoreRating().name() == names.RATING_ACTION
    assert ActionHandoff().name() in names.HANDOFF_ACTIONS
    assert FALLBACK_ACTION in names.FALLBACK_ACTIONS & names.HANDOFF_ACTIONS
    assert CALLBACK_OFFERED == names.CALLBACK_OFFERED
    assert names.RATING_CONTEXTS == models.RATING_CONTEXTS
    columns = models.ConversationAnalytics.__table__.c
    widths = (columns.channel.type.length, columns.last_ticket_no.type.length)
    assert widths == (names.CHANNEL_MAX, names.TICKET_NO_MAX)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    dispose_engines()
    yield db_url


def tracker(slots: dict[str, Any], text: str, intent: str, *entities: tuple[str, str]) -> Tracker:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": [{"entity": name, "value": value} for name, value in entities],
    }
    user = {"event": "user", "text": text, "parse_data": parse, "input_channel": "socketio"}
    return Tracker(
        sender_id="owner",
        slots=slots,
        latest_message=parse,
        events=[{"event": "action", "name": "action_listen"}, user],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def rasa_events(action: Action, tracker: Tracker) -> list[dict[str, Any]]:
    """What Rasa logs for one run of ``action``, as its broker publishes it."""
    dispatcher = CollectingDispatcher()
    returned = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    logged: list[Event] = [ActionExecuted(action.name())]
    logged += [
        BotUttered("…", metadata={"utter_action": message["response"]})
        for message in dispatcher.messages
    ]
    logged += [Event.from_parameters(event) for event in returned]
    return [{"sender_id": "owner", **event.as_dict()} for event in logged]


def fold(*runs: list[dict[str, Any]]) -> ConversationSummary:
    summary = ConversationSummary("owner")
    for events in runs:
        for event in events:
            apply_event(summary, event)
    return summary


CONFIRMED_INTAKE = {
    "intake_id": "b" * 32,
    "intake_confirmed": True,
    "device_model": "oneplus-12",
    "fault_category": "screen",
    "fault_description": "屏幕有绿线",
    "warranty_status": "to_verify",
    "service_type": "mail_in",
    "contact_phone": "13912345678",
}


def test_a_ticket_created_by_the_submit_action_then_rated(store: str) -> None:
    submitted = rasa_events(ActionSubmitTicket(), tracker(CONFIRMED_INTAKE, "对", "affirm"))
    ticket_no = next(e["value"] for e in submitted if e.get("name") == "ticket_no")
    rated = rasa_events(
        ActionStoreRating(),
        tracker(
            {"rating_context": "ticket", "ticket_no": ticket_no}, "4分", "rate", ("rating", "4分")
        ),
    )
    user = Dialogue("owner").user("4分", "rate", ("rating", "4分")).bodies()
    summary = fold(submitted, user, rated)
    assert summary.tickets == [ticket_no]
    assert (summary.ratings, summary.rating, summary.rating_context) == (1, 4, "ticket")


def test_a_handoff_queued_by_the_handoff_action(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.tickets import create_agent, session_scope, set_presence

    monkeypatch.setenv("HANDOFF_WORKING_HOURS", "00:00-24:00")
    get_settings.cache_clear()
    summary = fold(rasa_events(ActionHandoff(), tracker({}, "转人工", "request_human")))
    # Nobody online: the callback is offered, in working hours too.
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 1)
    with session_scope() as session:
        agent = create_agent(session, username="zhang", display_name="张三", password_hash="x")
        set_presence(session, agent_id=agent.id, presence="online")
    summary = fold(rasa_events(ActionHandoff(), tracker({}, "转人工", "request_human")))
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 1, 0)


def test_a_callback_offered_by_the_handoff_action_after_hours(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFF_WORKING_HOURS", "09:00-18:00")
    monkeypatch.setattr(
        "bot.actions.handoff.local_now", lambda: dt.datetime(2026, 11, 22, 23, 0, tzinfo=SHANGHAI)
    )
    get_settings.cache_clear()
    summary = fold(rasa_events(ActionHandoff(), tracker({}, "转人工", "request_human")))
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 1)


def test_the_hotline_given_by_the_handoff_action_with_the_store_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HANDOFF_WORKING_HOURS", "00:00-24:00")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/down")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
    get_settings.cache_clear()
    dispose_engines()
    events = rasa_events(ActionHandoff(), tracker({}, "转人工", "request_human"))
    assert [e["metadata"]["utter_action"] for e in events if e["event"] == "bot"] == [
        names.HOTLINE_RESPONSE
    ]
    summary = fold(events)
    assert (summary.handoffs, summary.handoffs_queued, summary.callbacks_offered) == (1, 0, 0)
