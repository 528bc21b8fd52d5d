"""Owners who asked for no more notices, keyed by their conversation (channel, sender id).

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.tickets.checks import aware, required
from bot.tickets.models import Ticket
from bot.tickets.models.outbox import NOTICE_PENDING, NoticeOptOut, NoticeOutbox

#: ``last_error`` of a notice not sent because its owner opted out.
OPTED_OUT = "the owner opted out of notices"


def is_opted_out(session: Session, *, channel: str, sender_id: str) -> bool:
    """Whether the owner of this conversation asked for no notices."""
    return session.get(NoticeOptOut, (channel, sender_id)) is not None


def opt_out(
    session: Session, *, channel: str, sender_id: str, now: dt.datetime | None = None
) -> int:
    """Stop notices to this conversation's owner; their pending notices become ``skipped``.

    Opting out twice changes nothing.

    Args:
        session: Session with a transaction owned by the caller.
        channel: Input channel of the conversation.
        sender_id: Sender id of the conversation.
        now: Time of the request (aware); default the current time.

    Returns:
        How many pending notices were skipped.

    Raises:
        ValueError: Empty channel or sender id, or naive ``now``.
    """
    channel, sender_id = required("channel", channel), required("sender_id", sender_id)
    created_at = aware(now)
    if not is_opted_out(session, channel=channel, sender_id=sender_id):
        session.add(NoticeOptOut(channel=channel, sender_id=sender_id, created_at=created_at))
    owned = select(Ticket.id).where(Ticket.channel == channel, Ticket.sender_id == sender_id)
    result = session.execute(
        update(NoticeOutbox)
        .where(NoticeOutbox.status == NOTICE_PENDING, NoticeOutbox.ticket_id.in_(owned))
        .values(status="skipped", last_error=OPTED_OUT)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)


def opt_in(session: Session, *, channel: str, sender_id: str) -> bool:
    """Send notices to this conversation's owner again (notices skipped meanwhile stay so).

    Returns:
        Whether the owner had opted out.

    Raises:
        ValueError: Empty channel or sender id.
    """
    channel, sender_id = required("channel", channel), required("sender_id", sender_id)
    row = session.get(NoticeOptOut, (channel, sender_id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
