"""A ticket's status history: status changes (with courier tracking), user cancellation.

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.notices import status_params
from bot.tickets.checks import (
    TicketNotFound,
    aware,
    choice,
    limited,
    normalize_ticket_no,
    optional,
    record_of,
    required,
    ticket_by_no,
    ticket_rows,
)
from bot.tickets.models import (
    INITIAL_STATUS,
    MAIL_IN,
    SHIPPED_BACK,
    TICKET_STATUSES,
    Ticket,
    TicketStatusHistory,
)
from bot.tickets.notices import enqueue_notice
from bot.tickets.tickets import TicketRecord, ticket_record

#: The only status from which users may cancel their own ticket (device not yet received).
USER_CANCELLABLE_STATUSES: tuple[str, ...] = (INITIAL_STATUS,)
#: History note of a cancellation made by the user.
USER_CANCEL_NOTE = "cancelled by the user"
#: Column widths of the courier fields (``ticket_status_history``).
TRACKING_NO_MAX = 64
COURIER_MAX = 32


class TicketNotCancellable(RuntimeError):
    """The user may not cancel this ticket: it is past ``submitted`` (received, closed, ...)."""

    def __init__(self, ticket_no: str, status: str) -> None:
        allowed = ", ".join(USER_CANCELLABLE_STATUSES)
        super().__init__(
            f"ticket {ticket_no} cannot be cancelled by the user: its status is {status} "
            f"(only {allowed} tickets can be)"
        )
        self.ticket_no = ticket_no
        self.status = status


class TrackingError(ValueError):
    """The courier tracking number does not fit the status change (missing, misplaced, too long)."""


class TrackingRequired(TrackingError):
    """A mail-in ticket needs a tracking number to be marked ``shipped_back``."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(
            f"ticket {ticket_no} is a mail-in repair: "
            f"a tracking number is required to mark it {SHIPPED_BACK}"
        )
        self.ticket_no = ticket_no


@dataclass(frozen=True)
class StatusChange:
    """One entry of a ticket's status history."""

    ticket_no: str
    status: str
    note: str | None
    changed_by: str
    changed_at: dt.datetime
    tracking_no: str | None = None
    courier: str | None = None


def _tracking(
    ticket: Any, status: str, tracking_no: str | None, courier: str | None
) -> tuple[str | None, str | None]:
    """Validate and normalise the courier fields of a status change."""
    number = None if tracking_no is None else "".join(tracking_no.split()).upper() or None
    carrier = optional(courier)
    if status != SHIPPED_BACK:
        if number is not None or carrier is not None:
            raise TrackingError(
                f"a tracking number or courier can only be recorded with status {SHIPPED_BACK}, "
                f"not {status}"
            )
        return None, None
    if number is None:
        if ticket.service_type == MAIL_IN:
            raise TrackingRequired(ticket.ticket_no)
        if carrier is not None:
            raise TrackingError("a courier needs a tracking number")
    if number is not None and len(number) > TRACKING_NO_MAX:
        raise TrackingError(f"tracking_no is longer than {TRACKING_NO_MAX} characters")
    return number, limited("courier", carrier, COURIER_MAX)


def _change_status(
    session: Session,
    ticket: Any,
    *,
    status: str,
    note: str | None,
    author: str,
    changed_at: dt.datetime,
    tracking_no: str | None = None,
    courier: str | None = None,
) -> TicketRecord:
    ticket.status = status
    ticket.updated_at = changed_at
    session.add(
        TicketStatusHistory(
            ticket_id=ticket.id,
            status=status,
            note=optional(note),
            changed_by=author,
            changed_at=changed_at,
            tracking_no=tracking_no,
            courier=courier,
        )
    )
    session.flush()
    # The owner hears about it (bot.notify); a new ticket's first status is not a change.
    enqueue_notice(
        session,
        ticket=ticket,
        event="status_changed",
        params=status_params(status, tracking_no, courier),
        now=changed_at,
    )
    return ticket_record(ticket)


def set_status(
    session: Session,
    *,
    ticket_no: str,
    status: str,
    note: str | None = None,
    changed_by: str,
    now: dt.datetime | None = None,
    tracking_no: str | None = None,
    courier: str | None = None,
) -> TicketRecord:
    """Change a ticket's status and append the change to its history.

    Any transition is allowed (staff may correct mistakes); the history keeps
    every change. Courier tracking belongs to ``shipped_back`` only: a mail-in
    ticket needs a tracking number to get there, store and home tickets may
    have one (a device couriered back after all) but need not.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        status: One of :data:`TICKET_STATUSES`.
        note: Optional note for the history.
        changed_by: Who made the change (staff id, system name).
        now: Time of the change (aware); default the current time.
        tracking_no: Courier tracking number (``shipped_back`` only); whitespace
            is removed and letters are upper-cased.
        courier: Courier name, e.g. ``SF`` (``shipped_back`` with a tracking number only).

    Returns:
        The updated ticket.

    Raises:
        TrackingRequired: A mail-in ticket marked ``shipped_back`` without tracking number.
        TrackingError: Tracking fields with another status, a courier without tracking
            number, or a tracking number too long.
        ValueError: Unknown status, empty ``changed_by``, naive ``now`` or a courier name
            too long.
        TicketNotFound: No such ticket.
    """
    choice("status", status, TICKET_STATUSES)
    author = required("changed_by", changed_by)
    changed_at = aware(now)
    ticket = ticket_by_no(session, ticket_no)
    number, carrier = _tracking(ticket, status, tracking_no, courier)
    return _change_status(
        session,
        ticket,
        status=status,
        note=note,
        author=author,
        changed_at=changed_at,
        tracking_no=number,
        courier=carrier,
    )


def cancel_ticket_by_user(
    session: Session,
    *,
    ticket_no: str,
    changed_by: str,
    now: dt.datetime | None = None,
) -> TicketRecord:
    """Cancel a ticket at the user's request, allowed only before the device is received.

    Ownership is not checked here: the caller makes sure the ticket belongs to
    the conversation. The ticket row is locked (``SELECT ... FOR UPDATE`` on
    PostgreSQL; SQLite writers are serialised anyway) so a concurrent "received"
    cannot slip in between the check and the change.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        changed_by: Who is recorded in the history (e.g. the assistant).
        now: Time of the change (aware); default the current time.

    Returns:
        The cancelled ticket; its history ends with ``cancelled`` and the note
        :data:`USER_CANCEL_NOTE`.

    Raises:
        TicketNotCancellable: The status is no longer ``submitted`` (also when
            the ticket is already cancelled).
        TicketNotFound: No such ticket.
        ValueError: Empty ``changed_by`` or naive ``now``.
    """
    author = required("changed_by", changed_by)
    changed_at = aware(now)
    number = normalize_ticket_no(ticket_no)
    # populate_existing: a Ticket already in the session (the caller looked it up to
    # check ownership) is refreshed with the locked row instead of kept as it was.
    ticket = session.execute(
        select(Ticket)
        .where(Ticket.ticket_no == number)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(number)
    if ticket.status not in USER_CANCELLABLE_STATUSES:
        raise TicketNotCancellable(ticket.ticket_no, ticket.status)
    return _change_status(
        session,
        ticket,
        status="cancelled",
        note=USER_CANCEL_NOTE,
        author=author,
        changed_at=changed_at,
    )


def status_history(session: Session, *, ticket_no: str) -> list[StatusChange]:
    """Return a ticket's status changes, oldest first.

    Args:
        session: Open session.
        ticket_no: Ticket number.

    Returns:
        The history, starting with ``submitted``.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    rows = ticket_rows(session, TicketStatusHistory, ticket.id, TicketStatusHistory.changed_at)
    return [record_of(StatusChange, row, ticket_no=ticket.ticket_no) for row in rows]
