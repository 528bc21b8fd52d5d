"""The analytics tables: conversations folded from broker events, and the keys folded.

Functions take a :class:`~sqlalchemy.orm.Session` whose transaction the caller owns
(:func:`bot.tickets.db.session_scope`) and never commit. :func:`record_events` writes an
event's key and its effect on the conversation in that one transaction, so an event is
counted once whether its message comes once or again (redelivered after a crash): the
caller acknowledges the messages only after the commit. The messages the bot struggled with
go to their own table in the same transaction (:mod:`bot.analytics.missed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.analytics.messages import BrokerEvent
from bot.analytics.missed import write_missed
from bot.analytics.summary import ConversationSummary, FoldState, apply_event
from bot.tickets.models import AnalyticsEventKey, ConversationAnalytics

UTC = dt.timezone.utc


@dataclass(frozen=True)
class ConversationRecord:
    """One row of ``analytics_conversations`` (see :class:`ConversationSummary`)."""

    sender_id: str
    channel: str | None
    first_event_at: dt.datetime | None
    last_event_at: dt.datetime | None
    events: int
    sessions: int
    user_messages: int
    intents: dict[str, int]
    intakes_started: int
    tickets_created: int
    ticket_nos: tuple[str, ...]
    last_ticket_no: str | None
    handoffs: int
    handoffs_queued: int
    callbacks_offered: int
    diagnosis_solved: int
    intake_slots: dict[str, int]
    intakes_confirmed: int
    intake_tickets: int
    diagnosis_offered: int
    diagnosis_to_ticket: int
    fallbacks: int
    ratings: int
    rating: int | None
    rating_context: str | None
    updated_at: dt.datetime


def _utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def _time(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, UTC)


def _seconds(value: dt.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


#: Columns that hold a summary's field of the same name as it is (the others are converted).
_AS_IS = (
    "channel",
    "events",
    "sessions",
    "user_messages",
    "intakes_started",
    "handoffs",
    "handoffs_queued",
    "callbacks_offered",
    "diagnosis_solved",
    "intakes_confirmed",
    "intake_tickets",
    "diagnosis_offered",
    "diagnosis_to_ticket",
    "fallbacks",
    "ratings",
    "rating",
    "rating_context",
)


def _as_is(source: Any) -> dict[str, Any]:
    return {name: getattr(source, name) for name in _AS_IS}


def _summary(row: Any) -> ConversationSummary:
    """The summary stored in a row, ready to fold more events into."""
    return ConversationSummary(
        sender_id=row.sender_id,
        first_event_at=_seconds(row.first_event_at),
        last_event_at=_seconds(row.last_event_at),
        intents={str(k): int(v) for k, v in dict(row.intents or {}).items()},
        intake_slots={str(k): int(v) for k, v in dict(row.intake_slots or {}).items()},
        tickets=[str(t) for t in row.ticket_nos or []],
        state=FoldState.from_dict(row.fold_state),
        **_as_is(row),
    )


def _write(row: Any, summary: ConversationSummary, now: dt.datetime) -> None:
    """Copy a summary into a row (new JSON values, so that the changes are seen)."""
    for name, value in _as_is(summary).items():
        setattr(row, name, value)
    row.first_event_at = _time(summary.first_event_at)
    row.last_event_at = _time(summary.last_event_at)
    row.intents = dict(summary.intents)
    row.intake_slots = dict(summary.intake_slots)
    row.tickets_created = len(summary.tickets)
    row.ticket_nos = list(summary.tickets)
    row.last_ticket_no = summary.tickets[-1] if summary.tickets else None
    row.fold_state = summary.state.as_dict()
    row.updated_at = now


def _record(row: Any) -> ConversationRecord:
    return ConversationRecord(
        sender_id=row.sender_id,
        first_event_at=row.first_event_at,
        last_event_at=row.last_event_at,
        intents=dict(row.intents or {}),
        intake_slots=dict(row.intake_slots or {}),
        tickets_created=row.tickets_created,
        ticket_nos=tuple(row.ticket_nos or ()),
        last_ticket_no=row.last_ticket_no,
        updated_at=row.updated_at,
        **_as_is(row),
    )


def record_events(
    session: Session, *, events: Sequence[BrokerEvent], now: dt.datetime | None = None
) -> int:
    """Fold the events not folded before into their conversations, in order.

    The messages the bot struggled with are written too (masked): those whose turn ended, and
    the open turn's when it went badly so far (its row is updated when it gets more reasons).

    The conversations' rows are locked (``FOR UPDATE`` on PostgreSQL; SQLite's write
    transaction serialises writers), so two consumers never fold into one row at once. A
    key another consumer stored in the meantime fails the flush with an ``IntegrityError``:
    the caller rolls back and tries again.

    Args:
        session: The caller's session.
        events: Events as read from the broker, in delivery order.
        now: The time recorded (default: now).

    Returns:
        How many events were new.
    """
    moment = now or _utcnow()
    unique: dict[str, BrokerEvent] = {}
    for item in events:
        unique.setdefault(item.key, item)
    if not unique:
        return 0
    seen = set(
        session.scalars(
            select(AnalyticsEventKey.key).where(AnalyticsEventKey.key.in_(list(unique)))
        )
    )
    new = [item for key, item in unique.items() if key not in seen]
    if not new:
        return 0
    senders = sorted({item.sender_id for item in new})
    rows = {
        row.sender_id: row
        for row in session.scalars(
            select(ConversationAnalytics)
            .where(ConversationAnalytics.sender_id.in_(senders))
            .order_by(ConversationAnalytics.sender_id)
            .with_for_update()
        )
    }
    summaries = {
        sender: _summary(rows[sender]) if sender in rows else ConversationSummary(sender)
        for sender in senders
    }
    for item in new:
        apply_event(summaries[item.sender_id], item.event)
        session.add(AnalyticsEventKey(key=item.key, sender_id=item.sender_id, seen_at=moment))
    for sender, summary in summaries.items():
        row = rows.get(sender)
        if row is None:
            row = ConversationAnalytics(sender_id=sender)
            session.add(row)
        _write(row, summary, moment)
        pending = summary.state.inbox.pending()
        missed = [*summary.missed, *([pending] if pending is not None else [])]
        write_missed(session, sender_id=sender, messages=missed, now=moment)
    session.flush()
    return len(new)


def get_conversation(session: Session, *, sender_id: str) -> ConversationRecord | None:
    """The analytics of one conversation, or ``None`` when none of its events came yet."""
    row = session.get(ConversationAnalytics, sender_id)
    return None if row is None else _record(row)


def list_conversations(
    session: Session, *, since: dt.datetime | None = None, limit: int = 100
) -> list[ConversationRecord]:
    """Conversations active since ``since`` (all when ``None``), latest first.

    Args:
        session: The caller's session.
        since: Only conversations whose latest event is at or after this (aware) time.
        limit: At most this many.
    """
    query = select(ConversationAnalytics)
    if since is not None:
        query = query.where(ConversationAnalytics.last_event_at >= since)
    query = query.order_by(
        ConversationAnalytics.last_event_at.desc(), ConversationAnalytics.sender_id
    ).limit(limit)
    return [_record(row) for row in session.scalars(query)]


def conversations_between(
    session: Session, *, start: dt.datetime, end: dt.datetime, channel: str | None = None
) -> list[ConversationRecord]:
    """Conversations whose latest event is at or after ``start`` and before ``end``.

    Args:
        session: The caller's session.
        start: The first moment (aware).
        end: The first moment after (aware).
        channel: Only conversations of this channel (all when ``None``).
    """
    query = select(ConversationAnalytics).where(
        ConversationAnalytics.last_event_at >= start, ConversationAnalytics.last_event_at < end
    )
    if channel is not None:
        query = query.where(ConversationAnalytics.channel == channel)
    query = query.order_by(ConversationAnalytics.last_event_at, ConversationAnalytics.sender_id)
    return [_record(row) for row in session.scalars(query)]


def folded_events(session: Session) -> int:
    """How many event keys are kept (every folded event since the last :func:`forget_keys`)."""
    return int(session.scalar(select(func.count()).select_from(AnalyticsEventKey)) or 0)


def forget_keys(session: Session, *, before: dt.datetime) -> int:
    """Delete the keys of events folded before ``before``; returns how many.

    Only safe for events RabbitMQ can no longer redeliver: the consumer forgets keys well
    older than anything still in its queue, and only when the queue is drained.
    """
    result = session.execute(delete(AnalyticsEventKey).where(AnalyticsEventKey.seen_at < before))
    return int(result.rowcount or 0)
