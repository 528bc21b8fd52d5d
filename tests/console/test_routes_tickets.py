"""The ticket form's fields as the console's API hands them to the page."""

from __future__ import annotations

import pytest

from bot.catalog.ticket_fields import load_ticket_field_texts
from bot.console import accounts
from tests.console.conftest import Server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


async def test_the_ticket_fields_are_for_signed_in_agents(server: Server) -> None:
    from bot.console.tickets import form_field_specs

    accounts.add_agent("zhang", "张三", PASSWORD)
    async with server.client() as agent:
        assert await agent.get("api/ticket-fields") == (401, {"error": "not_signed_in"})
        await agent.login("zhang", PASSWORD)
        status, body = await agent.get("api/ticket-fields")
    assert status == 200
    assert body == {"fields": form_field_specs(), "choose": load_ticket_field_texts().choose}
    names = [field["name"] for field in body["fields"]]
    assert names[:3] == ["device_model", "serial_number", "purchase_date"]
