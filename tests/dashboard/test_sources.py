"""Both sources of the conversations (analytics rows, tracker store) give the same tables."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot.analytics.messages import decode_message
from bot.analytics.store import record_events
from bot.console.texts import console_text
from bot.dashboard.labels import dashboard_labels
from bot.dashboard.period import Period
from bot.dashboard.report import build_report, inbox_rows
from bot.dashboard.sources import ANALYTICS, TRACKER, source_of
from bot.settings import get_settings
from bot.tickets.db import session_scope
from tests.analytics.dialogues import every_scenario
from tests.conftest import ROOT


def _stores(tmp_path: Path) -> tuple[InMemoryTrackerStore, InMemoryTrackerStore]:
    domain = Domain.load(str(ROOT / "domain.yml"))
    broker = SQLEventBroker(db=str(tmp_path / "broker.db"))
    return InMemoryTrackerStore(domain, event_broker=broker), InMemoryTrackerStore(domain)


async def _hold(store: InMemoryTrackerStore) -> None:
    for dialogue in every_scenario("s"):
        tracker = await store.get_or_create_tracker(dialogue.sender_id)
        for event in dialogue.events:
            tracker.update(event)
        await store.save(tracker)


def _published(store: InMemoryTrackerStore) -> list[bytes]:
    broker = store.event_broker
    with broker.session_scope() as session:
        rows = session.query(broker.SQLBrokerEvent).order_by(broker.SQLBrokerEvent.id).all()
        return [row.data.encode() for row in rows]


def test_the_source_is_the_analytics_store_when_events_are_published(tmp_path: Path) -> None:
    with_broker, without = _stores(tmp_path)
    assert (source_of(with_broker), source_of(without)) == (ANALYTICS, TRACKER)


def test_both_sources_agree_on_every_kind_of_conversation(ticket_db: str, tmp_path: Path) -> None:
    with_broker, without = _stores(tmp_path)

    async def report(store: Any, period: Period, channel: str | None = None) -> Any:
        return await build_report(store, period, channel, labels=dashboard_labels(console_text))

    loop = asyncio.new_event_loop()
    loop.run_until_complete(_hold(with_broker))
    bodies = _published(with_broker)
    with session_scope() as session:
        record_events(session, events=[decode_message(body) for body in bodies])
    without.store = dict(with_broker.store)
    tz = get_settings().tz
    days = {dt.datetime.fromtimestamp(json.loads(b)["timestamp"], tz).date() for b in bodies}
    period = Period(min(days), max(days), tz)
    analytics = loop.run_until_complete(report(with_broker, period))
    tracker = loop.run_until_complete(report(without, period))
    assert (analytics["source"], tracker["source"]) == ("analytics", "tracker")
    assert analytics["tables"] == tracker["tables"]
    assert analytics["channels"] == tracker["channels"] == ["rest", "socketio", "wechat"]
    for channel in analytics["channels"]:
        one = loop.run_until_complete(report(with_broker, period, channel))
        assert one["tables"] == loop.run_until_complete(report(without, period, channel))["tables"]
    rows = analytics["tables"]["containment"]["rows"]
    # Nine conversations, one without a message from its owner; three handed over.
    assert sum(r["conversations"] for r in rows) == 8
    assert sum(r["contained"] for r in rows) == 5
    stages = [r["intakes"] for r in analytics["tables"]["funnel"]["rows"]]
    funnel = {r["stage"]: r["intakes"] for r in analytics["tables"]["funnel"]["rows"]}
    # The kept ticket's intake (confirmed a session earlier) counts as confirmed: it got further.
    assert (funnel["started"], funnel["confirmed"], funnel["ticket"]) == (4, 2, 2)
    assert stages == sorted(stages, reverse=True)  # never rises from one stage to the next
    assert analytics["tables"]["missed"]["rows"]  # the missed messages came from the table
    loop.close()


def test_with_a_broker_the_tracker_store_is_never_read(ticket_db: str, tmp_path: Path) -> None:
    with_broker, _ = _stores(tmp_path)

    async def unreadable(*_: Any) -> Any:
        raise AssertionError("the tracker store was read")

    with_broker.keys = unreadable  # type: ignore[method-assign]
    with_broker.retrieve_full_tracker = unreadable  # type: ignore[method-assign]
    period = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 1), get_settings().tz)
    labels = dashboard_labels(console_text)
    loop = asyncio.new_event_loop()
    without = loop.run_until_complete(
        build_report(with_broker, period, labels=labels, with_messages=False)
    )
    full = loop.run_until_complete(build_report(with_broker, period, labels=labels))
    rows = loop.run_until_complete(inbox_rows(with_broker, period))
    loop.close()
    assert without["source"] == full["source"] == "analytics"
    assert without["tables"]["missed"]["rows"] == full["tables"]["missed"]["rows"] == rows == []
