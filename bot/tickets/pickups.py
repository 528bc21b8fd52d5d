"""Courier pickups of mail-in tickets: book, change, cancel, and what the courier answered.

The owner's choice is stored first, with ``courier_action`` saying what the courier still
has to be told (``book``, ``change``, ``cancel``); :mod:`bot.courier.sync` sends it and
records the answer with :func:`record_courier_success` / :func:`record_courier_failure`. A
courier that is down therefore loses nothing. Courier events (collected, delivered to the
repair centre) arrive through :func:`apply_courier_event`. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets.checks import (
    TicketNotFound,
    aware,
    bounded,
    choice,
    optional_bounded,
    record_of,
    required,
    ticket_by_no,
    ticket_rows,
)
from bot.tickets.history import set_status
from bot.tickets.models import CLOSED_STATUSES, INITIAL_STATUS, MAIL_IN, Ticket
from bot.tickets.models.pickups import (
    ACTIVE_PICKUP_STATUSES,
    COURIER_ACTIONS,
    Pickup,
)
from bot.tickets.notices import enqueue_notice

#: Column widths of the address parts.
REGION_MAX = 32
STREET_MAX = 255
ORDER_ID_MAX = 64
#: Longest courier error kept on the row.
ERROR_MAX = 500
#: Courier events a webhook may report, and the pickup status each leads to.
COURIER_EVENTS: dict[str, str] = {
    "picked_up": "picked_up",
    "delivered": "delivered",
    "failed": "failed",
}
#: Ticket status once the courier has delivered the phone to the repair centre.
DELIVERED_TICKET_STATUS = "received"


class PickupNotAllowed(ValueError):
    """The ticket cannot have a pickup: not a mail-in repair, or the phone is past pickup."""

    def __init__(self, ticket_no: str, reason: str) -> None:
        super().__init__(f"ticket {ticket_no} cannot have a courier pickup: {reason}")
        self.ticket_no = ticket_no
        self.reason = reason


class PickupNotFound(LookupError):
    """No (active) pickup matches."""


class PickupExists(ValueError):
    """The ticket already has a pickup to come: change or cancel it instead."""


@dataclass(frozen=True)
class PickupRecord:
    """A pickup as stored (datetimes aware, in UTC; date and window in local time)."""

    id: int
    ticket_no: str
    province: str
    city: str
    district: str
    street: str
    pickup_date: dt.date
    window_start: dt.time
    window_end: dt.time
    status: str
    courier_action: str | None
    courier_order_id: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def is_active(self) -> bool:
        """Whether the pickup is still to come (pending or booked)."""
        return self.status in ACTIVE_PICKUP_STATUSES

    @property
    def address(self) -> str:
        """The address in one line (a municipality's name once)."""
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.district}{self.street}"


@dataclass(frozen=True)
class PickupPlace:
    """Where and when: the address parts, the date and the window (local time)."""

    province: str
    city: str
    district: str
    street: str
    pickup_date: dt.date
    window_start: dt.time
    window_end: dt.time


def _record(row: Any, ticket_no: str) -> PickupRecord:
    return record_of(PickupRecord, row, ticket_no=ticket_no)


def _checked_place(place: PickupPlace) -> PickupPlace:
    if place.window_start >= place.window_end:
        raise ValueError("window_start must be before window_end")
    return PickupPlace(
        province=bounded("province", place.province, REGION_MAX),
        city=bounded("city", place.city, REGION_MAX),
        district=optional_bounded("district", place.district, REGION_MAX) or "",
        street=bounded("street", place.street, STREET_MAX),
        pickup_date=place.pickup_date,
        window_start=place.window_start,
        window_end=place.window_end,
    )


def _check_ticket(ticket: Any) -> None:
    if ticket.service_type != MAIL_IN:
        raise PickupNotAllowed(ticket.ticket_no, "not a mail-in repair")
    if ticket.status != INITIAL_STATUS:
        raise PickupNotAllowed(ticket.ticket_no, f"its status is {ticket.status}")


def _active_row(session: Session, ticket: Any) -> Any:
    return session.execute(
        select(Pickup).where(
            Pickup.ticket_id == ticket.id, Pickup.status.in_(ACTIVE_PICKUP_STATUSES)
        )
    ).scalar_one_or_none()


def _place_into(row: Any, place: PickupPlace) -> None:
    for name in PickupPlace.__dataclass_fields__:
        setattr(row, name, getattr(place, name))


def book_pickup(
    session: Session,
    *,
    ticket_no: str,
    place: PickupPlace,
    created_by: str,
    now: dt.datetime | None = None,
) -> PickupRecord:
    """Store a new pickup of a mail-in ticket, to be sent to the courier.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        place: Address, date and window.
        created_by: Who booked (``user``, an agent's username).
        now: Time of the booking (aware); default the current time.

    Returns:
        The pickup, ``pending`` with ``courier_action`` ``book``.

    Raises:
        PickupNotAllowed: Not a mail-in ticket, or no longer ``submitted``.
        PickupExists: The ticket already has a pending or booked pickup.
        TicketNotFound: No such ticket.
        ValueError: Empty or too long address parts, a window ending before it starts,
            empty ``created_by`` or naive ``now``.
    """
    at = aware(now)
    author = bounded("created_by", created_by, 64)
    checked = _checked_place(place)
    ticket = ticket_by_no(session, ticket_no)
    _check_ticket(ticket)
    if _active_row(session, ticket) is not None:
        raise PickupExists(f"ticket {ticket.ticket_no} already has a pickup to come")
    row = Pickup(
        ticket_id=ticket.id,
        status="pending",
        courier_action="book",
        attempts=0,
        next_attempt_at=at,
        created_by=author,
        created_at=at,
        updated_at=at,
    )
    _place_into(row, checked)
    session.add(row)
    session.flush()
    return _record(row, ticket.ticket_no)


def change_pickup(
    session: Session, *, ticket_no: str, place: PickupPlace, now: dt.datetime | None = None
) -> PickupRecord:
    """Change the address or time of a ticket's pickup to come.

    The pickup is ``pending`` again until the courier confirms; a pickup the courier
    has not confirmed yet is simply booked with the new values.

    Raises:
        PickupNotFound: The ticket has no pending or booked pickup.
        PickupNotAllowed: The ticket is no longer ``submitted``.
        TicketNotFound: No such ticket.
        ValueError: Bad address parts or window, or naive ``now``.
    """
    at = aware(now)
    checked = _checked_place(place)
    ticket = ticket_by_no(session, ticket_no)
    _check_ticket(ticket)
    row = _active_row(session, ticket)
    if row is None:
        raise PickupNotFound(f"ticket {ticket.ticket_no} has no pickup to change")
    _place_into(row, checked)
    row.status = "pending"
    row.courier_action = "change" if row.courier_order_id else "book"
    row.attempts = 0
    row.next_attempt_at = at
    row.updated_at = at
    session.flush()
    return _record(row, ticket.ticket_no)


def cancel_pickup(
    session: Session, *, ticket_no: str, now: dt.datetime | None = None
) -> PickupRecord:
    """Cancel a ticket's pickup to come (the courier is told when it has an order).

    Raises:
        PickupNotFound: The ticket has no pending or booked pickup.
        TicketNotFound: No such ticket.
        ValueError: Naive ``now``.
    """
    at = aware(now)
    ticket = ticket_by_no(session, ticket_no)
    row = _active_row(session, ticket)
    if row is None:
        raise PickupNotFound(f"ticket {ticket.ticket_no} has no pickup to cancel")
    row.status = "cancelled"
    row.courier_action = "cancel" if row.courier_order_id else None
    row.attempts = 0
    row.next_attempt_at = at if row.courier_order_id else None
    row.updated_at = at
    session.flush()
    enqueue_notice(session, ticket=ticket, event="pickup_cancelled", now=at)
    return _record(row, ticket.ticket_no)


def cancel_pickups_of_closed_tickets(
    session: Session, *, now: dt.datetime | None = None
) -> list[PickupRecord]:
    """Cancel the pickups to come of tickets that were closed (e.g. cancelled by the owner).

    Returns:
        The pickups cancelled; those the courier had booked now wait to be cancelled there.
    """
    at = aware(now)
    rows = session.execute(
        select(Pickup, Ticket.ticket_no)
        .join(Ticket, Ticket.id == Pickup.ticket_id)
        .where(Pickup.status.in_(ACTIVE_PICKUP_STATUSES), Ticket.status.in_(CLOSED_STATUSES))
    ).all()
    return [cancel_pickup(session, ticket_no=ticket_no, now=at) for _, ticket_no in rows]


def current_pickup(session: Session, *, ticket_no: str) -> PickupRecord | None:
    """The ticket's pickup to come, else its latest pickup, else None.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    row = (
        _active_row(session, ticket)
        or session.execute(
            select(Pickup)
            .where(Pickup.ticket_id == ticket.id)
            .order_by(Pickup.updated_at.desc(), Pickup.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    )
    return None if row is None else _record(row, ticket.ticket_no)


def list_pickups(session: Session, *, ticket_no: str) -> list[PickupRecord]:
    """A ticket's pickups, oldest first.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    rows = ticket_rows(session, Pickup, ticket.id, Pickup.created_at)
    return [_record(row, ticket.ticket_no) for row in rows]


def get_pickup(session: Session, *, pickup_id: int) -> PickupRecord:
    """One pickup by id.

    Raises:
        PickupNotFound: No such pickup.
    """
    row = session.get(Pickup, pickup_id)
    if row is None:
        raise PickupNotFound(f"no pickup {pickup_id}")
    return _record(row, _ticket(session, row).ticket_no)


def due_pickups(
    session: Session, *, now: dt.datetime | None = None, limit: int = 100
) -> list[PickupRecord]:
    """Pickups the courier still has to be told about, whose next try is due, oldest first."""
    at = aware(now)
    rows = session.execute(
        select(Pickup)
        .where(Pickup.courier_action.is_not(None), Pickup.next_attempt_at <= at)
        .order_by(Pickup.next_attempt_at, Pickup.id)
        .limit(limit)
    ).scalars()
    return [_record(row, _ticket(session, row).ticket_no) for row in rows]


def _ticket(session: Session, row: Any) -> Any:
    """The pickup's ticket (from the session's identity map when it is loaded already)."""
    ticket = session.get(Ticket, row.ticket_id)
    assert ticket is not None  # a foreign key
    return ticket


def _locked(session: Session, pickup_id: int) -> Any:
    row = session.execute(
        select(Pickup)
        .where(Pickup.id == pickup_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise PickupNotFound(f"no pickup {pickup_id}")
    return row


def record_courier_success(
    session: Session,
    *,
    sent: PickupRecord,
    order_id: str | None,
    now: dt.datetime | None = None,
) -> PickupRecord:
    """Record that the courier accepted what was sent (``sent.courier_action``).

    When the owner changed or cancelled the pickup while the request was on its way
    (the row's ``updated_at`` differs from ``sent``'s), the new wish stays to be sent.

    Args:
        session: Session with a transaction owned by the caller.
        sent: The pickup as it was sent.
        order_id: The courier's order id (``book``; kept as it was when None).
        now: Time of the answer (aware); default the current time.

    Raises:
        PickupNotFound: The pickup is gone.
        ValueError: ``sent`` carried no action, an order id too long, or naive ``now``.
    """
    at = aware(now)
    action = choice("courier_action", str(sent.courier_action), COURIER_ACTIONS)
    row = _locked(session, sent.id)
    if order_id is not None:
        row.courier_order_id = bounded("order_id", order_id, ORDER_ID_MAX)
    row.attempts = 0
    row.last_error = None
    ticket = _ticket(session, row)
    if row.updated_at != sent.updated_at:
        # Changed meanwhile: send the latest wish next (now against the order id).
        if row.status == "cancelled":
            row.courier_action = "cancel" if row.courier_order_id else None
        elif row.status == "pending":
            row.courier_action = "change" if row.courier_order_id else "book"
        row.next_attempt_at = at if row.courier_action else None
        session.flush()
        return _record(row, ticket.ticket_no)
    row.courier_action = None
    row.next_attempt_at = None
    if action in ("book", "change"):
        row.status = "booked"
    row.updated_at = at
    session.flush()
    if action != "cancel":
        event = "pickup_booked" if action == "book" else "pickup_changed"
        enqueue_notice(session, ticket=ticket, event=event, params=_params(row), now=at)
    return _record(row, ticket.ticket_no)


def record_courier_failure(
    session: Session,
    *,
    sent: PickupRecord,
    error: str,
    retry_at: dt.datetime | None,
    now: dt.datetime | None = None,
) -> PickupRecord:
    """Record a failed try: retried at ``retry_at``, or given up (``failed``) when None.

    A cancellation that cannot reach the courier stays cancelled here; giving it up
    only stops the tries (the error is kept for staff).

    Raises:
        PickupNotFound: The pickup is gone.
        ValueError: Empty ``error``, naive ``now`` or ``retry_at``.
    """
    at = aware(now)
    message = required("error", error)[:ERROR_MAX]
    row = _locked(session, sent.id)
    row.attempts = (row.attempts or 0) + 1
    row.last_error = message
    if row.updated_at != sent.updated_at and row.courier_action is not None:
        row.next_attempt_at = at  # a newer wish: try it now
        session.flush()
        return _record(row, _ticket(session, row).ticket_no)
    if retry_at is not None:
        row.next_attempt_at = aware(retry_at)
        session.flush()
        return _record(row, _ticket(session, row).ticket_no)
    gave_up_booking = row.status == "pending"
    row.courier_action = None
    row.next_attempt_at = None
    if gave_up_booking:
        row.status = "failed"
        row.updated_at = at
    session.flush()
    ticket = _ticket(session, row)
    if gave_up_booking:
        enqueue_notice(session, ticket=ticket, event="pickup_failed", now=at)
    return _record(row, ticket.ticket_no)


def apply_courier_event(
    session: Session, *, order_id: str, event: str, now: dt.datetime | None = None
) -> PickupRecord:
    """Apply a courier event to the pickup with this order id.

    ``picked_up`` marks the pickup collected (the owner is told); ``delivered`` marks it
    delivered and the ticket ``received`` (through :func:`~bot.tickets.history.set_status`,
    which tells the owner); ``failed`` marks a pickup the courier could not make. An event
    repeated (webhooks are retried) changes nothing more.

    Raises:
        PickupNotFound: No pickup has this order id.
        ValueError: Unknown event or naive ``now``.
    """
    at = aware(now)
    status = COURIER_EVENTS.get(event)
    if status is None:
        raise ValueError(f"unknown courier event {event!r}; expected {', '.join(COURIER_EVENTS)}")
    row = session.execute(
        select(Pickup).where(Pickup.courier_order_id == order_id)
    ).scalar_one_or_none()
    if row is None:
        raise PickupNotFound(f"no pickup with courier order {order_id}")
    ticket = _ticket(session, row)
    if row.status == status:
        return _record(row, ticket.ticket_no)
    row.status = status
    row.courier_action = None
    row.next_attempt_at = None
    row.updated_at = at
    session.flush()
    if status == "delivered":
        if ticket.status == INITIAL_STATUS:
            set_status(
                session,
                ticket_no=ticket.ticket_no,
                status=DELIVERED_TICKET_STATUS,
                note=f"delivered by the courier (order {order_id})",
                changed_by="courier",
                now=at,
            )
    else:
        enqueue_notice(session, ticket=ticket, event=f"pickup_{status}", now=at)
    return _record(row, ticket.ticket_no)


def _params(row: Any) -> dict[str, str]:
    """Notice parameters of a pickup: local month, day and window, the address."""
    city = "" if row.city == row.province else row.city
    return {
        "month": str(row.pickup_date.month),
        "day": str(row.pickup_date.day),
        "start": f"{row.window_start:%H:%M}",
        "end": f"{row.window_end:%H:%M}",
        "address": f"{row.province}{city}{row.district}{row.street}",
    }


__all__ = [
    "COURIER_EVENTS",
    "PickupExists",
    "PickupNotAllowed",
    "PickupNotFound",
    "PickupPlace",
    "PickupRecord",
    "TicketNotFound",
    "apply_courier_event",
    "book_pickup",
    "cancel_pickup",
    "cancel_pickups_of_closed_tickets",
    "change_pickup",
    "current_pickup",
    "due_pickups",
    "get_pickup",
    "list_pickups",
    "record_courier_failure",
    "record_courier_success",
]
