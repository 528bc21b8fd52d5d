"""Courier pickups in the ticket store: book, change, cancel, courier answers and events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets import TicketRecord, get_ticket, set_status, status_history
from bot.tickets.models.pickups import Pickup
from bot.tickets.notices import list_notices
from bot.tickets.pickups import (
    PickupExists,
    PickupNotAllowed,
    PickupNotFound,
    PickupPlace,
    apply_courier_event,
    book_pickup,
    cancel_pickup,
    change_pickup,
    current_pickup,
    due_pickups,
    list_pickups,
    record_courier_failure,
    record_courier_success,
)

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
PLACE = PickupPlace(
    province="广东省",
    city="深圳市",
    district="南山区",
    street="科苑路15号3栋201",
    pickup_date=dt.date(2026, 11, 23),
    window_start=dt.time(9),
    window_end=dt.time(11),
)
LATER = dataclasses.replace(
    PLACE, pickup_date=dt.date(2026, 11, 24), window_start=dt.time(14), window_end=dt.time(16)
)


def _book(session: Session, ticket: TicketRecord, now: dt.datetime = T0):
    return book_pickup(session, ticket_no=ticket.ticket_no, place=PLACE, created_by="user", now=now)


def _events(session: Session, ticket_no: str) -> list[str]:
    return [n.event for n in list_notices(session, ticket_no=ticket_no)]


def test_booking_is_stored_pending_and_due(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    pickup = _book(session, ticket)
    assert (pickup.status, pickup.courier_action, pickup.attempts) == ("pending", "book", 0)
    assert pickup.address == "广东省深圳市南山区科苑路15号3栋201"
    row = session.execute(select(Pickup)).scalar_one()
    assert (row.pickup_date, row.window_start, row.window_end) == (
        dt.date(2026, 11, 23),
        dt.time(9),
        dt.time(11),
    )
    assert [p.id for p in due_pickups(session, now=T0)] == [pickup.id]
    assert due_pickups(session, now=T0 - dt.timedelta(seconds=1)) == []
    assert current_pickup(session, ticket_no=ticket.ticket_no) == pickup


def test_only_submitted_mail_in_tickets_can_book(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    store = make_ticket(service_type="store")
    with pytest.raises(PickupNotAllowed):
        _book(session, store)
    received = make_ticket()
    set_status(session, ticket_no=received.ticket_no, status="received", changed_by="staff")
    with pytest.raises(PickupNotAllowed):
        _book(session, received)
    assert session.execute(select(Pickup)).first() is None


def test_a_second_booking_is_refused_and_the_database_forbids_two_active(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    first = _book(session, ticket)
    with pytest.raises(PickupExists):
        _book(session, ticket)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            Pickup(
                ticket_id=ticket.id,
                province="广东省",
                city="深圳市",
                district="南山区",
                street="x路1号",
                pickup_date=PLACE.pickup_date,
                window_start=dt.time(9),
                window_end=dt.time(11),
                status="booked",
                attempts=0,
                created_by="user",
                created_at=T0,
                updated_at=T0,
            )
        )
        session.flush()
    cancel_pickup(session, ticket_no=ticket.ticket_no, now=T0)
    again = _book(session, ticket)
    assert again.id != first.id
    assert [p.status for p in list_pickups(session, ticket_no=ticket.ticket_no)] == [
        "cancelled",
        "pending",
    ]


def test_bad_places_are_refused(session: Session, make_ticket: Callable[..., TicketRecord]) -> None:
    ticket = make_ticket()
    with pytest.raises(ValueError):
        book_pickup(
            session,
            ticket_no=ticket.ticket_no,
            place=dataclasses.replace(PLACE, window_end=dt.time(8)),
            created_by="user",
        )
    with pytest.raises(ValueError):
        book_pickup(
            session,
            ticket_no=ticket.ticket_no,
            place=dataclasses.replace(PLACE, street=" "),
            created_by="user",
        )


def test_courier_success_books_and_tells_the_owner(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    sent = _book(session, ticket)
    booked = record_courier_success(session, sent=sent, order_id="SF1", now=T0)
    assert (booked.status, booked.courier_action, booked.courier_order_id) == (
        "booked",
        None,
        "SF1",
    )
    assert due_pickups(session, now=T0 + dt.timedelta(days=1)) == []
    assert _events(session, ticket.ticket_no) == ["pickup_booked"]
    notice = list_notices(session, ticket_no=ticket.ticket_no)[0]
    assert notice.params["start"] == "09:00" and notice.params["day"] == "23"


def test_change_after_booking_is_sent_as_a_change(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    booked = record_courier_success(session, sent=_book(session, ticket), order_id="SF1", now=T0)
    changed = change_pickup(session, ticket_no=ticket.ticket_no, place=LATER, now=T0)
    assert (changed.status, changed.courier_action) == ("pending", "change")
    assert changed.id == booked.id and changed.window_start == dt.time(14)
    done = record_courier_success(session, sent=changed, order_id=None, now=T0)
    assert (done.status, done.courier_order_id) == ("booked", "SF1")
    assert _events(session, ticket.ticket_no) == ["pickup_booked", "pickup_changed"]


def test_a_change_while_the_booking_was_on_its_way_is_sent_next(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    sent = _book(session, ticket)
    change_pickup(
        session, ticket_no=ticket.ticket_no, place=LATER, now=T0 + dt.timedelta(seconds=5)
    )
    after = record_courier_success(
        session, sent=sent, order_id="SF9", now=T0 + dt.timedelta(seconds=6)
    )
    assert (after.status, after.courier_action, after.courier_order_id) == (
        "pending",
        "change",
        "SF9",
    )
    assert after.window_start == dt.time(14)


def test_cancel_before_and_after_the_courier_has_an_order(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    unsent = make_ticket()
    _book(session, unsent)
    cancelled = cancel_pickup(session, ticket_no=unsent.ticket_no, now=T0)
    assert (cancelled.status, cancelled.courier_action) == ("cancelled", None)
    sent_ticket = make_ticket()
    record_courier_success(session, sent=_book(session, sent_ticket), order_id="SF2", now=T0)
    told = cancel_pickup(session, ticket_no=sent_ticket.ticket_no, now=T0)
    assert (told.status, told.courier_action) == ("cancelled", "cancel")
    assert record_courier_success(session, sent=told, order_id=None, now=T0).courier_action is None
    with pytest.raises(PickupNotFound):
        cancel_pickup(session, ticket_no=sent_ticket.ticket_no)
    assert "pickup_cancelled" in _events(session, sent_ticket.ticket_no)


def test_failures_are_retried_then_given_up(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    sent = _book(session, ticket)
    retry_at = T0 + dt.timedelta(minutes=5)
    waiting = record_courier_failure(
        session, sent=sent, error="HTTP 503", retry_at=retry_at, now=T0
    )
    assert (waiting.status, waiting.attempts, waiting.courier_action) == ("pending", 1, "book")
    assert due_pickups(session, now=T0) == []
    assert [p.id for p in due_pickups(session, now=retry_at)] == [sent.id]
    failed = record_courier_failure(
        session, sent=waiting, error="HTTP 422 area", retry_at=None, now=T0
    )
    assert (failed.status, failed.courier_action, failed.attempts) == ("failed", None, 2)
    assert failed.last_error == "HTTP 422 area"
    assert _events(session, ticket.ticket_no) == ["pickup_failed"]


def test_courier_events_collect_and_deliver(
    session: Session, make_ticket: Callable[..., TicketRecord]
) -> None:
    ticket = make_ticket()
    record_courier_success(session, sent=_book(session, ticket), order_id="SF3", now=T0)
    picked = apply_courier_event(session, order_id="SF3", event="picked_up", now=T0)
    assert picked.status == "picked_up"
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "submitted"
    delivered = apply_courier_event(session, order_id="SF3", event="delivered", now=T0)
    assert delivered.status == "delivered"
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "received"
    history = status_history(session, ticket_no=ticket.ticket_no)
    assert history[-1].changed_by == "courier" and "SF3" in (history[-1].note or "")
    again = apply_courier_event(session, order_id="SF3", event="delivered", now=T0)
    assert again.status == "delivered"
    assert len(status_history(session, ticket_no=ticket.ticket_no)) == len(history)
    assert _events(session, ticket.ticket_no) == [
        "pickup_booked",
        "pickup_picked_up",
        "status_changed",
    ]
    with pytest.raises(PickupNotFound):
        apply_courier_event(session, order_id="nope", event="picked_up")
    with pytest.raises(ValueError):
        apply_courier_event(session, order_id="SF3", event="lost")
