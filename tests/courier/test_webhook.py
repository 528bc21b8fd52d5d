"""The courier's event webhook: HMAC signatures, events applied to pickups and tickets."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sanic import Sanic

from bot.courier.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from bot.courier.webhook import CourierEventsInput, parse_event
from bot.settings import get_settings
from bot.tickets import get_ticket, session_scope
from bot.tickets.pickups import PickupPlace, book_pickup, get_pickup, record_courier_success
from tests.tickets.helpers import new_ticket

SECRET = "courier-webhook-secret-0123456789"


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def url(ticket_store: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The webhook mounted like Rasa mounts channels, on a free port; yields its events URL."""
    monkeypatch.setenv("COURIER_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    Sanic.test_mode = True
    app = Sanic(f"courier_test_{uuid.uuid4().hex[:8]}")
    app.config.ACCESS_LOG = False
    app.blueprint(
        CourierEventsInput().blueprint(lambda _message: None), url_prefix="/webhooks/courier"
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    served = await app.create_server(sock=sock, return_asyncio_server=True)
    assert served is not None
    await served.startup()
    await served.start_serving()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/courier/events"
    finally:
        await served.close()
        sock.close()


def _booked(order_id: str) -> tuple[str, int]:
    with session_scope() as session:
        ticket, _ = new_ticket(
            session,
            intake_id=uuid.uuid4().hex,
            sender_id="owner",
            channel="rest",
            device_model_id="oneplus-12",
            serial_number=None,
            purchase_date=None,
            warranty_status="to_verify",
            fault_category="screen",
            fault_description="屏幕碎了",
            service_type="mail_in",
            city="深圳",
            contact_phone="13912345678",
        )
        sent = book_pickup(
            session,
            ticket_no=ticket.ticket_no,
            place=PickupPlace(
                "广东省",
                "深圳市",
                "南山区",
                "科苑路15号",
                dt.date(2026, 12, 4),
                dt.time(9),
                dt.time(11),
            ),
            created_by="user",
        )
        record_courier_success(session, sent=sent, order_id=order_id)
    return ticket.ticket_no, sent.id


async def _post(
    url: str, body: Any, *, secret: str = SECRET, age: int = 0, signed: bool = True
) -> tuple[int, Any]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()) - age)
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, raw)}
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=raw, headers=headers if signed else {}) as response,
    ):
        return response.status, await response.json()


async def test_signed_events_move_the_pickup_and_the_ticket(url: str) -> None:
    ticket_no, pickup_id = _booked("SF77")
    status, body = await _post(url, {"order_id": "SF77", "event": "picked_up"})
    assert (status, body["status"]) == (200, "picked_up")
    status, _ = await _post(url, {"order_id": "SF77", "event": "delivered"})
    assert status == 200
    with session_scope(readonly=True) as session:
        assert get_pickup(session, pickup_id=pickup_id).status == "delivered"
        assert get_ticket(session, ticket_no=ticket_no).status == "received"


async def test_forged_old_or_unsigned_events_are_refused(url: str) -> None:
    _, pickup_id = _booked("SF78")
    event = {"order_id": "SF78", "event": "picked_up"}
    assert (await _post(url, event, secret="not-the-secret-at-all-000"))[0] == 401
    assert (await _post(url, event, age=3600))[0] == 401
    assert (await _post(url, event, signed=False))[0] == 401
    with session_scope(readonly=True) as session:
        assert get_pickup(session, pickup_id=pickup_id).status == "booked"


async def test_bad_bodies_and_unknown_orders(url: str) -> None:
    assert (await _post(url, {"order_id": "SF79", "event": "exploded"}))[0] == 400
    assert (await _post(url, {"order_id": "SF-unknown", "event": "picked_up"}))[0] == 404


async def test_an_empty_secret_verifies_nothing() -> None:
    stamp = str(int(time.time()))
    assert not verify("", stamp, sign("", stamp, b"{}"), b"{}", now=time.time(), max_age=300)
    assert verify(SECRET, stamp, sign(SECRET, stamp, b"{}"), b"{}", now=time.time(), max_age=300)


async def test_parse_event() -> None:
    assert parse_event(b'{"order_id": " SF1 ", "event": "failed"}') == ("SF1", "failed")
    for bad in (b"", b"[]", b'{"order_id": "", "event": "failed"}', b"\xff"):
        assert parse_event(bad) is None
