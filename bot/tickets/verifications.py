"""Ticket checks: a conversation proving it knows a ticket's contact phone.

Every check is one row of ``ticket_verifications``: failed ones limit further tries per
conversation and per ticket number (across conversations and processes); a successful
one lets that conversation see the ticket for a while. The functions take a session
whose transaction the caller owns, like those of :mod:`bot.tickets.tickets`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.tickets.checks import TICKET_NO_MAX, normalize_ticket_no
from bot.tickets.models import TicketVerification


def _utc(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(dt.timezone.utc)


def _number(ticket_no: str) -> str:
    number = normalize_ticket_no(ticket_no)
    if not number or len(number) > TICKET_NO_MAX:
        raise ValueError(f"a ticket number has 1 to {TICKET_NO_MAX} characters")
    return number


def record_verification(
    session: Session,
    *,
    sender_id: str,
    ticket_no: str,
    succeeded: bool,
    now: dt.datetime,
    forget_before: dt.datetime | None = None,
) -> None:
    """Store one check of ``ticket_no`` by the conversation ``sender_id``.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        ticket_no: The ticket number checked (it need not exist).
        succeeded: Whether the conversation proved the ticket.
        now: Time of the check (aware).
        forget_before: Rows older than this (aware) are deleted: none counts any more.

    Raises:
        ValueError: Empty sender id, a ticket number too long, a naive datetime.
    """
    if not sender_id:
        raise ValueError("sender_id must be a non-empty string")
    session.add(
        TicketVerification(
            sender_id=sender_id,
            ticket_no=_number(ticket_no),
            succeeded=succeeded,
            created_at=_utc(now),
        )
    )
    if forget_before is not None:
        session.execute(
            delete(TicketVerification).where(TicketVerification.created_at < _utc(forget_before))
        )
    session.flush()


def failed_verifications(
    session: Session,
    *,
    since: dt.datetime,
    sender_id: str | None = None,
    ticket_no: str | None = None,
) -> int:
    """Count the failed checks since ``since`` of a conversation, of a ticket number, or both.

    Args:
        session: Open session.
        since: Start of the window (aware).
        sender_id: Only this conversation's checks.
        ticket_no: Only the checks of this ticket number.

    Returns:
        The number of failed checks.
    """
    query = select(func.count(TicketVerification.id)).where(
        TicketVerification.succeeded.is_(False), TicketVerification.created_at >= _utc(since)
    )
    if sender_id is not None:
        query = query.where(TicketVerification.sender_id == sender_id)
    if ticket_no is not None:
        query = query.where(TicketVerification.ticket_no == _number(ticket_no))
    return int(session.execute(query).scalar_one())


def verified_since(session: Session, *, sender_id: str, ticket_no: str, since: dt.datetime) -> bool:
    """Whether the conversation ``sender_id`` proved ``ticket_no`` at or after ``since``.

    Args:
        session: Open session.
        sender_id: Conversation sender id.
        ticket_no: Ticket number.
        since: Oldest check that still counts (aware).

    Returns:
        True when a successful check is that recent.
    """
    found = session.execute(
        select(TicketVerification.id)
        .where(
            TicketVerification.sender_id == sender_id,
            TicketVerification.ticket_no == _number(ticket_no),
            TicketVerification.succeeded.is_(True),
            TicketVerification.created_at >= _utc(since),
        )
        .limit(1)
    ).first()
    return found is not None
