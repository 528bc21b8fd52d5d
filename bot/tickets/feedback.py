"""Feedback from conversations: complaints and satisfaction ratings.

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.tickets.checks import (
    aware,
    aware_or_none,
    choice,
    optional,
    record_of,
    required,
    ticket_ref,
)
from bot.tickets.models import (
    MAX_SCORE,
    MIN_SCORE,
    RATING_CONTEXTS,
    Complaint,
    SatisfactionRating,
)


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint as stored (``text`` in full, ``created_at`` aware UTC)."""

    id: int
    sender_id: str
    channel: str
    text: str
    ticket_no: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class RatingRecord:
    """A satisfaction rating as stored."""

    id: int
    sender_id: str
    channel: str
    score: int
    context: str
    ticket_no: str | None
    comment: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class RatingSummary:
    """Satisfaction ratings summed up for operators.

    Attributes:
        count: Number of ratings.
        average: Mean score, or None without ratings.
        counts: Number of ratings per score, every score from 1 to 5 present.
    """

    count: int
    average: float | None
    counts: dict[int, int]


def record_complaint(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    text: str,
    ticket_no: str | None = None,
    now: dt.datetime | None = None,
) -> ComplaintRecord:
    """Store a user's complaint for the operators.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        text: The complaint in the user's words; stripped, never truncated.
        ticket_no: Ticket the complaint is about, if any (normalised, not checked to
            exist, ignored when too long to be a ticket number).
        now: Creation time (aware); default the current time.

    Returns:
        The stored complaint.

    Raises:
        ValueError: Empty text, sender or channel, or naive ``now``.
    """
    row = Complaint(
        sender_id=required("sender_id", sender_id),
        channel=required("channel", channel),
        text=required("text", text),
        ticket_no=ticket_ref(ticket_no),
        created_at=aware(now),
    )
    session.add(row)
    session.flush()
    return record_of(ComplaintRecord, row)


def list_complaints(
    session: Session, *, since: dt.datetime | None = None, limit: int = 100
) -> list[ComplaintRecord]:
    """Return recent complaints, newest first.

    Args:
        session: Open session.
        since: Only complaints created at or after this time (aware); None for all.
        limit: Maximum number of complaints returned (at least 1).

    Returns:
        The complaints; empty when none.

    Raises:
        ValueError: ``limit`` below 1 or naive ``since``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    start = aware_or_none(since)
    if start is not None:
        query = query.where(Complaint.created_at >= start)
    rows = session.execute(query.limit(limit)).scalars().all()
    return [record_of(ComplaintRecord, row) for row in rows]


def record_rating(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    score: int,
    context: str,
    ticket_no: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> RatingRecord:
    """Store a satisfaction rating.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        score: Whole number from 1 (very unhappy) to 5 (very happy).
        context: What was rated, one of :data:`RATING_CONTEXTS`.
        ticket_no: Ticket concerned, if any (normalised, not checked to exist,
            ignored when too long to be a ticket number).
        comment: Optional free text; blank is stored as None.
        now: Creation time (aware); default the current time.

    Returns:
        The stored rating.

    Raises:
        ValueError: Score outside 1..5 or not an integer, unknown context, empty
            sender or channel, or naive ``now``.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"score must be a whole number from {MIN_SCORE} to {MAX_SCORE}: {score!r}")
    row = SatisfactionRating(
        sender_id=required("sender_id", sender_id),
        channel=required("channel", channel),
        score=score,
        context=choice("context", context, RATING_CONTEXTS),
        ticket_no=ticket_ref(ticket_no),
        comment=optional(comment),
        created_at=aware(now),
    )
    session.add(row)
    session.flush()
    return record_of(RatingRecord, row)


def rating_summary(
    session: Session, *, since: dt.datetime | None = None, context: str | None = None
) -> RatingSummary:
    """Sum up satisfaction ratings for operators.

    Args:
        session: Open session.
        since: Only ratings created at or after this time (aware); None for all.
        context: Only ratings of this context (one of :data:`RATING_CONTEXTS`); None for all.

    Returns:
        Count, average and count per score (average None when there are no ratings).

    Raises:
        ValueError: Unknown context or naive ``since``.
    """
    query = select(SatisfactionRating.score, func.count()).group_by(SatisfactionRating.score)
    start = aware_or_none(since)
    if start is not None:
        query = query.where(SatisfactionRating.created_at >= start)
    if context is not None:
        query = query.where(
            SatisfactionRating.context == choice("context", context, RATING_CONTEXTS)
        )
    counts = dict.fromkeys(range(MIN_SCORE, MAX_SCORE + 1), 0)
    for score, count in session.execute(query).all():
        counts[int(score)] = int(count)
    total = sum(counts.values())
    average = sum(score * n for score, n in counts.items()) / total if total else None
    return RatingSummary(count=total, average=average, counts=counts)
