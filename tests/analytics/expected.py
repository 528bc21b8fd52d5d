"""What the analytics tables must hold for a set of published conversations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from bot.analytics.store import ConversationRecord, folded_events, get_conversation
from bot.analytics.summary import ConversationSummary, summarize
from bot.tickets.db import session_scope


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


def assert_stored_exactly(url: str, published: Sequence[dict[str, Any]]) -> None:
    """Every published event folded exactly once: keys and each conversation's row."""
    grouped = by_sender(published)
    with session_scope(url, readonly=True) as session:
        assert folded_events(session) == len(published)
        for sender, bodies in grouped.items():
            record = get_conversation(session, sender_id=sender)
            assert record is not None, sender
            expected = as_record_fields(summarize(sender, bodies))
            assert record_fields(record) == expected, sender
