"""What the analytics tables must hold for a set of published conversations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from bot.analytics.store import ConversationRecord, folded_events, get_conversation
from bot.analytics.summary import ConversationSummary, summarize
from bot.tickets.db import session_scope
from bot.tickets.models import AnalyticsMissedMessage
from bot.trainer.inbox.events import messages_from_events, reason_code


def by_sender(bodies: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Published bodies grouped by conversation, in publishing order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        grouped.setdefault(body["sender_id"], []).append(body)
    return grouped


def _time(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.timezone.utc)


def as_record_fields(summary: ConversationSummary) -> dict[str, Any]:
    """The columns a summary is stored as (``updated_at`` aside)."""
    return {
        "sender_id": summary.sender_id,
        "channel": summary.channel,
        "first_event_at": _time(summary.first_event_at),
        "last_event_at": _time(summary.last_event_at),
        "events": summary.events,
        "sessions": summary.sessions,
        "user_messages": summary.user_messages,
        "intents": summary.intents,
        "intakes_started": summary.intakes_started,
        "tickets_created": len(summary.tickets),
        "ticket_nos": tuple(summary.tickets),
        "last_ticket_no": summary.tickets[-1] if summary.tickets else None,
        "handoffs": summary.handoffs,
        "handoffs_queued": summary.handoffs_queued,
        "callbacks_offered": summary.callbacks_offered,
        "diagnosis_solved": summary.diagnosis_solved,
        "intake_slots": summary.intake_slots,
        "intakes_confirmed": summary.intakes_confirmed,
        "intake_tickets": summary.intake_tickets,
        "diagnosis_offered": summary.diagnosis_offered,
        "diagnosis_to_ticket": summary.diagnosis_to_ticket,
        "fallbacks": summary.fallbacks,
        "ratings": summary.ratings,
        "rating": summary.rating,
        "rating_context": summary.rating_context,
    }


def record_fields(record: ConversationRecord) -> dict[str, Any]:
    fields = dict(vars(record))
    fields.pop("updated_at")
    return fields


def expected_missed(grouped: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, int], Any]:
    """The rows of ``analytics_missed_messages``: the inbox's messages of each conversation."""
    return {
        (sender, m.number): (
            m.text,
            m.channel,
            m.when,
            m.intent,
            m.confidence,
            sorted(reason_code(r) for r in m.reasons),
        )
        for sender, bodies in grouped.items()
        for m in messages_from_events(bodies)
    }


def assert_stored_exactly(url: str, published: Sequence[dict[str, Any]]) -> None:
    """Every published event folded exactly once: keys, each conversation's row, the messages."""
    grouped = by_sender(published)
    with session_scope(url, readonly=True) as session:
        assert folded_events(session) == len(published)
        for sender, bodies in grouped.items():
            record = get_conversation(session, sender_id=sender)
            assert record is not None, sender
            expected = as_record_fields(summarize(sender, bodies))
            assert record_fields(record) == expected, sender
        stored = {
            (row.sender_id, row.number): (
                row.text,
                row.channel,
                row.sent_at,
                row.intent,
                row.confidence,
                row.reasons,
            )
            for row in session.scalars(select(AnalyticsMissedMessage))
        }
    assert stored == expected_missed(grouped)
