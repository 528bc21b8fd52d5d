"""Repair quotes in the console: an agent sets a quote, sees it and the owner's decision."""

from __future__ import annotations

from typing import Any

import pytest

from bot.console import accounts
from bot.console.quotes import set_ticket_quote, ticket_quotes
from bot.console.texts import console_text
from bot.tickets import get_ticket, session_scope, set_status
from bot.tickets.quotes import decide_quote, list_quotes
from tests.console.conftest import Server
from tests.console.test_console_page import console, sign_in
from tests.tickets.helpers import console_ticket

__all__ = ["console"]  # the page's fixture, used below (the browser: conftest)

PASSWORD = "correct horse battery"


def _ticket(device: str = "oneplus-12") -> str:
    ticket = console_ticket(
        device_model_id=device, warranty_status="out_of_warranty", fault_description="屏幕碎了"
    )
    return ticket.ticket_no


def _set(ticket_no: str, body: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    with session_scope() as session:
        ticket = get_ticket(session, ticket_no=ticket_no)
        assert ticket is not None
        return set_ticket_quote(session, ticket, body, "zhang")


# --------------------------------------------------------------------------- the API


@pytest.mark.anyio
async def test_quote_routes_are_for_signed_in_agents_with_the_console_header(
    server: Server,
) -> None:
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    body = {"parts": [{"name": "屏幕", "amount": "899"}], "labour": "100"}
    async with server.client() as user:
        assert await user.get(f"api/tickets/{ticket_no}/quotes") == (
            401,
            {"error": "not_signed_in"},
        )
        assert (await user.post(f"api/tickets/{ticket_no}/quote", body))[0] == 401
        await user.login("zhang", PASSWORD)
        status, answer = await user.post(f"api/tickets/{ticket_no}/quote", body, csrf=False)
        assert (status, answer) == (403, {"error": "csrf"})
    with session_scope() as session:
        assert list_quotes(session, ticket_no=ticket_no) == []


@pytest.mark.anyio
async def test_an_agent_sets_a_quote_and_sees_the_owners_decision(server: Server) -> None:
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        status, body = await zhang.get(f"api/tickets/{ticket_no}/quotes")
        assert status == 200 and body["quotes"] == []
        screen = next(p for p in body["parts"] if p["id"] == "screen")
        assert screen == {"id": "screen", "name": "屏幕总成", "price": "1399"}

        status, body = await zhang.post(
            f"api/tickets/{ticket_no}/quote",
            {
                "parts": [{"name": "屏幕", "amount": "899"}, {"name": "", "amount": ""}],
                "labour": "100.5",
                "note": "外屏内屏都碎",
            },
        )
        assert status == 200
        [quote] = body["quotes"]
        assert quote["status"] == "pending"
        assert quote["parts"] == [{"name": "屏幕总成", "part_id": "screen", "amount": "899"}]
        assert (quote["labour"], quote["total"], quote["note"]) == (
            "100.50",
            "999.50",
            "外屏内屏都碎",
        )
        assert quote["set_by"] == "agent:zhang"

        # The owner approves in chat; the console shows the decision.
        with session_scope() as session:
            decide_quote(
                session, ticket_no=ticket_no, decision="approve", via="chat", decided_by="user"
            )
        status, body = await zhang.get(f"api/tickets/{ticket_no}/quotes")
        [decided] = body["quotes"]
        assert (decided["status"], decided["decided_via"]) == ("approved", "chat")
        assert decided["decided_at"]
        status, detail = await zhang.get(f"api/tickets/{ticket_no}")
        assert detail["ticket"]["status"] == "repairing"
        assert "approved by the owner via chat" in detail["ticket"]["history"][-1]["note"]

        assert (await zhang.get("api/tickets/R20000101-0001/quotes"))[0] == 404
        assert (await zhang.post("api/tickets/R20000101-0001/quote", {"labour": "1"}))[0] == 404


@pytest.mark.anyio
async def test_a_declined_ticket_shows_returning_and_is_shipped_back(server: Server) -> None:
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        assert (await zhang.post(f"api/tickets/{ticket_no}/quote", {"labour": "50"}))[0] == 200
        with session_scope() as session:
            decide_quote(
                session, ticket_no=ticket_no, decision="decline", via="chat", decided_by="user"
            )
        status, detail = await zhang.get(f"api/tickets/{ticket_no}")
        assert status == 200
        ticket = detail["ticket"]
        assert (ticket["status"], ticket["status_name"]) == ("returning", "未维修，待退回")
        assert ticket["history"][-1]["status"] == "returning"
        # The status select offers it between repairing and ready.
        ids = [choice["id"] for choice in detail["statuses"]]
        assert ids[ids.index("repairing") + 1 : ids.index("ready")] == ["returning"]

        path = f"api/tickets/{ticket_no}/status"
        status, body = await zhang.post(path, {"status": "shipped_back"})
        assert status == 422 and "tracking_no" in body["errors"]
        status, _ = await zhang.post(path, {"status": "shipped_back", "tracking_no": "SF100"})
        assert status == 200
    with session_scope() as session:
        shipped = get_ticket(session, ticket_no=ticket_no)
        assert shipped is not None and shipped.status == "shipped_back"


@pytest.mark.anyio
async def test_a_new_quote_supersedes_and_bad_input_gets_field_errors(server: Server) -> None:
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    path = f"api/tickets/{ticket_no}/quote"
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        status, body = await zhang.post(path, {"parts": [{"name": "电池", "amount": "-1"}]})
        assert status == 422
        assert body["errors"] == {"parts": console_text("api.quote_amount_invalid")}
        assert (await zhang.post(path, {"labour": "50"}))[0] == 200
        status, body = await zhang.post(path, {"parts": [{"name": "电池", "amount": "249"}]})
        assert status == 200
        assert [q["status"] for q in body["quotes"]] == ["pending", "superseded"]  # newest first


# --------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"parts": "屏幕=899"}, {"parts": "api.quote_parts_invalid"}),
        ({"parts": [{"name": "屏幕", "amount": "abc"}]}, {"parts": "api.quote_amount_invalid"}),
        ({"parts": [{"name": "", "amount": "5"}]}, {"parts": "api.quote_part_name"}),
        ({"parts": [{"name": "屏" * 65, "amount": "5"}]}, {"parts": "api.quote_part_name"}),
        ({"parts": [{"name": "屏幕", "amount": "100001"}]}, {"parts": "api.quote_amount_invalid"}),
        ({"labour": "一百"}, {"labour": "api.quote_amount_invalid"}),
        ({"parts": [], "labour": "0"}, {"parts": "api.quote_empty"}),
        ({"labour": "5", "note": "备" * 501}, {"note": "api.quote_note_too_long"}),
    ],
)
def test_bad_quotes_are_refused_with_a_chinese_message(
    body: dict[str, Any], errors: dict[str, str]
) -> None:
    ticket_no = _ticket()
    quote, found = _set(ticket_no, body)
    assert quote is None
    assert found == {k: console_text(v, max="500") for k, v in errors.items()}
    with session_scope() as session:
        assert list_quotes(session, ticket_no=ticket_no) == []


def test_a_closed_ticket_gets_no_quote() -> None:
    ticket_no = _ticket()
    with session_scope() as session:
        set_status(session, ticket_no=ticket_no, status="completed", changed_by="staff")
    quote, errors = _set(ticket_no, {"labour": "50"})
    assert (quote, errors) == (None, {"quote": console_text("api.quote_ticket_closed")})


def test_an_unknown_device_has_no_reference_prices() -> None:
    ticket_no = _ticket()
    with session_scope() as session:
        ticket = get_ticket(session, ticket_no=ticket_no)
        assert ticket is not None
        parts = ticket_quotes(session, ticket)["parts"]
    assert all(part["price"] for part in parts)
    unknown = ticket.__class__(**{**ticket.__dict__, "device_model_id": "nokia-3310"})
    with session_scope() as session:
        assert {p["price"] for p in ticket_quotes(session, unknown)["parts"]} == {None}


# --------------------------------------------------------------------------- the page


@pytest.mark.anyio
@pytest.mark.slow
async def test_the_ticket_view_sets_a_quote_and_shows_the_decision(
    console: tuple[Any, list[str]],
) -> None:
    page, errors = console
    ticket_no = _ticket()
    await sign_in(page)
    await page.click("#tab-tickets")
    await page.fill("#ticket-q", ticket_no)
    await page.press("#ticket-q", "Enter")
    await page.click(f'#ticket-rows tr[data-ticket="{ticket_no}"]')
    await page.locator("#td:not([hidden])").wait_for()
    await page.locator("#td-quotes", has_text=console_text("page.quotes.empty")).wait_for()

    await page.fill("#qf-parts [name=part_name]", "屏幕总成")
    reference = console_text("page.quotes.reference", price="1399")
    await page.locator("#qf-parts", has_text=reference).wait_for()
    await page.fill("#qf-parts [name=part_amount]", "899")
    await page.click("#qf-add")
    await page.fill("#qf-parts .quote-part:nth-child(2) [name=part_name]", "排线")
    await page.fill("#qf-parts .quote-part:nth-child(2) [name=part_amount]", "abc")
    await page.fill("#qf-labour", "100")
    await page.click("#quote-submit")
    await page.locator("#quote-form-message:not([hidden])").wait_for()
    await page.fill("#qf-parts .quote-part:nth-child(2) [name=part_amount]", "12.5")
    await page.click("#quote-submit")
    pending = page.locator(
        "#td-quotes [data-quote]", has_text=console_text("page.quotes.status.pending")
    )
    await pending.wait_for()
    assert console_text("page.quotes.total", total="1011.50") in await pending.inner_text()
    with session_scope() as session:
        [quote] = list_quotes(session, ticket_no=ticket_no)
        assert (quote.total_fen, quote.set_by) == (101_150, "agent:zhang")
        decide_quote(
            session, ticket_no=ticket_no, decision="decline", via="chat", decided_by="user"
        )

    await page.click(f'#ticket-rows tr[data-ticket="{ticket_no}"]')
    declined = page.locator(
        "#td-quotes [data-quote]", has_text=console_text("page.quotes.status.declined")
    )
    await declined.wait_for()
    assert console_text("page.quotes.decision.declined") in await declined.inner_text()
    assert await page.inner_text("#td-status") == "未维修，待退回"
    assert "page." not in await page.inner_text("#td")
    assert errors == []


# --------------------------------------------------------------------------- review gaps


@pytest.mark.anyio
async def test_a_quote_set_at_the_same_moment_is_a_409_with_a_chinese_message(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pending quote is unseen by the lookup (as if another agent stored it meanwhile)."""
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    path = f"api/tickets/{ticket_no}/quote"
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        assert (await zhang.post(path, {"labour": "50"}))[0] == 200
        monkeypatch.setattr("bot.tickets.quotes._pending_row", lambda *args, **kwargs: None)
        status, body = await zhang.post(path, {"labour": "60"})
    assert status == 409
    assert body == {"errors": {"quote": console_text("api.quote_conflict")}}
    with session_scope() as session:
        quotes = list_quotes(session, ticket_no=ticket_no)
    assert [(q.status, q.labour_fen) for q in quotes] == [("pending", 5_000)]


@pytest.mark.anyio
async def test_a_quote_for_an_owner_who_opted_out_of_notices_is_shown(server: Server) -> None:
    from bot.tickets.optouts import opt_out

    ticket_no = _ticket()
    with session_scope() as session:
        opt_out(session, channel="wechat", sender_id="s-1")
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        assert (await zhang.post(f"api/tickets/{ticket_no}/quote", {"labour": "50"}))[0] == 200
        status, body = await zhang.get(f"api/tickets/{ticket_no}/quotes")
    assert status == 200
    [quote] = body["quotes"]
    assert (quote["status"], quote["total"]) == ("pending", "50")


@pytest.mark.anyio
async def test_a_returning_ticket_gets_a_new_quote_and_its_approval_starts_the_repair(
    server: Server,
) -> None:
    """The owner declined, then changed their mind: staff quote again, the owner approves."""
    ticket_no = _ticket()
    accounts.add_agent("zhang", "张三", PASSWORD)
    path = f"api/tickets/{ticket_no}/quote"
    async with server.client() as zhang:
        await zhang.login("zhang", PASSWORD)
        assert (await zhang.post(path, {"labour": "50"}))[0] == 200
        with session_scope() as session:
            decide_quote(
                session, ticket_no=ticket_no, decision="decline", via="chat", decided_by="user"
            )
        status, body = await zhang.post(path, {"labour": "40"})
        assert status == 200
        assert [q["status"] for q in body["quotes"]] == ["pending", "declined"]
        with session_scope() as session:
            decide_quote(
                session,
                ticket_no=ticket_no,
                decision="approve",
                via="chat",
                decided_by="user",
                quote_id=body["quotes"][0]["id"],
            )
        status, detail = await zhang.get(f"api/tickets/{ticket_no}")
    assert detail["ticket"]["status"] == "repairing"
    assert [h["status"] for h in detail["ticket"]["history"]][-2:] == ["returning", "repairing"]
