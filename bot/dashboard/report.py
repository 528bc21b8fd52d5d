"""The dashboard's answer for a period: every table, and the inbox file of the period."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.analytics.missed import missed_between
from bot.dashboard.figures import Labels, channels, only_channel, tables
from bot.dashboard.period import Period
from bot.dashboard.sources import (
    ANALYTICS,
    TRACKER,
    missed_rows,
    read_database,
    read_trackers,
    source_of,
)
from bot.tickets.db import session_scope
from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.events import Message


async def build_report(
    tracker_store: Any,
    period: Period,
    channel: str | None = None,
    *,
    labels: Labels,
    url: str | None = None,
    with_messages: bool = True,
) -> dict[str, Any]:
    """``{period, source, channels, tables}`` for the period (one channel when given).

    Args:
        tracker_store: The Rasa server's tracker store (``agent.tracker_store``).
        period: The period.
        channel: Only this channel's conversations, handoffs, ratings and messages.
        labels: The rows' Chinese labels (:func:`bot.dashboard.labels.dashboard_labels`).
        url: The ticket database (the settings' by default).
        with_messages: Whether to read the missed messages (``False``: the ``missed`` table
            is empty).

    With an event broker everything comes from the ticket database; without one the
    tracker store is read too.
    """
    source = source_of(tracker_store)
    analytics = source == ANALYTICS

    def read() -> Any:
        with session_scope(url, readonly=True) as session:
            return read_database(session, period, analytics=analytics, messages=with_messages)

    data, messages = await asyncio.to_thread(read)
    if source == TRACKER:
        trackers = await read_trackers(tracker_store, period)
        data.conversations, messages = trackers.conversations, trackers.messages
    seen = channels(data, period)
    data = only_channel(data, channel)
    data.missed = missed_rows(messages, period, channel) if with_messages else []
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "source": source,
        "channels": seen,
        "tables": tables(data, period, labels),
    }


async def inbox_rows(
    tracker_store: Any, period: Period, channel: str | None = None, *, url: str | None = None
) -> list[InboxRow]:
    """The trainer's inbox rows of the period's missed messages (as ``make inbox`` builds).

    From ``analytics_missed_messages`` with an event broker, else from the tracker store.
    """
    if source_of(tracker_store) == ANALYTICS:

        def read() -> list[Message]:
            with session_scope(url, readonly=True) as session:
                return missed_between(session, start=period.start, end=period.end)

        messages = await asyncio.to_thread(read)
    else:
        messages = (await read_trackers(tracker_store, period)).messages
    return missed_rows(messages, period, channel)
