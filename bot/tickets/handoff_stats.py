"""Figures about handoffs: recent handling times and a day's counts.

Recent handling times feed the bot's wait estimate, a day's counts the supervisor view.
Read-only; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.tickets.checks import aware
from bot.tickets.models import HANDOFF_OUTCOMES, CallbackRequest, Handoff


@dataclass(frozen=True)
class DayFigures:
    """Handoffs of one period: ended by an agent, abandoned, callbacks asked for, queued."""

    handled: int
    abandoned: int
    callbacks: int
    queued: int


def recent_handling_seconds(session: Session, *, limit: int) -> list[float]:
    """Handling times (claim to end, seconds) of the ``limit`` handoffs agents ended last.

    Raises:
        ValueError: ``limit`` below 1.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    rows = session.execute(
        select(Handoff.claimed_at, Handoff.ended_at)
        .where(
            Handoff.status.in_(HANDOFF_OUTCOMES),
            Handoff.claimed_at.is_not(None),
            Handoff.ended_at.is_not(None),
        )
        .order_by(Handoff.ended_at.desc(), Handoff.id.desc())
        .limit(limit)
    ).all()
    return [(ended - claimed).total_seconds() for claimed, ended in rows]


def day_figures(session: Session, *, start: dt.datetime, end: dt.datetime) -> DayFigures:
    """Counts of handoffs between ``start`` (included) and ``end`` (excluded).

    ``handled``: ended by an agent (returned or closed); ``abandoned``: owner left while
    queued; both by end time. ``callbacks``: callback requests recorded; ``queued``: handoffs
    created (every chat that reached the queue or the after-hours offer with a record).

    Raises:
        ValueError: Naive datetimes.
    """
    since, until = aware(start), aware(end)

    def ended(*statuses: str) -> int:
        return int(
            session.execute(
                select(func.count())
                .select_from(Handoff)
                .where(
                    Handoff.status.in_(statuses),
                    Handoff.ended_at >= since,
                    Handoff.ended_at < until,
                )
            ).scalar_one()
        )

    callbacks = session.execute(
        select(func.count())
        .select_from(CallbackRequest)
        .where(CallbackRequest.created_at >= since, CallbackRequest.created_at < until)
    ).scalar_one()
    queued = session.execute(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.created_at >= since, Handoff.created_at < until)
    ).scalar_one()
    return DayFigures(
        handled=ended(*HANDOFF_OUTCOMES),
        abandoned=ended("abandoned"),
        callbacks=int(callbacks),
        queued=int(queued),
    )
