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
from dataclasses import fields as dc_fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.tickets.models import (
    INITIAL_STATUS,
    MAIL_IN,
    MAX_SCORE,
    MIN_SCORE,
    OPEN_STATUSES,
    RATING_CONTEXTS,
    SERVICE_TYPES,
    SHIPPED_BACK,
    TICKET_STATUSES,
    WARRANTY_STATUSES,
    Complaint,
    ExtendedWarranty,
    SatisfactionRating,
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
#: The only status from which users may cancel their own ticket (device not yet received).
USER_CANCELLABLE_STATUSES: tuple[str, ...] = (INITIAL_STATUS,)
#: History note of a cancellation made by the user.
USER_CANCEL_NOTE = "cancelled by the user"
#: Column widths of the courier fields (``ticket_status_history``).
TRACKING_NO_MAX = 64
COURIER_MAX = 32
#: Column width of ticket numbers referred to by complaints and ratings.
TICKET_NO_MAX = 32


class TicketNotFound(LookupError):
    """No ticket has the given ticket number."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(f"no ticket {ticket_no}")
        self.ticket_no = ticket_no


class TicketNumberExhausted(RuntimeError):
    """No free ticket number could be taken after :data:`MAX_CREATE_ATTEMPTS` tries."""


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


@dataclass(frozen=True)
class TicketFields:
    """What a confirmed intake gives its ticket: the arguments of :func:`create_ticket`."""

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

    def fields(self) -> dict[str, Any]:
        """The intake's fields by name (keyword arguments of :func:`create_ticket`)."""
        return {field.name: getattr(self, field.name) for field in dc_fields(TicketFields)}


@dataclass(frozen=True)
class TicketRecord(TicketFields):
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


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint as stored (``text`` in full, ``created_at`` aware UTC)."""

    id: int
    sender_id: str
    channel: str
    text: str
    ticket_no: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class RatingRecord:
    """A satisfaction rating as stored."""

    id: int
    sender_id: str
    channel: str
    score: int
    context: str
    ticket_no: str | None
    comment: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class RatingSummary:
    """Satisfaction ratings summed up for operators.

    Attributes:
        count: Number of ratings.
        average: Mean score, or None without ratings.
        counts: Number of ratings per score, every score from 1 to 5 present.
    """

    count: int
    average: float | None
    counts: dict[int, int]


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


def _since(since: dt.datetime | None) -> dt.datetime | None:
    return None if since is None else _aware(since)


def _limited(name: str, value: str | None, max_length: int) -> str | None:
    if value is not None and len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value


def normalize_ticket_no(ticket_no: str) -> str:
    """A ticket number as stored: upper case, without spaces (``r2026 1122-0001``)."""
    return "".join(ticket_no.split()).upper()


def _ticket_ref(ticket_no: str | None) -> str | None:
    """Normalise an optional ticket number given by a conversation (not checked to exist).

    Text too long to be a ticket number is dropped (with a warning) rather than
    refused, so the complaint or rating it came with is still stored.
    """
    if ticket_no is None:
        return None
    number = normalize_ticket_no(ticket_no)
    if len(number) > TICKET_NO_MAX:
        logger.warning("ignoring ticket number reference %r: too long", number[:80])
        return None
    return number or None


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


def _complaint_record(row: Any) -> ComplaintRecord:
    return ComplaintRecord(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        text=row.text,
        ticket_no=row.ticket_no,
        created_at=row.created_at,
    )


def _rating_record(row: Any) -> RatingRecord:
    return RatingRecord(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        score=row.score,
        context=row.context,
        ticket_no=row.ticket_no,
        comment=row.comment,
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
    number = normalize_ticket_no(ticket_no)
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


def find_tickets_by_serial(session: Session, *, serial_number: str) -> list[TicketRecord]:
    """Return every ticket of a device (any status), newest first.

    Args:
        session: Open session.
        serial_number: IMEI or SN (normalised like stored values).

    Returns:
        Matching tickets; empty when none.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        return []
    return _ticket_list(session, Ticket.serial_number == serial)


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
    return None if ticket is None else _ticket_record(ticket)


def _tracking(
    ticket: Any, status: str, tracking_no: str | None, courier: str | None
) -> tuple[str | None, str | None]:
    """Validate and normalise the courier fields of a status change."""
    number = None if tracking_no is None else "".join(tracking_no.split()).upper() or None
    carrier = _optional(courier)
    if status != SHIPPED_BACK:
        if number is not None or carrier is not None:
            raise ValueError(
                f"a tracking number or courier can only be recorded with status {SHIPPED_BACK}, "
                f"not {status}"
            )
        return None, None
    if number is None:
        if ticket.service_type == MAIL_IN:
            raise ValueError(
                f"ticket {ticket.ticket_no} is a mail-in repair: "
                f"a tracking number is required to mark it {SHIPPED_BACK}"
            )
        if carrier is not None:
            raise ValueError("a courier needs a tracking number")
    return (
        _limited("tracking_no", number, TRACKING_NO_MAX),
        _limited("courier", carrier, COURIER_MAX),
    )


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
            note=_optional(note),
            changed_by=author,
            changed_at=changed_at,
            tracking_no=tracking_no,
            courier=courier,
        )
    )
    session.flush()
    return _ticket_record(ticket)


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
        ValueError: Unknown status, empty ``changed_by``, naive ``now``, a mail-in
            ticket marked ``shipped_back`` without tracking number, tracking
            fields with another status, or tracking fields too long.
        TicketNotFound: No such ticket.
    """
    _choice("status", status, TICKET_STATUSES)
    author = _required("changed_by", changed_by)
    changed_at = _aware(now)
    ticket = _ticket_by_no(session, normalize_ticket_no(ticket_no))
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
    author = _required("changed_by", changed_by)
    changed_at = _aware(now)
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
    ticket = _ticket_by_no(session, normalize_ticket_no(ticket_no))
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
            tracking_no=row.tracking_no,
            courier=row.courier,
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


# --------------------------------------------------------------------------- feedback


def record_complaint(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    text: str,
    ticket_no: str | None = None,
    now: dt.datetime | None = None,
) -> ComplaintRecord:
    """Store a user's complaint for the operators.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        text: The complaint in the user's words; stripped, never truncated.
        ticket_no: Ticket the complaint is about, if any (normalised, not checked to
            exist, ignored when too long to be a ticket number).
        now: Creation time (aware); default the current time.

    Returns:
        The stored complaint.

    Raises:
        ValueError: Empty text, sender or channel, or naive ``now``.
    """
    row = Complaint(
        sender_id=_required("sender_id", sender_id),
        channel=_required("channel", channel),
        text=_required("text", text),
        ticket_no=_ticket_ref(ticket_no),
        created_at=_aware(now),
    )
    session.add(row)
    session.flush()
    return _complaint_record(row)


def list_complaints(
    session: Session, *, since: dt.datetime | None = None, limit: int = 100
) -> list[ComplaintRecord]:
    """Return recent complaints, newest first.

    Args:
        session: Open session.
        since: Only complaints created at or after this time (aware); None for all.
        limit: Maximum number of complaints returned (at least 1).

    Returns:
        The complaints; empty when none.

    Raises:
        ValueError: ``limit`` below 1 or naive ``since``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    start = _since(since)
    if start is not None:
        query = query.where(Complaint.created_at >= start)
    rows = session.execute(query.limit(limit)).scalars().all()
    return [_complaint_record(row) for row in rows]


def record_rating(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    score: int,
    context: str,
    ticket_no: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> RatingRecord:
    """Store a satisfaction rating.

    Args:
        session: Session with a transaction owned by the caller.
        sender_id: Conversation sender id.
        channel: Input channel name.
        score: Whole number from 1 (very unhappy) to 5 (very happy).
        context: What was rated, one of :data:`RATING_CONTEXTS`.
        ticket_no: Ticket concerned, if any (normalised, not checked to exist,
            ignored when too long to be a ticket number).
        comment: Optional free text; blank is stored as None.
        now: Creation time (aware); default the current time.

    Returns:
        The stored rating.

    Raises:
        ValueError: Score outside 1..5 or not an integer, unknown context, empty
            sender or channel, or naive ``now``.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"score must be a whole number from {MIN_SCORE} to {MAX_SCORE}: {score!r}")
    row = SatisfactionRating(
        sender_id=_required("sender_id", sender_id),
        channel=_required("channel", channel),
        score=score,
        context=_choice("context", context, RATING_CONTEXTS),
        ticket_no=_ticket_ref(ticket_no),
        comment=_optional(comment),
        created_at=_aware(now),
    )
    session.add(row)
    session.flush()
    return _rating_record(row)


def rating_summary(
    session: Session, *, since: dt.datetime | None = None, context: str | None = None
) -> RatingSummary:
    """Sum up satisfaction ratings for operators.

    Args:
        session: Open session.
        since: Only ratings created at or after this time (aware); None for all.
        context: Only ratings of this context (one of :data:`RATING_CONTEXTS`); None for all.

    Returns:
        Count, average and count per score (average None when there are no ratings).

    Raises:
        ValueError: Unknown context or naive ``since``.
    """
    query = select(SatisfactionRating.score, func.count()).group_by(SatisfactionRating.score)
    start = _since(since)
    if start is not None:
        query = query.where(SatisfactionRating.created_at >= start)
    if context is not None:
        query = query.where(
            SatisfactionRating.context == _choice("context", context, RATING_CONTEXTS)
        )
    counts = dict.fromkeys(range(MIN_SCORE, MAX_SCORE + 1), 0)
    for score, count in session.execute(query).all():
        counts[int(score)] = int(count)
    total = sum(counts.values())
    average = sum(score * n for score, n in counts.items()) / total if total else None
    return RatingSummary(count=total, average=average, counts=counts)
