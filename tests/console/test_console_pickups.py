"""The console's view of a ticket's courier pickups (``GET api/tickets/<no>/pickups``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.catalog.courier import PickupWindow, load_courier
from bot.console import accounts
from bot.console.texts import console_text
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.pickups import (
    PickupPlace,
    book_pickup,
    record_courier_failure,
    record_courier_success,
)
from tests.console.conftest import Server
from tests.console.test_console_page import console, sign_in
from tests.tickets.helpers import console_ticket

__all__ = ["console"]  # the page's fixture, used below (the browser: conftest)

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


@pytest.fixture
def agent() -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)


def _ticket_with_pickup() -> str:
    ticket = console_ticket()
    with session_scope() as session:
        sent = book_pickup(
            session,
            ticket_no=ticket.ticket_no,
            place=PickupPlace(
                "北京市",
                "北京市",
                "朝阳区",
                "建国路88号",
                dt.date(2026, 12, 5),
                dt.time(14),
                dt.time(16),
            ),
            created_by="user",
        )
        record_courier_failure(
            session,
            sent=sent,
            error="POST /pickups: HTTP 503 unavailable",
            retry_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5),
        )
    return ticket.ticket_no


async def test_agents_see_the_pickup_and_what_waits_for_the_courier(
    server: Server, agent: None
) -> None:
    ticket_no = _ticket_with_pickup()
    async with server.client() as browser:
        path = f"api/tickets/{ticket_no}/pickups"
        assert (await browser.get(path))[0] == 401
        await browser.login("zhang", PASSWORD)
        status, body = await browser.get(path)
        assert status == 200
        (pickup,) = body["pickups"]
        assert pickup["address"] == "北京市朝阳区建国路88号"
        assert (pickup["date"], pickup["window_start"], pickup["window_end"]) == (
            "2026-12-05",
            "14:00",
            "16:00",
        )
        assert (pickup["status"], pickup["status_name"]) == ("pending", "待快递确认")
        assert (pickup["courier_action"], pickup["attempts"]) == ("book", 1)
        assert "503" in pickup["last_error"] and pickup["next_attempt_at"]
        assert (await browser.get("api/tickets/R20000101-0001/pickups"))[0] == 404
        status, texts = await browser.get("api/texts")
        assert status == 200 and texts["page"]["pickups"]["title"] == "上门取件"


async def test_the_ticket_view_loads_the_pickups_module(server: Server, agent: None) -> None:
    async with server.client() as browser, browser.session.get(server.base + "js/pickups.js") as js:
        assert js.status == 200
        assert "export function loadPickups" in await js.text()
        async with browser.session.get(server.base + "js/tickets_tab.js") as tab:
            assert 'import { loadPickups } from "./pickups.js"' in await tab.text()
        async with browser.session.get(server.base) as page:
            assert 'id="td-pickups"' in await page.text()


@pytest.mark.slow
async def test_the_ticket_view_shows_a_booked_pickup(console: tuple[Any, list[str]]) -> None:
    page, errors = console
    tomorrow = get_settings().today() + dt.timedelta(days=1)
    ticket = console_ticket()
    with session_scope() as session:
        sent = book_pickup(
            session,
            ticket_no=ticket.ticket_no,
            place=PickupPlace(
                "广东省", "深圳市", "南山区", "科苑路15号3栋201", tomorrow, dt.time(9), dt.time(11)
            ),
            created_by="user",
        )
        booked = record_courier_success(session, sent=sent, order_id="SF1234567890")
    assert booked.status == "booked"
    policy = load_courier()
    window = policy.describe(
        PickupWindow(tomorrow, dt.time(9), dt.time(11)), get_settings().today()
    )
    await sign_in(page)
    await page.click("#tab-tickets")
    await page.fill("#ticket-q", ticket.ticket_no)
    await page.press("#ticket-q", "Enter")
    await page.click(f'#ticket-rows tr[data-ticket="{ticket.ticket_no}"]')
    await page.locator("#td:not([hidden])").wait_for()
    title = console_text("page.pickups.title")
    assert title == "上门取件"
    assert await page.locator("#td h3", has_text=title).is_visible()
    shown = page.locator(f'#td-pickups [data-pickup="{booked.id}"]')
    await shown.wait_for()
    text = await shown.inner_text()
    assert window in text and "09:00–11:00" in text and "明天" in text
    assert "广东省深圳市南山区科苑路15号3栋201" in text
    assert policy.status_name("booked") in text and "已预约" in text
    assert console_text("page.pickups.order", order="SF1234567890") in text
    assert console_text("page.pickups.to_send.book") not in text  # nothing waits for the courier
    assert "page." not in await page.inner_text("#td")
    assert errors == []
