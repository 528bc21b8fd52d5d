"""The dashboard's tables, from plain data: conversations, handoffs, ratings, missed messages.

Pure (no database, no Rasa): :mod:`bot.dashboard.sources` reads the data. Every table is
``{title_key, columns: [{key, label_key}], rows: [{key: value}]}``; days are business-local
``YYYY-MM-DD`` strings, rates and shares fractions (0-1, 4 decimals), times whole seconds.
A column ``<key>`` may come with ``<key>_label`` in the rows: its Chinese label.

What each table counts:

* ``containment``: per day and channel, the conversations with a message from the owner whose
  latest event falls on that day, and those of them never handed to a person (``contained``).
* ``funnel``: how far the intakes got: started, then each of the form's slots, confirmed,
  ending in a ticket; an intake counts at every stage up to the furthest one it reached
  (:func:`bot.analytics.summary.intake_stages`), so no stage exceeds the one before;
  ``share`` of those started.
* ``escalations``: handoffs created in the period, by reason.
* ``handling``: per day of their creation, handoffs, those an agent answered, those abandoned
  while queued, the average wait (created to claimed) and handling (claimed to ended) time.
* ``csat``: ratings of tickets and of handoffs, by score.
* ``missed``: the owners' messages the assistant did not understand, was unsure of or handed
  over, masked and grouped as in the trainer's inbox (the most frequent first).
* ``diagnosis``: per day, intakes that offered the guided diagnosis, those it solved without
  a ticket and those that went on to a ticket.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.analytics.store import ConversationRecord
from bot.analytics.summary import (
    CONFIRMED_SLOT,
    STARTED_STAGE,
    TICKET_STAGE,
    ConversationSummary,
    form_slots,
)
from bot.dashboard.period import Period
from bot.tickets.checks import record_of
from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.csvfile import REASON_SEPARATOR

#: The tables, in the order the page shows them.
TABLES = ("containment", "funnel", "escalations", "handling", "csat", "missed", "diagnosis")
#: Rating contexts the CSAT table shows, and the scores.
CSAT_CONTEXTS = ("ticket", "handoff")
SCORES = (1, 2, 3, 4, 5)
#: The handoff status of an owner who left the queue (``bot.tickets.handoffs``).
ABANDONED = "abandoned"
#: Rows of the missed-messages table.
MISSED_ROWS = 20
#: Funnel stages around the form's slots.
STARTED, CONFIRMED, TICKET = STARTED_STAGE, "confirmed", TICKET_STAGE
#: Where the page's texts (titles, column labels) are: ``<prefix>tables.<name>`` etc.
TEXT_PREFIX = "page.dashboard."


@dataclass(frozen=True)
class Conversation:
    """What the dashboard needs of one conversation (an analytics row or a folded tracker)."""

    sender_id: str
    channel: str | None
    last_event_at: dt.datetime | None
    user_messages: int
    handoffs: int
    intakes_started: int
    intake_slots: Mapping[str, int]
    intakes_confirmed: int
    intake_tickets: int
    diagnosis_offered: int
    diagnosis_solved: int
    diagnosis_to_ticket: int

    @classmethod
    def from_record(cls, record: ConversationRecord) -> Conversation:
        """A row of ``analytics_conversations`` (the fields of the same names)."""
        return record_of(cls, record, intake_slots=dict(record.intake_slots))

    @classmethod
    def from_summary(cls, summary: ConversationSummary) -> Conversation:
        """A conversation folded from its events (:func:`bot.analytics.summary.summarize`)."""
        last = summary.last_event_at
        return record_of(
            cls,
            summary,
            last_event_at=None if last is None else dt.datetime.fromtimestamp(last, dt.UTC),
            intake_slots=dict(summary.intake_slots),
        )


@dataclass(frozen=True)
class HandoffFigure:
    """A handoff as the figures need it (times aware)."""

    channel: str
    reason: str
    status: str
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class RatingFigure:
    """A satisfaction rating as the figures need it."""

    channel: str
    context: str
    score: int
    created_at: dt.datetime


@dataclass(frozen=True)
class Labels:
    """Chinese labels the rows carry (the page and the CSV file show them)."""

    reason: Callable[[str], str]
    stage: Callable[[str], str]
    context: Callable[[str], str]
    intent: Callable[[str], str] = str  # the intent itself when the catalogue has no label


@dataclass
class Data:
    """Everything the tables are made of, for one period (channel filter not applied yet)."""

    conversations: list[Conversation] = field(default_factory=list)
    handoffs: list[HandoffFigure] = field(default_factory=list)
    ratings: list[RatingFigure] = field(default_factory=list)
    missed: list[InboxRow] = field(default_factory=list)


def _table(name: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title_key": f"{TEXT_PREFIX}tables.{name}",
        "columns": [{"key": key, "label_key": f"{TEXT_PREFIX}columns.{key}"} for key in columns],
        "rows": rows,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean_seconds(values: list[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def _counted(conversations: Iterable[Conversation], period: Period) -> list[Conversation]:
    """Conversations with a message from the owner, whose latest event is in the period."""
    return [c for c in conversations if c.user_messages > 0 and period.holds(c.last_event_at)]


def containment(conversations: Sequence[Conversation], period: Period) -> dict[str, Any]:
    """Per day and channel: conversations, those never handed over, and the rate."""
    counted = _counted(conversations, period)
    channels = sorted({c.channel or "" for c in counted})
    totals: Counter[tuple[dt.date, str]] = Counter()
    contained: Counter[tuple[dt.date, str]] = Counter()
    for item in counted:
        assert item.last_event_at is not None  # _counted keeps only those in the period
        key = (period.day_of(item.last_event_at), item.channel or "")
        totals[key] += 1
        contained[key] += item.handoffs == 0
    rows = [
        {
            "day": day.isoformat(),
            "channel": channel,
            "conversations": totals[(day, channel)],
            "contained": contained[(day, channel)],
            "rate": _ratio(contained[(day, channel)], totals[(day, channel)]),
        }
        for day in period.days()
        for channel in channels
    ]
    return _table("containment", ("day", "channel", "conversations", "contained", "rate"), rows)


def funnel_stages() -> tuple[str, ...]:
    """The funnel's stages: started, the form's slots in order, confirmed, ticket."""
    slots = tuple(slot for slot in form_slots() if slot != CONFIRMED_SLOT)
    return (STARTED, *slots, CONFIRMED, TICKET)


def funnel(conversations: Sequence[Conversation], period: Period, labels: Labels) -> dict[str, Any]:
    """Intakes that got at least as far as each stage, and their share of those started."""
    counted = _counted(conversations, period)
    reached: dict[str, int] = {
        STARTED: sum(c.intakes_started for c in counted),
        CONFIRMED: sum(c.intakes_confirmed for c in counted),
        TICKET: sum(c.intake_tickets for c in counted),
    }
    started = reached[STARTED]
    rows = []
    for stage in funnel_stages():
        count = reached.get(stage)
        if count is None:
            count = sum(c.intake_slots.get(stage, 0) for c in counted)
        rows.append(
            {
                "stage": stage,
                "stage_label": labels.stage(stage),
                "intakes": count,
                "share": _ratio(count, started),
            }
        )
    return _table("funnel", ("stage", "intakes", "share"), rows)


def escalations(handoffs: Sequence[HandoffFigure], labels: Labels) -> dict[str, Any]:
    """Handoffs by reason, the most frequent first."""
    counts = Counter(h.reason for h in handoffs)
    rows = [
        {"reason": reason, "reason_label": labels.reason(reason), "count": count}
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return _table("escalations", ("reason", "reason_label", "count"), rows)


def handling(handoffs: Sequence[HandoffFigure], period: Period) -> dict[str, Any]:
    """Per day of creation: handoffs, answered, abandoned, average wait and handling time."""
    by_day: dict[dt.date, list[HandoffFigure]] = {}
    for handoff in handoffs:
        by_day.setdefault(period.day_of(handoff.created_at), []).append(handoff)
    rows = []
    for day in period.days():
        group = by_day.get(day, [])
        answered = [h for h in group if h.claimed_at is not None]
        waits = [(h.claimed_at - h.created_at).total_seconds() for h in answered if h.claimed_at]
        handled = [
            (h.ended_at - h.claimed_at).total_seconds()
            for h in answered
            if h.claimed_at is not None and h.ended_at is not None
        ]
        rows.append(
            {
                "day": day.isoformat(),
                "handoffs": len(group),
                "answered": len(answered),
                "abandoned": sum(h.status == ABANDONED for h in group),
                "avg_wait_seconds": _mean_seconds(waits),
                "avg_handling_seconds": _mean_seconds(handled),
            }
        )
    columns = ("day", "handoffs", "answered", "abandoned")
    return _table("handling", (*columns, "avg_wait_seconds", "avg_handling_seconds"), rows)


def csat(ratings: Sequence[RatingFigure], labels: Labels) -> dict[str, Any]:
    """Ratings of tickets and of handoffs, per score (every score, zeros included)."""
    counts = Counter((r.context, r.score) for r in ratings)
    rows = [
        {
            "context": context,
            "context_label": labels.context(context),
            "score": score,
            "count": counts[(context, score)],
        }
        for context in CSAT_CONTEXTS
        for score in SCORES
    ]
    return _table("csat", ("context", "score", "count"), rows)


def missed(rows: Sequence[InboxRow], labels: Labels) -> dict[str, Any]:
    """The most frequent missed messages (masked, as in the trainer's inbox)."""
    shown = [
        {
            "text": row.text,
            "count": row.count,
            "reason": REASON_SEPARATOR.join(r.value for r in row.reasons),
            "intent": row.intent,
            "intent_label": labels.intent(row.intent),
        }
        for row in rows[:MISSED_ROWS]
    ]
    return _table("missed", ("text", "count", "reason", "intent"), shown)


def diagnosis(conversations: Sequence[Conversation], period: Period) -> dict[str, Any]:
    """Per day: intakes that offered the guided diagnosis, solved, went on to a ticket."""
    totals: dict[dt.date, list[int]] = {}
    for item in _counted(conversations, period):
        assert item.last_event_at is not None
        counts = totals.setdefault(period.day_of(item.last_event_at), [0, 0, 0])
        counts[0] += item.diagnosis_offered
        counts[1] += item.diagnosis_solved
        counts[2] += item.diagnosis_to_ticket
    rows = []
    for day in period.days():
        offered, solved, to_ticket = totals.get(day, [0, 0, 0])
        rows.append(
            {"day": day.isoformat(), "offered": offered, "solved": solved, "to_ticket": to_ticket}
        )
    return _table("diagnosis", ("day", "offered", "solved", "to_ticket"), rows)


def channels(data: Data, period: Period) -> list[str]:
    """The channels seen in the period (for the page's channel filter)."""
    seen = {c.channel for c in _counted(data.conversations, period) if c.channel}
    seen |= {h.channel for h in data.handoffs} | {r.channel for r in data.ratings}
    return sorted(seen)


def only_channel(data: Data, channel: str | None) -> Data:
    """The data of one channel (all when ``None``); missed messages are filtered by the source."""
    if channel is None:
        return data
    return Data(
        conversations=[c for c in data.conversations if c.channel == channel],
        handoffs=[h for h in data.handoffs if h.channel == channel],
        ratings=[r for r in data.ratings if r.channel == channel],
        missed=data.missed,
    )


def tables(data: Data, period: Period, labels: Labels) -> dict[str, dict[str, Any]]:
    """Every table of the dashboard, by name (:data:`TABLES`)."""
    return {
        "containment": containment(data.conversations, period),
        "funnel": funnel(data.conversations, period, labels),
        "escalations": escalations(data.handoffs, labels),
        "handling": handling(data.handoffs, period),
        "csat": csat(data.ratings, labels),
        "missed": missed(data.missed, labels),
        "diagnosis": diagnosis(data.conversations, period),
    }
