"""The dashboard's data: the ticket database and Rasa's tracker store, for one period.

* Conversations: ``analytics_conversations`` (folded from the event broker) when the server
  publishes to one, else every conversation of the tracker store with events since the
  period's start, folded here with :func:`bot.analytics.summary.summarize` (the same fold).
* Handoffs (``handoffs``) and ratings (``satisfaction_ratings``) created in the period.
* Missed messages, by the trainer's inbox rules (:func:`bot.trainer.inbox.events.inbox_event`,
  the texts masked): ``analytics_missed_messages`` (written by the same fold) with a broker,
  else folded from the tracker store with the conversations.

With a broker the tracker store is never read. Without one, an SQL store is asked for the
conversations with an event since the period's start (one indexed query), other stores for
every conversation; each is then read whole (``retrieve_full_tracker``): work grows with the
conversations active since the start of the period and their length, not with the period alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.analytics.missed import missed_between
from bot.analytics.store import conversations_between
from bot.analytics.summary import summarize
from bot.dashboard.figures import Conversation, Data, HandoffFigure, RatingFigure
from bot.dashboard.period import Period
from bot.tickets.models import Handoff, SatisfactionRating
from bot.trainer import paths
from bot.trainer.inbox.build import InboxRow, build_inbox, known_keys
from bot.trainer.inbox.events import Message
from bot.trainer.nlu_files import load_examples

logger = logging.getLogger(__name__)

ANALYTICS = "analytics"
TRACKER = "tracker"


def source_of(tracker_store: Any) -> str:
    """``analytics`` when the server publishes its events to a broker, else ``tracker``."""
    return ANALYTICS if getattr(tracker_store, "event_broker", None) is not None else TRACKER


def read_database(
    session: Session, period: Period, *, analytics: bool, messages: bool = False
) -> tuple[Data, list[Message]]:
    """Handoffs and ratings created in the period, and the analytics rows when asked.

    Args:
        session: The caller's session.
        period: The period.
        analytics: Whether to read the conversations from ``analytics_conversations``.
        messages: Whether to read the missed messages sent in the period from
            ``analytics_missed_messages`` (with ``analytics`` only).

    Returns:
        The data (no missed rows yet), and the missed messages read.
    """
    start, end = period.start, period.end
    handoffs = session.execute(
        select(
            Handoff.channel,
            Handoff.reason,
            Handoff.status,
            Handoff.created_at,
            Handoff.claimed_at,
            Handoff.ended_at,
        )
        .where(Handoff.created_at >= start, Handoff.created_at < end)
        .order_by(Handoff.created_at, Handoff.id)
    ).all()
    ratings = session.execute(
        select(
            SatisfactionRating.channel,
            SatisfactionRating.context,
            SatisfactionRating.score,
            SatisfactionRating.created_at,
        )
        .where(SatisfactionRating.created_at >= start, SatisfactionRating.created_at < end)
        .order_by(SatisfactionRating.created_at, SatisfactionRating.id)
    ).all()
    conversations = (
        [Conversation.from_record(r) for r in conversations_between(session, start=start, end=end)]
        if analytics
        else []
    )
    missed = missed_between(session, start=start, end=end) if analytics and messages else []
    data = Data(
        conversations=conversations,
        handoffs=[HandoffFigure(*row) for row in handoffs],
        ratings=[RatingFigure(*row) for row in ratings],
    )
    return data, missed


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not be read (its database down, or the connection lost)."""


@dataclass
class TrackerRead:
    """What the tracker store says about a period.

    Attributes:
        conversations: The conversations read, folded.
        messages: The missed messages sent in the period.
        read: How many conversations were read.
    """

    conversations: list[Conversation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    read: int = 0


async def _senders(tracker_store: Any, since: dt.datetime) -> list[str]:
    """The conversations that may have events since ``since`` (all, for a store not SQL)."""
    from rasa.core.tracker_store import SQLTrackerStore

    inner = getattr(tracker_store, "_tracker_store", tracker_store)
    if isinstance(inner, SQLTrackerStore):
        event = inner.SQLEvent

        def query() -> list[str]:
            with inner.session_scope() as session:
                rows = (
                    session.query(event.sender_id)
                    .filter(event.timestamp >= since.timestamp())
                    .distinct()
                    .all()
                )
            return sorted(str(sender) for (sender,) in rows)

        return await asyncio.to_thread(query)
    return sorted(str(sender) for sender in await tracker_store.keys())


def _fold(sender: str, tracker: Any, period: Period, into: TrackerRead) -> None:
    """Fold one conversation and keep its missed messages of the period (the same fold)."""
    summary = summarize(sender, (event.as_dict() for event in tracker.events))
    into.conversations.append(Conversation.from_summary(summary))
    pending = summary.state.inbox.pending()
    for message in [*summary.missed, *([pending] if pending is not None else [])]:
        if period.holds(message.when):
            into.messages.append(message)
    into.read += 1


async def read_trackers(tracker_store: Any, period: Period) -> TrackerRead:
    """The conversations with events in the period, folded, and their missed messages.

    Each conversation is folded in a thread, so a long read does not hold up the server's
    other requests.

    Raises:
        TrackerStoreUnavailable: The store could not be read.
    """
    result = TrackerRead()
    try:
        for sender in await _senders(tracker_store, period.start):
            tracker = await tracker_store.retrieve_full_tracker(sender)
            if tracker is not None:
                await asyncio.to_thread(_fold, sender, tracker, period, result)
    except (SQLAlchemyError, OSError) as error:  # Redis, Mongo, ... raise OSError subclasses
        raise TrackerStoreUnavailable(str(error)) from error
    logger.info("dashboard: %d conversation(s) read from the tracker store", result.read)
    return result


@lru_cache(maxsize=1)
def known_texts() -> frozenset[str]:
    """Texts already in the training data or the held-out split (left out of the inbox)."""
    examples = load_examples([paths.DATA_DIR / "nlu", paths.HELDOUT.parent])
    return frozenset(known_keys(examples))


def missed_rows(messages: list[Message], period: Period, channel: str | None) -> list[InboxRow]:
    """The inbox's rows of the period's missed messages (of one channel when given).

    Messages are grouped in one order whatever their source (time, then text), so both
    sources give the same rows.
    """
    chosen = [m for m in messages if channel is None or m.channel == channel]
    chosen.sort(key=lambda m: (m.when, m.text, m.number, m.intent, m.confidence))
    return build_inbox(chosen, known=set(known_texts()), tz=period.tz)
