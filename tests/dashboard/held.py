"""Conversations held with the real bot (trained model, real action server), for the dashboard.

The tracker store publishes every event to Rasa's SQL event broker, as the production profile
publishes to RabbitMQ; those published bodies are folded into ``analytics_conversations`` as
the consumer folds them (:func:`bot.analytics.store.record_events`). The same conversations
stay in the tracker store for the fallback source.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.analytics.messages import decode_message
from bot.analytics.store import record_events
from bot.tickets.db import session_scope

#: Who says what, on which channel (the texts of tests/conversations/dialogues).
CONVERSATIONS: dict[str, tuple[str, list[str]]] = {
    # intake with a diagnosis skipped, a ticket, rated 5 (ticket)
    "owner-intake": (
        "socketio",
        [
            "我要报修",
            "屏幕上有一条绿线，一直消不掉",
            "/request_repair",
            "一加12",
            "去年三月",
            "864752041234569",
            "寄修",
            "13912345678",
            "确认",
            "5",
        ],
    ),
    # the diagnosis solves a charging fault: no ticket; rated 4 (question, not in CSAT)
    "owner-solved": ("rest", ["我的一加12充不进电了", "否", "是的", "4"]),
    # an intake left after the phone model: the diagnosis skipped, no purchase date
    "owner-left": (
        "socketio",
        ["我要报修", "屏幕上有一条绿线，一直消不掉", "/request_repair", "一加12"],
    ),
    # two messages the bot does not understand: handed to a person
    "owner-fallback": ("rest", ["阿巴阿巴", "就是那个嘛", "你好"]),
    # a question answered by the bot
    "owner-faq": ("socketio", ["保修期多久"]),
}


@dataclass
class Held:
    """The conversations held: their stores and the ticket database."""

    url: str
    published: list[dict[str, Any]]
    with_broker: InMemoryTrackerStore
    without_broker: InMemoryTrackerStore
    events: dict[str, list[dict[str, Any]]]


async def hold(model: Path, action_url: str, url: str, broker_db: Path, domain: Path) -> Held:
    """Hold :data:`CONVERSATIONS` and fold what the broker got into the analytics tables."""
    loaded = Domain.load(str(domain))
    broker = SQLEventBroker(db=str(broker_db))
    store = InMemoryTrackerStore(loaded, event_broker=broker)
    agent = Agent.load(
        str(model), action_endpoint=EndpointConfig(url=action_url), tracker_store=store
    )
    for sender, (channel, texts) in CONVERSATIONS.items():
        for text in texts:
            await agent.handle_message(
                UserMessage(text, CollectingOutputChannel(), sender, input_channel=channel)
            )
    with broker.session_scope() as session:
        rows = session.query(broker.SQLBrokerEvent).order_by(broker.SQLBrokerEvent.id).all()
        bodies = [row.data for row in rows]
    published = [json.loads(body) for body in bodies]
    with session_scope(url) as session:
        record_events(session, events=[decode_message(body.encode()) for body in bodies])
    plain = InMemoryTrackerStore(loaded)
    plain.store = dict(store.store)
    events: dict[str, list[dict[str, Any]]] = {}
    for sender in CONVERSATIONS:
        tracker = await store.retrieve_full_tracker(sender)
        assert tracker is not None
        events[sender] = [event.as_dict() for event in tracker.events]
    return Held(url, published, store, plain, events)


def run(coroutine: Any) -> Any:
    """Run a coroutine on a fresh loop (the tests are synchronous)."""
    return asyncio.new_event_loop().run_until_complete(coroutine)


def local_day(timestamp: float, tz: dt.tzinfo) -> str:
    """The business-local day of an event time."""
    return dt.datetime.fromtimestamp(timestamp, tz).date().isoformat()
