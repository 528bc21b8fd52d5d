"""Handoffs of conversations to hotline agents, and callback requests.

A handoff is ``queued`` when the assistant cannot help, ``active`` once an agent
claims it, and ends ``returned`` (back to the assistant) or ``closed``; outside
working hours a queued handoff becomes ``callback`` and a :class:`CallbackRecord`
holds the number to call. A sender has at most one open (queued or active)
handoff, enforced by a partial unique index. State changes are single
conditional ``UPDATE`` statements, so two agents racing for one chat cannot both
win. The caller owns the transaction, as in :mod:`bot.tickets.repository`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.agents import AgentNotFound
from bot.tickets.models import (
    CALLBACK_STATUSES,
    HANDOFF_OUTCOMES,
    OPEN_HANDOFF_STATUSES,
    Agent,
    CallbackRequest,
    Handoff,
)
from bot.tickets.repository import _aware, _choice, _limited, _required

#: Status of a handoff waiting for an agent.
QUEUED = "queued"
#: Status of a handoff held by an agent.
ACTIVE = "active"
#: Status (and outcome) of a queued handoff turned into a callback request.
CALLBACK = "callback"
#: Column widths of the ``handoffs`` and ``callback_requests`` tables.
SENDER_ID_MAX = 255
CHANNEL_MAX = 32
REASON_MAX = 64
PHONE_MAX = 32
DONE_BY_MAX = 64


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


class CallbackNotFound(LookupError):
    """No callback request has the given id."""

    def __init__(self, callback_id: int) -> None:
        super().__init__(f"no callback request {callback_id}")
        self.callback_id = callback_id


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

    @property
    def is_open(self) -> bool:
        """Whether the handoff is queued or active."""
        return self.status in OPEN_HANDOFF_STATUSES


@dataclass(frozen=True)
class CallbackRecord:
    """A callback request as stored."""

    id: int
    sender_id: str
    channel: str
    phone: str
    reason: str
    handoff_id: int | None
    status: str
    created_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None


# --------------------------------------------------------------------------- helpers


def _text(name: str, value: str, max_length: int) -> str:
    text = _limited(name, _required(name, value), max_length)
    assert text is not None  # _required never returns an empty value
    return text


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(summary, dict):
        raise ValueError("summary must be a dict")
    try:
        json.dumps(summary, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"summary must be JSON-serialisable: {exc}") from None
    return summary


def _record(row: Any, agent_username: str | None) -> HandoffRecord:
    return HandoffRecord(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        reason=row.reason,
        summary=dict(row.summary),
        status=row.status,
        agent_username=agent_username,
        created_at=row.created_at,
        claimed_at=row.claimed_at,
        ended_at=row.ended_at,
        outcome=row.outcome,
    )


def _callback_record(row: Any) -> CallbackRecord:
    return CallbackRecord(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        phone=row.phone,
        reason=row.reason,
        handoff_id=row.handoff_id,
        status=row.status,
        created_at=row.created_at,
        done_at=row.done_at,
        done_by=row.done_by,
    )


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
        "sender_id": _text("sender_id", sender_id, SENDER_ID_MAX),
        "channel": _text("channel", channel, CHANNEL_MAX),
        "reason": _text("reason", reason, REASON_MAX),
        "summary": _summary(summary),
    }
    created_at = _aware(now)
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
    claimed_at = _aware(now)
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
    _choice("outcome", outcome, HANDOFF_OUTCOMES)
    ended_at = _aware(now)
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
    ended_at = _aware(now)
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


# --------------------------------------------------------------------------- callbacks


def record_callback(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    phone: str,
    reason: str,
    handoff_id: int | None = None,
    now: dt.datetime | None = None,
) -> CallbackRecord:
    """Store a user's request to be called back by the hotline.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        phone: Number to call, already normalised by the caller (stripped, 1-32 chars).
        reason: Why (usually the handoff reason).
        handoff_id: The handoff this request replaces, if any.
        now: Creation time (aware); default the current time.

    Returns:
        The stored request, status ``open``.

    Raises:
        ValueError: Empty or too long text, or naive ``now``.
        HandoffNotFound: ``handoff_id`` given but no such handoff.
    """
    values: dict[str, Any] = {
        "sender_id": _text("sender_id", sender_id, SENDER_ID_MAX),
        "channel": _text("channel", channel, CHANNEL_MAX),
        "phone": _text("phone", phone, PHONE_MAX),
        "reason": _text("reason", reason, REASON_MAX),
    }
    created_at = _aware(now)
    if handoff_id is not None:
        _load(session, handoff_id)
    row = CallbackRequest(handoff_id=handoff_id, status="open", created_at=created_at, **values)
    session.add(row)
    session.flush()
    return _callback_record(row)


def list_callbacks(session: Session, *, status: str = "open") -> list[CallbackRecord]:
    """Return the callback requests with a status, oldest first.

    Raises:
        ValueError: Unknown status (not in :data:`CALLBACK_STATUSES`).
    """
    _choice("status", status, CALLBACK_STATUSES)
    rows = (
        session.execute(
            select(CallbackRequest)
            .where(CallbackRequest.status == status)
            .order_by(CallbackRequest.created_at, CallbackRequest.id)
        )
        .scalars()
        .all()
    )
    return [_callback_record(row) for row in rows]


def complete_callback(
    session: Session, *, callback_id: int, done_by: str, now: dt.datetime | None = None
) -> CallbackRecord:
    """Mark a callback request done.

    A request already done is returned unchanged (the first ``done_by`` is kept).

    Args:
        session: Session with a transaction owned by the caller.
        callback_id: The request.
        done_by: Who called the user back (agent username, ``cli`` ...).
        now: Completion time (aware); default the current time.

    Returns:
        The request, status ``done``.

    Raises:
        CallbackNotFound: No such request.
        ValueError: Empty or too long ``done_by``, or naive ``now``.
    """
    author = _text("done_by", done_by, DONE_BY_MAX)
    done_at = _aware(now)
    session.execute(
        update(CallbackRequest)
        .where(CallbackRequest.id == callback_id, CallbackRequest.status == "open")
        .values(status="done", done_at=done_at, done_by=author)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(
        select(CallbackRequest)
        .where(CallbackRequest.id == callback_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise CallbackNotFound(callback_id)
    return _callback_record(row)
