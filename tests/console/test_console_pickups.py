"""The console's view of a ticket's courier pickups (``GET api/tickets/<no>/pickups``)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.console import accounts
from bot.tickets import TicketDraft, create_ticket, session_scope
from bot.tickets.pickups import PickupPlace, book_pickup, record_courier_failure
from tests.console.conftest import Server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


@pytest.fixture
def agent() -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)


def _ticket_with_pickup() -> str:
    with session_scope() as session:
        ticket, _ = create_ticket(
            session,
            TicketDraft(
                intake_id="pickup-1",
                sender_id="s-1",
                channel="wechat",
                device_model_id="oneplus-12",
                serial_number=None,
                purchase_date=None,
                warranty_status="to_verify",
                fault_category="screen",
                fault_description="屏幕有绿线",
                service_type="mail_in",
                city=None,
                contact_phone="13912345678",
            ),
        )
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
