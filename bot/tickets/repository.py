"""Ticket store operations used by the custom actions and the CLI.

Every function takes a :class:`~sqlalchemy.orm.Session` whose transaction the
caller owns (see :func:`bot.tickets.db.session_scope`), never commits, and
returns frozen dataclasses rather than ORM objects, so results stay usable once
the session is closed.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.tickets.models import (
    INITIAL_STATUS,
    OPEN_STATUSES,
    SERVICE_TYPES,
    TICKET_STATUSES,
    WARRANTY_STATUSES,
    ExtendedWarranty,
    Ticket,
    TicketStatusHistory,
)

logger = logging.getLogger(__name__)

#: How many ticket numbers a creator tries before giving up under contention.
MAX_CREATE_ATTEMPTS = 20
#: Width of the daily sequence in ticket numbers (``R20261122-0007``).
SEQUENCE_WIDTH = 4
#: Who is recorded as author of the first history row of a ticket.
CREATED_BY = "assistant"


class TicketNotFound(LookupError):
    """No ticket has the given ticket number."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(f"no ticket {ticket_no}")
        self.ticket_no = ticket_no


class TicketNumberExhausted(RuntimeError):
    """No free ticket number could be taken after :data:`MAX_CREATE_ATTEMPTS` tries."""


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as stored (all datetimes are aware, in UTC)."""

    id: int
    ticket_no: str
    intake_id: str
    sender_id: str
    channel: str
    device_model_id: str
    serial_number: str | None
    purchase_date: dt.date | None
    warranty_status: str
    fault_category: str
    fault_description: str
    service_type: str
    city: str | None
    contact_phone: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_open(self) -> bool:
        """Whether the ticket is neither completed nor cancelled."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class StatusChange:
    """One entry of a ticket's status history."""

    ticket_no: str
    status: str
    note: str | None
    changed_by: str
    changed_at: dt.datetime


@dataclass(frozen=True)
class ExtendedWarrantyRecord:
    """An extended warranty plan of one device (dates inclusive)."""

    id: int
    serial_number: str
    plan: str
    starts_on: dt.date
    ends_on: dt.date
    source: str
    created_at: dt.datetime


# --------------------------------------------------------------------------- helpers


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return _utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(dt.timezone.utc)


def _required(name: str, value: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"{name} must be a non-empty string")
    return text


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"invalid {name} {value!r}; expected one of {', '.join(allowed)}")
    return value


def normalize_serial(serial_number: str | None) -> str | None:
    """Normalise an IMEI or serial number for storage and lookups.

    Args:
        serial_number: As typed or recognised; may contain spaces or lower case.

    Returns:
        The upper-case serial without whitespace, or None when empty.
    """
    if serial_number is None:
        return None
    text = "".join(serial_number.split()).upper()
    return text or None


def _ticket_record(ticket: Any) -> TicketRecord:
    return TicketRecord(
        id=ticket.id,
        ticket_no=ticket.ticket_no,
        intake_id=ticket.intake_id,
        sender_id=ticket.sender_id,
        channel=ticket.channel,
        device_model_id=ticket.device_model_id,
        serial_number=ticket.serial_number,
        purchase_date=ticket.purchase_date,
        warranty_status=ticket.warranty_status,
        fault_category=ticket.fault_category,
        fault_description=ticket.fault_description,
        service_type=ticket.service_type,
        city=ticket.city,
        contact_phone=ticket.contact_phone,
        status=ticket.status,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


def _warranty_record(row: Any) -> ExtendedWarrantyRecord:
    return ExtendedWarrantyRecord(
        id=row.id,
        serial_number=row.serial_number,
        plan=row.plan,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        source=row.source,
        created_at=row.created_at,
    )


def _ticket_by_intake(session: Session, intake_id: str) -> Any:
    return session.execute(select(Ticket).where(Ticket.intake_id == intake_id)).scalar_one_or_none()


def _ticket_by_no(session: Session, ticket_no: str) -> Any:
    ticket = session.execute(
        select(Ticket).where(Ticket.ticket_no == ticket_no)
    ).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(ticket_no)
    return ticket


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


# --------------------------------------------------------------------------- tickets


def create_ticket(
    session: Session,
    *,
    intake_id: str,
    sender_id: str,
    channel: str,
    device_model_id: str,
    serial_number: str | None,
    purchase_date: dt.date | None,
    warranty_status: str,
    fault_category: str,
    fault_description: str,
    service_type: str,
    city: str | None,
    contact_phone: str,
    now: dt.datetime | None = None,
) -> tuple[TicketRecord, bool]:
    """Create the repair ticket of an intake, or return the one it already has.

    The ticket number is ``<prefix><business-local date of now>-<daily sequence>``.
    Creation is idempotent on ``intake_id``, also when two sessions race: each
    insert runs in a SAVEPOINT, and a unique violation is resolved by re-reading
    the intake (someone else created it) or by taking the next number.

    Args:
        session: Session with a transaction owned by the caller.
        intake_id: Id of the conversation's intake; one ticket per intake.
        sender_id: Conversation sender id.
        channel: Input channel name (rest, socketio, wechat, ...).
        device_model_id: Catalog id of the device model.
        serial_number: IMEI or SN, if known.
        purchase_date: Purchase date, if known.
        warranty_status: One of :data:`WARRANTY_STATUSES`.
        fault_category: Fault category id.
        fault_description: The user's description of the fault.
        service_type: One of :data:`SERVICE_TYPES`.
        city: City for store/home service, if known.
        contact_phone: Contact phone number.
        now: Creation time (aware); default the current time.

    Returns:
        The ticket and True when it was created by this call, False when it existed.

    Raises:
        ValueError: A value is invalid (unknown service type or warranty status,
            empty required text, naive ``now``).
        TicketNumberExhausted: No free number after many attempts.
    """
    intake_id = _required("intake_id", intake_id)
    values: dict[str, Any] = {
        "intake_id": intake_id,
        "sender_id": _required("sender_id", sender_id),
        "channel": _required("channel", channel),
        "device_model_id": _required("device_model_id", device_model_id),
        "serial_number": normalize_serial(serial_number),
        "purchase_date": purchase_date,
        "warranty_status": _choice("warranty_status", warranty_status, WARRANTY_STATUSES),
        "fault_category": _required("fault_category", fault_category),
        "fault_description": _required("fault_description", fault_description),
        "service_type": _choice("service_type", service_type, SERVICE_TYPES),
        "city": _optional(city),
        "contact_phone": _required("contact_phone", contact_phone),
    }
    created_at = _aware(now)
    business_day = created_at.astimezone(get_settings().tz).date()

    for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
        existing = _ticket_by_intake(session, intake_id)
        if existing is not None:
            return _ticket_record(existing), False
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
        return _ticket_record(ticket), True
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
    number = "".join(ticket_no.split()).upper()
    ticket = session.execute(select(Ticket).where(Ticket.ticket_no == number)).scalar_one_or_none()
    return None if ticket is None else _ticket_record(ticket)


def _ticket_list(session: Session, condition: Any) -> list[TicketRecord]:
    rows = (
        session.execute(
            select(Ticket).where(condition).order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
        .scalars()
        .all()
    )
    return [_ticket_record(row) for row in rows]


def find_open_tickets_by_serial(session: Session, *, serial_number: str) -> list[TicketRecord]:
    """Return the open (not completed/cancelled) tickets of a device, newest first.

    Args:
        session: Open session.
        serial_number: IMEI or SN (normalised like stored values).

    Returns:
        Matching tickets; empty when none.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        return []
    return _ticket_list(
        session, (Ticket.serial_number == serial) & Ticket.status.in_(OPEN_STATUSES)
    )


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


def set_status(
    session: Session,
    *,
    ticket_no: str,
    status: str,
    note: str | None = None,
    changed_by: str,
    now: dt.datetime | None = None,
) -> TicketRecord:
    """Change a ticket's status and append the change to its history.

    Any transition is allowed (staff may correct mistakes); the history keeps
    every change.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        status: One of :data:`TICKET_STATUSES`.
        note: Optional note for the history.
        changed_by: Who made the change (staff id, system name).
        now: Time of the change (aware); default the current time.

    Returns:
        The updated ticket.

    Raises:
        ValueError: Unknown status, empty ``changed_by`` or naive ``now``.
        TicketNotFound: No such ticket.
    """
    _choice("status", status, TICKET_STATUSES)
    author = _required("changed_by", changed_by)
    changed_at = _aware(now)
    ticket = _ticket_by_no(session, "".join(ticket_no.split()).upper())
    ticket.status = status
    ticket.updated_at = changed_at
    session.add(
        TicketStatusHistory(
            ticket_id=ticket.id,
            status=status,
            note=_optional(note),
            changed_by=author,
            changed_at=changed_at,
        )
    )
    session.flush()
    return _ticket_record(ticket)


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
    ticket = _ticket_by_no(session, "".join(ticket_no.split()).upper())
    rows = (
        session.execute(
            select(TicketStatusHistory)
            .where(TicketStatusHistory.ticket_id == ticket.id)
            .order_by(TicketStatusHistory.changed_at, TicketStatusHistory.id)
        )
        .scalars()
        .all()
    )
    return [
        StatusChange(
            ticket_no=ticket.ticket_no,
            status=row.status,
            note=row.note,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
        )
        for row in rows
    ]


# --------------------------------------------------------------------------- warranties


def add_extended_warranty(
    session: Session,
    *,
    serial_number: str,
    plan: str,
    starts_on: dt.date,
    ends_on: dt.date,
    source: str,
    now: dt.datetime | None = None,
) -> ExtendedWarrantyRecord:
    """Record an extended warranty plan of a device.

    Args:
        session: Session with a transaction owned by the caller.
        serial_number: IMEI (or SN) of the device.
        plan: Plan name.
        starts_on: First covered day.
        ends_on: Last covered day (inclusive).
        source: Where the record comes from (cli, import, crm, ...).
        now: Creation time (aware); default the current time.

    Returns:
        The stored record.

    Raises:
        ValueError: Empty serial/plan/source or ``ends_on`` before ``starts_on``.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        raise ValueError("serial_number must be a non-empty string")
    if ends_on < starts_on:
        raise ValueError(f"ends_on {ends_on} is before starts_on {starts_on}")
    row = ExtendedWarranty(
        serial_number=serial,
        plan=_required("plan", plan),
        starts_on=starts_on,
        ends_on=ends_on,
        source=_required("source", source),
        created_at=_aware(now),
    )
    session.add(row)
    session.flush()
    return _warranty_record(row)


def extended_warranty_until(session: Session, *, serial_number: str, on: dt.date) -> dt.date | None:
    """Return the latest end date of the device's plans that started on or before ``on``.

    The result may lie before ``on`` (the extension has expired); callers compare
    it with ``on`` to decide whether the device is covered.

    Args:
        session: Open session.
        serial_number: IMEI (or SN) of the device.
        on: The day of interest (usually today in the business time zone).

    Returns:
        The latest ``ends_on``, or None when the device has no plan started by ``on``.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        return None
    value = session.execute(
        select(func.max(ExtendedWarranty.ends_on)).where(
            ExtendedWarranty.serial_number == serial, ExtendedWarranty.starts_on <= on
        )
    ).scalar_one()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns max() of a date column as text
        return dt.date.fromisoformat(value)
    return value if isinstance(value, dt.date) else None


def list_extended_warranties(
    session: Session, *, serial_number: str
) -> list[ExtendedWarrantyRecord]:
    """Return every extended warranty record of a device, by start date.

    Args:
        session: Open session.
        serial_number: IMEI (or SN) of the device.

    Returns:
        The records; empty when none.
    """
    serial = normalize_serial(serial_number)
    rows = (
        session.execute(
            select(ExtendedWarranty)
            .where(ExtendedWarranty.serial_number == serial)
            .order_by(ExtendedWarranty.starts_on, ExtendedWarranty.id)
        )
        .scalars()
        .all()
    )
    return [_warranty_record(row) for row in rows]
