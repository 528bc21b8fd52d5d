"""Requests to be called back by the hotline (when no agent could take a handoff).

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.tickets.checks import aware, bounded, choice, record_of
from bot.tickets.handoffs import CHANNEL_MAX, REASON_MAX, SENDER_ID_MAX, get_handoff
from bot.tickets.models import CALLBACK_STATUSES, CallbackRequest

#: Column widths of the ``callback_requests`` table.
PHONE_MAX = 32
DONE_BY_MAX = 64


class CallbackNotFound(LookupError):
    """No callback request has the given id."""

    def __init__(self, callback_id: int) -> None:
        super().__init__(f"no callback request {callback_id}")
        self.callback_id = callback_id


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
        "sender_id": bounded("sender_id", sender_id, SENDER_ID_MAX),
        "channel": bounded("channel", channel, CHANNEL_MAX),
        "phone": bounded("phone", phone, PHONE_MAX),
        "reason": bounded("reason", reason, REASON_MAX),
    }
    created_at = aware(now)
    if handoff_id is not None:
        get_handoff(session, handoff_id=handoff_id)
    row = CallbackRequest(handoff_id=handoff_id, status="open", created_at=created_at, **values)
    session.add(row)
    session.flush()
    return record_of(CallbackRecord, row)


def list_callbacks(session: Session, *, status: str = "open") -> list[CallbackRecord]:
    """Return the callback requests with a status, oldest first.

    Raises:
        ValueError: Unknown status (not in :data:`CALLBACK_STATUSES`).
    """
    choice("status", status, CALLBACK_STATUSES)
    rows = (
        session.execute(
            select(CallbackRequest)
            .where(CallbackRequest.status == status)
            .order_by(CallbackRequest.created_at, CallbackRequest.id)
        )
        .scalars()
        .all()
    )
    return [record_of(CallbackRecord, row) for row in rows]


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
    author = bounded("done_by", done_by, DONE_BY_MAX)
    done_at = aware(now)
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
    return record_of(CallbackRecord, row)
