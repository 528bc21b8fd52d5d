"""The analytics tables: events folded once, in batches, across transactions."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

from sqlalchemy import select

from bot.analytics.messages import BrokerEvent, decode_message
from bot.analytics.store import (
    folded_events,
    forget_keys,
    get_conversation,
    list_conversations,
    record_events,
)
from bot.tickets.db import session_scope
from bot.tickets.models import AnalyticsEventKey
from tests.analytics import dialogues as d
from tests.analytics.expected import assert_stored_exactly

UTC = dt.timezone.utc


def broker_events(bodies: list[dict[str, Any]]) -> list[BrokerEvent]:
    return [decode_message(json.dumps(body).encode("utf-8")) for body in bodies]


def every_body(prefix: str) -> list[dict[str, Any]]:
    return [body for dialogue in d.every_scenario(prefix) for body in dialogue.bodies()]


def test_events_folded_in_batches_equal_the_whole_fold(db_url: str) -> None:
    bodies = every_body("batches")
    events = broker_events(bodies)
    for start in range(0, len(events), 7):
        with session_scope(db_url) as session:
            assert record_events(session, events=events[start : start + 7]) == len(
                events[start : start + 7]
            )
    assert_stored_exactly(db_url, bodies)


def test_an_event_delivered_again_is_not_counted_again(db_url: str) -> None:
    bodies = d.repair_with_ticket("again", "R20261122-0001").bodies()
    events = broker_events(bodies)
    with session_scope(db_url) as session:
        assert record_events(session, events=events[:10]) == 10
    with session_scope(db_url) as session:
        # Redelivered (the first 10 again), one duplicated inside the batch, and the rest.
        assert (
            record_events(session, events=[*events[:10], events[10], *events[10:]])
            == len(events) - 10
        )
    with session_scope(db_url) as session:
        assert record_events(session, events=events) == 0
    assert_stored_exactly(db_url, bodies)


def test_a_rolled_back_batch_leaves_no_key(db_url: str) -> None:
    events = broker_events(d.hotline_when_store_down("rolled-back").bodies())
    try:
        with session_scope(db_url) as session:
            record_events(session, events=events)
            raise RuntimeError("crash before the commit")
    except RuntimeError:
        pass
    with session_scope(db_url, readonly=True) as session:
        assert folded_events(session) == 0
        assert get_conversation(session, sender_id="rolled-back") is None


def test_the_conversation_row(db_url: str) -> None:
    dialogue = d.repair_with_ticket("row", "R20261122-0001")
    now = dt.datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    with session_scope(db_url) as session:
        record_events(session, events=broker_events(dialogue.bodies()), now=now)
    with session_scope(db_url, readonly=True) as session:
        record = get_conversation(session, sender_id="row")
    assert record is not None
    assert (record.channel, record.intakes_started, record.tickets_created) == ("socketio", 1, 1)
    assert (record.ticket_nos, record.last_ticket_no) == (("R20261122-0001",), "R20261122-0001")
    assert (record.rating, record.rating_context, record.updated_at) == (5, "ticket", now)
    stamps = [event.timestamp for event in dialogue.events]
    assert record.first_event_at == dt.datetime.fromtimestamp(min(stamps), UTC)
    assert record.last_event_at == dt.datetime.fromtimestamp(max(stamps), UTC)


def test_conversations_listed_latest_first_since_a_time(db_url: str) -> None:
    early, late = d.hotline_when_store_down("early"), d.after_hours_callback("late")
    with session_scope(db_url) as session:
        record_events(session, events=broker_events(early.bodies() + late.bodies()))
    since = dt.datetime.fromtimestamp(late.events[0].timestamp, UTC)
    with session_scope(db_url, readonly=True) as session:
        assert [r.sender_id for r in list_conversations(session)] == ["late", "early"]
        assert [r.sender_id for r in list_conversations(session, since=since)] == ["late"]
        assert [r.sender_id for r in list_conversations(session, limit=1)] == ["late"]


def test_old_keys_are_forgotten(db_url: str) -> None:
    events = broker_events(d.status_check("keys", "R20261120-0042").bodies())
    old = dt.datetime(2026, 11, 1, tzinfo=UTC)
    with session_scope(db_url) as session:
        record_events(session, events=events[:3], now=old)
        record_events(session, events=events[3:], now=old + dt.timedelta(days=10))
    with session_scope(db_url) as session:
        assert forget_keys(session, before=old + dt.timedelta(days=5)) == 3
    with session_scope(db_url, readonly=True) as session:
        assert folded_events(session) == len(events) - 3
        keys = set(session.scalars(select(AnalyticsEventKey.key)))
    assert keys == {event.key for event in events[3:]}


def test_two_consumers_storing_the_same_events_at_once_count_them_once(
    postgres_url: str,
) -> None:
    bodies = every_body("racing")
    events = broker_events(bodies)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def consumer(batch: list[BrokerEvent]) -> None:
        barrier.wait()
        for start in range(0, len(batch), 5):
            for attempt in range(5):  # as the consumer does: an IntegrityError is retried
                try:
                    with session_scope(postgres_url) as session:
                        record_events(session, events=batch[start : start + 5])
                    break
                except Exception as exc:
                    if attempt == 4:
                        errors.append(exc)

    threads = [threading.Thread(target=consumer, args=(events,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_stored_exactly(postgres_url, bodies)
