"""Sending pickups to the courier: at once, kept while it is down, retried, refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from bot.courier.sync import configured_courier, retry_due, send_pickup
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.pickups import (
    PickupPlace,
    PickupRecord,
    book_pickup,
    cancel_pickup,
    change_pickup,
    get_pickup,
)
from tests.courier.fake_courier import FakeCourierState
from tests.tickets.helpers import new_ticket

UTC = dt.timezone.utc
PLACE = PickupPlace(
    province="广东省",
    city="深圳市",
    district="南山区",
    street="科苑路15号",
    pickup_date=dt.date(2026, 12, 4),
    window_start=dt.time(9),
    window_end=dt.time(11),
)


def _booked_pickup() -> PickupRecord:
    with session_scope() as session:
        ticket, _ = new_ticket(
            session,
            intake_id=uuid.uuid4().hex,
            sender_id="owner",
            channel="rest",
            device_model_id="oneplus-12",
            serial_number="864752041234007",
            purchase_date=dt.date(2026, 3, 1),
            warranty_status="in_warranty",
            fault_category="screen",
            fault_description="屏幕碎了",
            service_type="mail_in",
            city="深圳",
            contact_phone="13912345678",
        )
        return book_pickup(session, ticket_no=ticket.ticket_no, place=PLACE, created_by="user")


def _reload(pickup_id: int) -> PickupRecord:
    with session_scope(readonly=True) as session:
        return get_pickup(session, pickup_id=pickup_id)


def test_without_courier_url_bookings_stay_pending(ticket_store: str) -> None:
    assert configured_courier() is None
    pickup = _booked_pickup()
    after = send_pickup(pickup.id)
    assert (after.status, after.courier_action, after.attempts) == ("pending", "book", 0)
    assert retry_due().tried == 0


def test_booked_at_once_with_the_contact_phone(
    ticket_store: str, courier_settings: FakeCourierState
) -> None:
    pickup = _booked_pickup()
    after = send_pickup(pickup.id)
    assert after.status == "booked" and after.courier_order_id in courier_settings.orders
    order = courier_settings.orders[after.courier_order_id]
    assert order["contact_phone"] == "13912345678"
    assert order["reference"] == f"{pickup.ticket_no}/P{pickup.id}"


def test_a_courier_that_is_down_loses_no_booking(
    ticket_store: str, courier_settings: FakeCourierState
) -> None:
    courier_settings.down = True
    pickup = _booked_pickup()
    now = dt.datetime.now(UTC)
    kept = send_pickup(pickup.id, now=now)
    assert (kept.status, kept.courier_action, kept.attempts) == ("pending", "book", 1)
    assert kept.next_attempt_at is not None and kept.next_attempt_at > now
    assert "503" in (kept.last_error or "")
    assert retry_due(now=now).tried == 0, "not due before its next attempt"
    courier_settings.down = False
    summary = retry_due(now=kept.next_attempt_at)
    assert (summary.tried, summary.done) == (1, 1)
    booked = _reload(pickup.id)
    assert booked.status == "booked" and booked.courier_order_id in courier_settings.orders
    assert booked.last_error is None and booked.attempts == 0


def test_changes_and_cancellations_reach_the_courier(
    ticket_store: str, courier_settings: FakeCourierState
) -> None:
    pickup = _booked_pickup()
    order_id = send_pickup(pickup.id).courier_order_id
    assert order_id is not None
    with session_scope() as session:
        change_pickup(
            session,
            ticket_no=pickup.ticket_no,
            place=PickupPlace(
                **{**PLACE.__dict__, "window_start": dt.time(14), "window_end": dt.time(16)}
            ),
        )
    assert send_pickup(pickup.id).status == "booked"
    assert courier_settings.orders[order_id]["window"]["start"] == "14:00"
    with session_scope() as session:
        cancel_pickup(session, ticket_no=pickup.ticket_no)
    after = send_pickup(pickup.id)
    assert (after.status, after.courier_action) == ("cancelled", None)
    assert courier_settings.orders[order_id]["status"] == "cancelled"


def test_a_refusal_fails_the_booking(ticket_store: str, courier_settings: FakeCourierState) -> None:
    courier_settings.refuse = True
    pickup = _booked_pickup()
    after = send_pickup(pickup.id)
    assert (after.status, after.courier_action) == ("failed", None)
    assert "out_of_area" in (after.last_error or "")


def test_tries_are_given_up_after_max_attempts(
    ticket_store: str, courier_settings: FakeCourierState, monkeypatch: pytest.MonkeyPatch
) -> None:
    courier_settings.down = True
    pickup = _booked_pickup()
    now = dt.datetime.now(UTC)
    from bot.catalog.courier import load_courier

    for _ in range(load_courier().max_attempts - 1):
        after = send_pickup(pickup.id, now=now)
        assert after.status == "pending"
    after = send_pickup(pickup.id, now=now)
    assert (after.status, after.courier_action) == ("failed", None)
    assert get_settings().courier_url


def test_admin_commands_show_and_retry(
    ticket_store: str, courier_settings: FakeCourierState, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.tickets.cli import main

    courier_settings.down = True
    pickup = _booked_pickup()
    send_pickup(pickup.id, now=dt.datetime.now(UTC) - dt.timedelta(hours=1))
    assert main(["show", pickup.ticket_no]) == 0
    shown = capsys.readouterr().out
    assert "pickups:" in shown and "pending" in shown and "to send: book (tries 1)" in shown
    assert "科苑路15号" in shown and "last error" in shown
    courier_settings.down = False
    assert main(["pickups-retry"]) == 0
    assert "1 tried, 1 sent" in capsys.readouterr().out
    assert _reload(pickup.id).status == "booked"


def test_retry_command_refuses_without_a_courier(
    ticket_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.tickets.cli import main

    assert main(["pickups-retry"]) == 2
    assert "COURIER_URL" in capsys.readouterr().err


def test_a_cancelled_ticket_cancels_its_pickup_at_the_courier(
    ticket_store: str, courier_settings: FakeCourierState
) -> None:
    from bot.tickets import cancel_ticket_by_user

    pickup = _booked_pickup()
    order_id = send_pickup(pickup.id).courier_order_id
    with session_scope() as session:
        cancel_ticket_by_user(session, ticket_no=pickup.ticket_no, changed_by="user")
    summary = retry_due()
    assert (summary.tried, summary.done) == (1, 1)
    assert _reload(pickup.id).status == "cancelled"
    assert courier_settings.orders[str(order_id)]["status"] == "cancelled"


def test_the_retrier_thread_sends_what_the_courier_did_not_take(
    ticket_store: str, courier_settings: FakeCourierState
) -> None:
    import time

    from bot.courier.sync import PickupRetrier

    courier_settings.down = True
    pickup = _booked_pickup()
    send_pickup(pickup.id, now=dt.datetime.now(UTC) - dt.timedelta(hours=1))
    courier_settings.down = False
    retrier = PickupRetrier(interval=0.05)
    retrier.start()
    try:
        deadline = time.monotonic() + 10
        while _reload(pickup.id).status != "booked" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        retrier.stop()
    assert _reload(pickup.id).status == "booked"
