"""The messages the bot struggled with (``analytics_missed_messages``), for the dashboard.

Written by :func:`bot.analytics.store.record_events` in the fold's transaction; read by the
manager's dashboard instead of the tracker store. Texts come masked from the fold
(:mod:`bot.trainer.inbox.events`); reasons are stored as stable codes. Functions take a
:class:`~sqlalchemy.orm.Session` whose transaction the caller owns and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.tickets.models import AnalyticsMissedMessage
from bot.trainer.inbox.events import Message, reason_code, reason_of

UTC = dt.timezone.utc


def write_missed(
    session: Session, *, sender_id: str, messages: Iterable[Message], now: dt.datetime
) -> int:
    """Store a conversation's messages; a message stored before (same number) is updated.

    Args:
        session: The caller's session.
        sender_id: The conversation.
        messages: Its messages from the fold (the latest version of each turn last).
        now: The time recorded.

    Returns:
        How many rows were added or changed.
    """
    latest = {message.number: message for message in messages}
    if not latest:
        return 0
    rows = {
        row.number: row
        for row in session.scalars(
            select(AnalyticsMissedMessage).where(
                AnalyticsMissedMessage.sender_id == sender_id,
                AnalyticsMissedMessage.number.in_(sorted(latest)),
            )
        )
    }
    for number, message in sorted(latest.items()):
        row = rows.get(number)
        if row is None:
            row = AnalyticsMissedMessage(sender_id=sender_id, number=number)
            session.add(row)
        row.channel = message.channel
        row.sent_at = message.when
        row.text = message.text
        row.intent = message.intent
        row.confidence = message.confidence
        row.reasons = sorted(reason_code(reason) for reason in message.reasons)
        row.updated_at = now
    return len(latest)


def _message(row: AnalyticsMissedMessage) -> Message:
    reasons = {reason_of(code) for code in row.reasons or []}
    return Message(
        text=row.text,
        intent=row.intent,
        confidence=row.confidence,
        reasons=frozenset(r for r in reasons if r is not None),
        when=row.sent_at,
        channel=row.channel,
        number=row.number,
    )


def missed_between(
    session: Session, *, start: dt.datetime, end: dt.datetime, channel: str | None = None
) -> list[Message]:
    """Messages sent at or after ``start`` and before ``end`` (of one channel when given).

    Returns:
        The messages by conversation, then in the order they were sent.
    """
    query = select(AnalyticsMissedMessage).where(
        AnalyticsMissedMessage.sent_at >= start, AnalyticsMissedMessage.sent_at < end
    )
    if channel is not None:
        query = query.where(AnalyticsMissedMessage.channel == channel)
    query = query.order_by(AnalyticsMissedMessage.sender_id, AnalyticsMissedMessage.number)
    return [_message(row) for row in session.scalars(query)]


def forget_missed(session: Session, *, before: dt.datetime) -> int:
    """Delete the messages sent before ``before``; returns how many."""
    result = session.execute(
        delete(AnalyticsMissedMessage).where(AnalyticsMissedMessage.sent_at < before)
    )
    return int(result.rowcount or 0)
