"""Handoffs of conversations to hotline agents (callback requests: :mod:`bot.tickets.callbacks`).

A handoff is ``queued`` when the assistant cannot help, ``active`` once an agent
claims it, and ends ``returned`` (back to the assistant) or ``closed``; outside
working hours a queued handoff becomes ``callback`` and a callback request
(:mod:`bot.tickets.callbacks`) holds the number to call. A sender has at most one
open (queued or active) handoff, enforced by a partial unique index. State changes are single
conditional ``UPDATE`` statements, so two agents racing for one chat cannot both
win. The caller owns the transaction, as everywhere in the ticket store.

An agent may transfer a held chat to another online agent (a ``transfer`` note records it,
:mod:`bot.tickets.notes`). A queued handoff whose owner left becomes ``abandoned``: the
owner's channel reports signs of them (:func:`owner_seen`, :func:`owner_left`: the web
widget's socket), and :func:`sweep_abandoned` ends the queued handoffs whose owner's socket
has been gone for ``widget_gone_seconds``, or who showed no sign for ``abandon_after_minutes``
(``handoff.yml``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.catalog.handoff import load_handoff_policy
from bot.tickets.agents import AgentNotFound, get_agent_by_username
from bot.tickets.checks import aware, bounded, choice, limited, record_of
from bot.tickets.models import (
    HANDOFF_OUTCOMES,
    OPEN_HANDOFF_STATUSES,
    Agent,
    Handoff,
    InternalNote,
)
from bot.tickets.models.notes import NOTE_TEXT_MAX
from bot.tickets.presence import ONLINE, presence_of

#: Status of a handoff waiting for an agent.
QUEUED = "queued"
#: Status of a handoff held by an agent.
ACTIVE = "active"
#: Status (and outcome) of a queued handoff turned into a callback request.
CALLBACK = "callback"
#: Status (and outcome) of a queued handoff whose owner left before an agent took it.
ABANDONED = "abandoned"
#: Column widths of the ``handoffs`` and ``callback_requests`` tables.
SENDER_ID_MAX = 255
CHANNEL_MAX = 32
REASON_MAX = 64


class HandoffNotFound(LookupError):
    """No handoff has the given id."""

    def __init__(self, handoff_id: int) -> None:
        super().__init__(f"no handoff {handoff_id}")
        self.handoff_id = handoff_id


class HandoffAlreadyClaimed(RuntimeError):
    """The handoff is no longer queued: another agent claimed it, or it has ended."""

    def __init__(self, handoff_id: int, status: str) -> None:
        super().__init__(f"handoff {handoff_id} is no longer queued (status {status})")
        self.handoff_id = handoff_id
        self.status = status


class HandoffNotHeld(RuntimeError):
    """The agent does not hold the handoff, or it is not active."""

    def __init__(self, handoff_id: int, agent_id: int) -> None:
        super().__init__(f"handoff {handoff_id} is not an active handoff held by agent {agent_id}")
        self.handoff_id = handoff_id
        self.agent_id = agent_id


class TransferToSelf(ValueError):
    """An agent tried to transfer a chat to themselves."""

    def __init__(self, handoff_id: int) -> None:
        super().__init__(f"handoff {handoff_id}: transfer to the agent holding it")
        self.handoff_id = handoff_id


class TargetOffline(RuntimeError):
    """The agent a chat is transferred to is not online."""

    def __init__(self, username: str, presence: str) -> None:
        super().__init__(f"agent {username} is {presence}, not online")
        self.username = username
        self.presence = presence


@dataclass(frozen=True)
class HandoffRecord:
    """A handoff as stored (datetimes aware UTC; ``agent_username`` of the holder)."""

    id: int
    sender_id: str
    channel: str
    reason: str
    summary: dict[str, Any]
    status: str
    agent_username: str | None
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: str | None
    owner_left_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        """Whether the handoff is queued or active."""
        return self.status in OPEN_HANDOFF_STATUSES


# --------------------------------------------------------------------------- helpers


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(summary, dict):
        raise ValueError("summary must be a dict")
    try:
        json.dumps(summary, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"summary must be JSON-serialisable: {exc}") from None
    return summary


def _record(row: Any, agent_username: str | None) -> HandoffRecord:
    return record_of(HandoffRecord, row, summary=dict(row.summary), agent_username=agent_username)


def _with_agent() -> Any:
    # populate_existing: rows changed by the bulk UPDATEs below are re-read, not served
    # stale from the identity map.
    return (
        select(Handoff, Agent.username)
        .outerjoin(Agent, Agent.id == Handoff.agent_id)
        .execution_options(populate_existing=True)
    )


def _records(session: Session, query: Any) -> list[HandoffRecord]:
    return [_record(row, username) for row, username in session.execute(query).all()]


def _load(session: Session, handoff_id: int) -> HandoffRecord:
    found = _records(session, _with_agent().where(Handoff.id == handoff_id))
    if not found:
        raise HandoffNotFound(handoff_id)
    return found[0]


def _open_for_sender(session: Session, sender_id: str) -> HandoffRecord | None:
    found = _records(
        session,
        _with_agent().where(
            Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_HANDOFF_STATUSES)
        ),
    )
    return found[0] if found else None


def _transition(session: Session, handoff_id: int, *conditions: Any, **values: Any) -> bool:
    """Run ``UPDATE handoffs SET values WHERE id = handoff_id AND conditions``.

    Returns:
        Whether the row matched (the transition happened).
    """
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


# --------------------------------------------------------------------------- handoffs


def open_handoff(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    reason: str,
    summary: dict[str, Any],
    now: dt.datetime | None = None,
) -> tuple[HandoffRecord, bool]:
    """Queue the conversation for a human agent, unless it already has an open handoff.

    Safe against concurrent calls for the same sender: the insert runs in a SAVEPOINT
    and a violation of the one-open-handoff-per-sender index is resolved by re-reading.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        reason: Why the assistant hands over (``request_human``, ``complaint``,
            ``fallback``, ``form_failures`` or a trainer-configured name).
        summary: What the agent sees first (slots, tickets, last messages); any
            JSON-serialisable dict, stored as is.
        now: Creation time (aware); default the current time.

    Returns:
        The sender's open handoff and True when this call queued it, False when the
        sender already had one (returned unchanged).

    Raises:
        ValueError: Empty or too long text, a summary that is not a JSON-serialisable
            dict, or naive ``now``.
    """
    values: dict[str, Any] = {
        "sender_id": bounded("sender_id", sender_id, SENDER_ID_MAX),
        "channel": bounded("channel", channel, CHANNEL_MAX),
        "reason": bounded("reason", reason, REASON_MAX),
        "summary": _summary(summary),
    }
    created_at = aware(now)
    existing = _open_for_sender(session, values["sender_id"])
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            row = Handoff(status=QUEUED, created_at=created_at, updated_at=created_at, **values)
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another transaction opened one for this sender in the meantime.
        existing = _open_for_sender(session, values["sender_id"])
        if existing is None:
            raise
        return existing, False
    return _record(row, None), True


def get_handoff(session: Session, *, handoff_id: int) -> HandoffRecord:
    """Return a handoff.

    Raises:
        HandoffNotFound: No such handoff.
    """
    return _load(session, handoff_id)


def open_handoff_for_sender(session: Session, *, sender_id: str) -> HandoffRecord | None:
    """Return the sender's queued or active handoff, or None."""
    return _open_for_sender(session, sender_id)


def queue_position(session: Session, *, handoff_id: int) -> int | None:
    """Return the 1-based place of a handoff in the queue (oldest first).

    Returns:
        The position among queued handoffs ordered by creation time and id, or None
        when the handoff is not queued (claimed, ended, callback).

    Raises:
        HandoffNotFound: No such handoff.
    """
    handoff = _load(session, handoff_id)
    if handoff.status != QUEUED:
        return None
    ahead = session.execute(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.status == QUEUED,
            or_(
                Handoff.created_at < handoff.created_at,
                and_(Handoff.created_at == handoff.created_at, Handoff.id < handoff.id),
            ),
        )
    ).scalar_one()
    return int(ahead) + 1


def list_queue(session: Session) -> list[HandoffRecord]:
    """Return the queued handoffs, oldest first."""
    return _records(
        session,
        _with_agent().where(Handoff.status == QUEUED).order_by(Handoff.created_at, Handoff.id),
    )


def list_held(session: Session, *, agent_id: int) -> list[HandoffRecord]:
    """Return the active handoffs an agent holds, oldest claim first."""
    return _records(
        session,
        _with_agent()
        .where(Handoff.status == ACTIVE, Handoff.agent_id == agent_id)
        .order_by(Handoff.claimed_at, Handoff.id),
    )


def claim_handoff(
    session: Session, *, handoff_id: int, agent_id: int, now: dt.datetime | None = None
) -> HandoffRecord:
    """Give a queued handoff to an agent (``active``).

    One conditional ``UPDATE ... WHERE status = 'queued'``: of two agents claiming
    the same handoff at once exactly one wins (on PostgreSQL the second waits for the
    first's row lock, then finds the row no longer queued).

    Args:
        session: Session with a transaction owned by the caller.
        handoff_id: The handoff.
        agent_id: The claiming agent (must exist and be active).
        now: Claim time (aware); default the current time.

    Returns:
        The handoff, now active and held by the agent.

    Raises:
        HandoffNotFound: No such handoff.
        HandoffAlreadyClaimed: It is no longer queued (claimed by someone, ended, callback).
        AgentNotFound: No active agent with this id.
        ValueError: Naive ``now``.
    """
    claimed_at = aware(now)
    active = session.execute(select(Agent.active).where(Agent.id == agent_id)).scalar_one_or_none()
    if not active:
        raise AgentNotFound(str(agent_id))
    if not _transition(
        session,
        handoff_id,
        Handoff.status == QUEUED,
        status=ACTIVE,
        agent_id=agent_id,
        claimed_at=claimed_at,
        updated_at=claimed_at,
    ):
        raise HandoffAlreadyClaimed(handoff_id, _load(session, handoff_id).status)
    return _load(session, handoff_id)


def end_handoff(
    session: Session,
    *,
    handoff_id: int,
    agent_id: int,
    outcome: str,
    now: dt.datetime | None = None,
) -> HandoffRecord:
    """End an active handoff held by the agent: back to the assistant, or closed.

    Args:
        session: Session with a transaction owned by the caller.
        handoff_id: The handoff.
        agent_id: The agent ending it; must be the one holding it.
        outcome: ``returned`` or ``closed`` (:data:`HANDOFF_OUTCOMES`); becomes both
            the status and the ``outcome``.
        now: End time (aware); default the current time.

    Returns:
        The ended handoff.

    Raises:
        ValueError: Another outcome, or naive ``now``.
        HandoffNotFound: No such handoff.
        HandoffNotHeld: It is not active, or another agent holds it.
    """
    choice("outcome", outcome, HANDOFF_OUTCOMES)
    ended_at = aware(now)
    if not _transition(
        session,
        handoff_id,
        Handoff.status == ACTIVE,
        Handoff.agent_id == agent_id,
        status=outcome,
        outcome=outcome,
        ended_at=ended_at,
        updated_at=ended_at,
    ):
        _load(session, handoff_id)  # HandoffNotFound for an unknown id
        raise HandoffNotHeld(handoff_id, agent_id)
    return _load(session, handoff_id)


def mark_callback(
    session: Session, *, handoff_id: int, now: dt.datetime | None = None
) -> HandoffRecord:
    """Turn a queued handoff into a callback (no agent could take it; the user will be called).

    The handoff ends (``ended_at``, outcome ``callback``), so the sender may open a new
    one later. Marking a handoff that is already ``callback`` returns it unchanged.

    Raises:
        HandoffNotFound: No such handoff.
        HandoffAlreadyClaimed: It is no longer queued (an agent claimed it, or it ended).
        ValueError: Naive ``now``.
    """
    ended_at = aware(now)
    if not _transition(
        session,
        handoff_id,
        Handoff.status == QUEUED,
        status=CALLBACK,
        outcome=CALLBACK,
        ended_at=ended_at,
        updated_at=ended_at,
    ):
        handoff = _load(session, handoff_id)
        if handoff.status == CALLBACK:
            return handoff
        raise HandoffAlreadyClaimed(handoff_id, handoff.status)
    return _load(session, handoff_id)


# --------------------------------------------------------------------------- transfer


def transfer_handoff(
    session: Session,
    *,
    handoff_id: int,
    agent_id: int,
    to_username: str,
    note: str = "",
    now: dt.datetime | None = None,
    stale_seconds: int | None = None,
) -> HandoffRecord:
    """Give a held chat to another online agent, with a ``transfer`` note.

    One conditional ``UPDATE ... WHERE status = 'active' AND agent_id = holder``, like
    :func:`claim_handoff`: a chat the holder no longer holds is not moved.

    Args:
        session: Session with a transaction owned by the caller.
        handoff_id: The handoff.
        agent_id: The agent holding it.
        to_username: The agent taking it over (active and online).
        note: What the new holder should know (may be empty), at most
            :data:`~bot.tickets.models.notes.NOTE_TEXT_MAX` characters.
        now: Transfer time (aware); default the current time.
        stale_seconds: Heartbeat age after which an agent counts as offline; default
            ``presence.stale_seconds`` of ``handoff.yml``.

    Returns:
        The handoff, held by the new agent.

    Raises:
        AgentNotFound: No active agent ``to_username``.
        TransferToSelf: ``to_username`` is the holder.
        TargetOffline: The new agent is not online.
        HandoffNotFound: No such handoff.
        HandoffNotHeld: The agent does not hold it (any more).
        ValueError: Too long note, or naive ``now``.
    """
    at = aware(now)
    text = limited("note", (note or "").strip(), NOTE_TEXT_MAX) or ""
    found = get_agent_by_username(session, username=to_username)
    if found is None or not found[0].active:
        raise AgentNotFound(to_username)
    target = found[0]
    if target.id == agent_id:
        raise TransferToSelf(handoff_id)
    presence = presence_of(session, agent_id=target.id, now=at, stale_seconds=stale_seconds)
    if presence != ONLINE:
        raise TargetOffline(target.username, presence)
    if not _transition(
        session,
        handoff_id,
        Handoff.status == ACTIVE,
        Handoff.agent_id == agent_id,
        agent_id=target.id,
        updated_at=at,
    ):
        _load(session, handoff_id)  # HandoffNotFound for an unknown id
        raise HandoffNotHeld(handoff_id, agent_id)
    session.add(
        InternalNote(
            handoff_id=handoff_id,
            agent_id=agent_id,
            kind="transfer",
            to_agent_id=target.id,
            text=text,
            created_at=at,
        )
    )
    session.flush()
    return _load(session, handoff_id)


# --------------------------------------------------------------------------- owners who leave


def owner_seen(
    session: Session, *, sender_ids: Sequence[str], now: dt.datetime | None = None
) -> int:
    """Record a sign of these owners (a message, the widget connected) on their queued chats.

    Also clears a recorded departure: the owner is back.

    Returns:
        How many queued handoffs were updated.

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    senders = sorted({s for s in sender_ids if isinstance(s, str) and s})
    if not senders:
        return 0
    result = session.execute(
        update(Handoff)
        .where(Handoff.status == QUEUED, Handoff.sender_id.in_(senders))
        .values(owner_seen_at=at, owner_left_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def owner_left(session: Session, *, sender_id: str, now: dt.datetime | None = None) -> bool:
    """Record that the owner's connection closed (the web widget's last socket went away).

    Returns:
        Whether a queued handoff of the sender was marked (an earlier mark is kept).

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    result = session.execute(
        update(Handoff)
        .where(
            Handoff.status == QUEUED,
            Handoff.sender_id == sender_id,
            Handoff.owner_left_at.is_(None),
        )
        .values(owner_left_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


def note_owner_activity(session: Session, *, handoff_id: int, at: dt.datetime) -> bool:
    """Move a queued handoff's last sign of its owner forward to ``at`` (never back).

    For the owner's messages found in the conversation (the console reads the tracker).

    Returns:
        Whether the row was changed.

    Raises:
        ValueError: Naive ``at``.
    """
    seen = aware(at)
    result = session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status == QUEUED,
            or_(Handoff.owner_seen_at.is_(None), Handoff.owner_seen_at < seen),
        )
        .values(owner_seen_at=seen)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


def _idle_since(idle_before: dt.datetime) -> Any:
    """SQL: no sign of the owner since ``idle_before`` (the creation counts as one)."""
    return or_(
        and_(Handoff.owner_seen_at.is_(None), Handoff.created_at <= idle_before),
        Handoff.owner_seen_at <= idle_before,
    )


def _limits(
    now: dt.datetime, idle_minutes: int | None, gone_seconds: int | None
) -> tuple[dt.datetime, dt.datetime]:
    policy = load_handoff_policy()
    idle = policy.abandon_after_minutes if idle_minutes is None else idle_minutes
    gone = policy.widget_gone_seconds if gone_seconds is None else gone_seconds
    return now - dt.timedelta(minutes=idle), now - dt.timedelta(seconds=gone)


def idle_queued(
    session: Session,
    *,
    now: dt.datetime | None = None,
    idle_minutes: int | None = None,
) -> list[HandoffRecord]:
    """Queued handoffs with no recorded sign of their owner for ``idle_minutes``, oldest first.

    The candidates whose conversation the console checks for newer owner messages
    (:func:`note_owner_activity`) before :func:`sweep_abandoned`.
    """
    idle_before, _ = _limits(aware(now), idle_minutes, None)
    return _records(
        session,
        _with_agent()
        .where(Handoff.status == QUEUED, _idle_since(idle_before))
        .order_by(Handoff.created_at, Handoff.id),
    )


def sweep_abandoned(
    session: Session,
    *,
    now: dt.datetime | None = None,
    idle_minutes: int | None = None,
    gone_seconds: int | None = None,
) -> list[HandoffRecord]:
    """End the queued handoffs whose owner left: ``abandoned`` (status and outcome).

    An owner left when their widget's connection has been gone for ``gone_seconds``, or when
    they showed no sign for ``idle_minutes``. Each handoff is ended by its own conditional
    ``UPDATE`` (still queued, still matching), so several servers sweeping at once, or an
    agent claiming the chat meanwhile, never end it twice or end a claimed one.

    Args:
        session: Session with a transaction owned by the caller.
        now: Time of the sweep (aware); default the current time.
        idle_minutes: Default ``abandon_after_minutes`` of ``handoff.yml``.
        gone_seconds: Default ``widget_gone_seconds`` of ``handoff.yml``.

    Returns:
        The handoffs this call ended.

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    idle_before, gone_before = _limits(at, idle_minutes, gone_seconds)
    left = or_(Handoff.owner_left_at <= gone_before, _idle_since(idle_before))
    candidates = session.execute(
        select(Handoff.id).where(Handoff.status == QUEUED, left).order_by(Handoff.id)
    ).scalars()
    ended = [
        handoff_id
        for handoff_id in list(candidates)
        if _transition(
            session,
            handoff_id,
            Handoff.status == QUEUED,
            left,
            status=ABANDONED,
            outcome=ABANDONED,
            ended_at=at,
            updated_at=at,
        )
    ]
    return [_load(session, handoff_id) for handoff_id in ended]
