"""Repair tickets: creation (numbering, idempotent per intake) and lookups.

Every function takes a :class:`~sqlalchemy.orm.Session` whose transaction the
caller owns (see :func:`bot.tickets.db.session_scope`), never commits, and
returns frozen dataclasses rather than ORM objects.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.tickets.checks import (
    aware,
    choice,
    normalize_serial,
    normalize_ticket_no,
    optional,
    record_of,
    required,
)
from bot.tickets.draft import TicketDraft, TicketFieldSpec, ticket_fields
from bot.tickets.models import INITIAL_STATUS, OPEN_STATUSES, Ticket, TicketStatusHistory

logger = logging.getLogger(__name__)

#: How many ticket numbers a creator tries before giving up under contention.
MAX_CREATE_ATTEMPTS = 20
#: Width of the daily sequence in ticket numbers (``R20261122-0007``).
SEQUENCE_WIDTH = 4
#: Who is recorded as author of the first history row of a ticket.
CREATED_BY = "assistant"
#: Fields stored in a normal form of their own (the others are checked by their spec).
NORMALIZERS: dict[str, Callable[[Any], Any]] = {"serial_number": normalize_serial}


class TicketNumberExhausted(RuntimeError):
    """No free ticket number could be taken after :data:`MAX_CREATE_ATTEMPTS` tries."""


@dataclass(frozen=True)
class TicketRecord(TicketDraft):
    """A ticket as stored (all datetimes are aware, in UTC)."""

    id: int
    ticket_no: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_open(self) -> bool:
        """Whether the ticket is neither completed nor cancelled."""
        return self.status in OPEN_STATUSES


def ticket_record(row: Any) -> TicketRecord:
    """The record of a ``Ticket`` row."""
    return record_of(TicketRecord, row)


def _checked(spec: TicketFieldSpec, value: Any) -> Any:
    """A draft value as stored, checked by its field's spec."""
    if spec.name in NORMALIZERS:
        return NORMALIZERS[spec.name](value)
    if spec.column.choices and not (value is None and spec.column.nullable):
        return choice(spec.name, value, spec.column.choices)
    if spec.column.type == "date":
        return value
    return optional(value) if spec.column.nullable else required(spec.name, value)


def _ticket_by_intake(session: Session, intake_id: str) -> Any:
    return session.execute(select(Ticket).where(Ticket.intake_id == intake_id)).scalar_one_or_none()


def ticket_number_prefix(day: dt.date, prefix: str | None = None) -> str:
    """Return the part of ticket numbers shared by a business day, e.g. ``R20261122-``.

    Args:
        day: Business-local date.
        prefix: Letter(s) in front; default ``settings.ticket_prefix``.

    Returns:
        The day prefix including the dash.
    """
    letters = get_settings().ticket_prefix if prefix is None else prefix
    return f"{letters}{day:%Y%m%d}-"


def format_ticket_no(day: dt.date, sequence: int, prefix: str | None = None) -> str:
    """Format a ticket number: prefix, business date and a 4-digit daily sequence.

    Args:
        day: Business-local date.
        sequence: 1-based sequence within the day (more than 4 digits past 9999).
        prefix: Letter(s) in front; default ``settings.ticket_prefix``.

    Returns:
        For example ``R20261122-0007``.
    """
    return f"{ticket_number_prefix(day, prefix)}{sequence:0{SEQUENCE_WIDTH}d}"


def _next_ticket_no(session: Session, day: dt.date) -> str:
    day_prefix = ticket_number_prefix(day)
    last = session.execute(
        select(Ticket.ticket_no)
        .where(Ticket.ticket_no.like(day_prefix.replace("_", r"\_") + "%", escape="\\"))
        .order_by(func.length(Ticket.ticket_no).desc(), Ticket.ticket_no.desc())
        .limit(1)
    ).scalar_one_or_none()
    sequence = 1
    if last is not None:
        try:
            sequence = int(last[len(day_prefix) :]) + 1
        except ValueError:
            logger.warning("unexpected ticket number %r; restarting the daily sequence", last)
    return format_ticket_no(day, sequence)


def create_ticket(
    session: Session, draft: TicketDraft, *, now: dt.datetime | None = None
) -> tuple[TicketRecord, bool]:
    """Create the repair ticket of an intake, or return the one it already has.

    The ticket number is ``<prefix><business-local date of now>-<daily sequence>``.
    Creation is idempotent on ``draft.intake_id``, also when two sessions race: each
    insert runs in a SAVEPOINT, and a unique violation is resolved by re-reading
    the intake (someone else created it) or by taking the next number.

    Args:
        session: Session with a transaction owned by the caller.
        draft: The ticket's fields. Text is stripped (blank optional text stored as
            None), the serial number normalised (:func:`normalize_serial`), values of
            limited fields (warranty status, service type) checked.
        now: Creation time (aware); default the current time.

    Returns:
        The ticket and True when it was created by this call, False when it existed.

    Raises:
        ValueError: A value is invalid (unknown service type or warranty status,
            empty required text, naive ``now``).
        TicketNumberExhausted: No free number after many attempts.
    """
    values = {spec.name: _checked(spec, getattr(draft, spec.name)) for spec in ticket_fields()}
    intake_id = values["intake_id"]
    created_at = aware(now)
    business_day = created_at.astimezone(get_settings().tz).date()

    for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
        existing = _ticket_by_intake(session, intake_id)
        if existing is not None:
            return ticket_record(existing), False
        ticket_no = _next_ticket_no(session, business_day)
        try:
            with session.begin_nested():
                ticket = Ticket(
                    ticket_no=ticket_no,
                    status=INITIAL_STATUS,
                    created_at=created_at,
                    updated_at=created_at,
                    **values,
                )
                session.add(ticket)
                session.flush()
                session.add(
                    TicketStatusHistory(
                        ticket_id=ticket.id,
                        status=INITIAL_STATUS,
                        note=None,
                        changed_by=CREATED_BY,
                        changed_at=created_at,
                    )
                )
                session.flush()
        except IntegrityError:
            logger.info("ticket %s or intake %s taken (attempt %d)", ticket_no, intake_id, attempt)
            # A short random pause lets competing creators spread out.
            time.sleep(random.uniform(0, 0.01 * attempt))
            continue
        return ticket_record(ticket), True
    raise TicketNumberExhausted(
        f"no free ticket number for {business_day} after {MAX_CREATE_ATTEMPTS} attempts"
    )


def get_ticket(session: Session, *, ticket_no: str) -> TicketRecord | None:
    """Return the ticket with this number, or None.

    Args:
        session: Open session.
        ticket_no: Ticket number, e.g. ``R20261122-0007`` (case and spaces ignored).

    Returns:
        The ticket or None.
    """
    number = normalize_ticket_no(ticket_no)
    ticket = session.execute(select(Ticket).where(Ticket.ticket_no == number)).scalar_one_or_none()
    return None if ticket is None else ticket_record(ticket)


def _ticket_list(session: Session, condition: Any) -> list[TicketRecord]:
    rows = (
        session.execute(
            select(Ticket).where(condition).order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
        .scalars()
        .all()
    )
    return [ticket_record(row) for row in rows]


def _tickets_of_device(session: Session, serial: str, *conditions: Any) -> list[TicketRecord]:
    normalized = normalize_serial(serial)
    if normalized is None:
        return []
    return _ticket_list(session, and_(Ticket.serial_number == normalized, *conditions))


def find_open_tickets_by_serial(session: Session, *, serial_number: str) -> list[TicketRecord]:
    """Return the open (not completed/cancelled) tickets of a device, newest first.

    Args:
        session: Open session.
        serial_number: IMEI or SN (normalised like stored values).

    Returns:
        Matching tickets; empty when none.
    """
    return _tickets_of_device(session, serial_number, Ticket.status.in_(OPEN_STATUSES))


def find_tickets_by_serial(session: Session, *, serial_number: str) -> list[TicketRecord]:
    """Return every ticket of a device (any status), newest first.

    Args:
        session: Open session.
        serial_number: IMEI or SN (normalised like stored values).

    Returns:
        Matching tickets; empty when none.
    """
    return _tickets_of_device(session, serial_number)


def find_tickets_by_phone(session: Session, *, phone: str) -> list[TicketRecord]:
    """Return every ticket with this contact phone, newest first.

    Args:
        session: Open session.
        phone: Contact phone as stored.

    Returns:
        Matching tickets; empty when none.
    """
    return _ticket_list(session, Ticket.contact_phone == phone.strip())


def find_tickets_by_sender(session: Session, *, sender_id: str) -> list[TicketRecord]:
    """Return every ticket created from this conversation sender, newest first.

    Args:
        session: Open session.
        sender_id: Conversation sender id.

    Returns:
        Matching tickets; empty when none.
    """
    return _ticket_list(session, Ticket.sender_id == sender_id)


def latest_open_ticket_for_sender(session: Session, *, sender_id: str) -> TicketRecord | None:
    """Return the open ticket of this conversation sender that changed most recently.

    Args:
        session: Open session.
        sender_id: Conversation sender id.

    Returns:
        The open ticket with the latest ``updated_at``, or None when the sender has none.
    """
    ticket = (
        session.execute(
            select(Ticket)
            .where(Ticket.sender_id == sender_id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    return None if ticket is None else ticket_record(ticket)
