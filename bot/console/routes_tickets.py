"""Console routes of tickets: the form's fields and choices, search, details, status changes."""

from __future__ import annotations

from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.ticket_fields import load_ticket_field_texts
from bot.console import quotes as console_quotes
from bot.console import tickets as console_tickets
from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.console.texts import console_text
from bot.tickets import get_ticket
from bot.tickets.agents import AgentRecord
from bot.tickets.checks import normalize_ticket_no
from bot.tickets.quotes import QuoteConflict

MAX_QUERY_CHARS = 64


async def ticket_fields(request: Request, agent: AgentRecord) -> HTTPResponse:
    """The ticket form's fields in display order, and the first option of an empty select."""
    return json_reply(
        {
            "fields": console_tickets.form_field_specs(),
            "choose": load_ticket_field_texts().choose,
        }
    )


async def search(request: Request, agent: AgentRecord) -> HTTPResponse:
    """Tickets by ticket number, phone or IMEI (``?q=``), identifiers masked."""
    query = str(request.args.get("q", ""))[:MAX_QUERY_CHARS]

    def work(session: Session) -> list[dict[str, Any]]:
        found = console_tickets.search_tickets(session, query)
        return [console_tickets.ticket_summary(t) for t in found]

    return json_reply({"tickets": await in_session(work)})


async def detail(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """One ticket with its history, and the statuses an agent can set."""

    def work(session: Session) -> dict[str, Any] | None:
        ticket = get_ticket(session, ticket_no=normalize_ticket_no(ticket_no))
        return None if ticket is None else console_tickets.ticket_detail(session, ticket)

    found = await in_session(work)
    if found is None:
        return error_reply("not_found", 404)
    return json_reply({"ticket": found, "statuses": console_tickets.status_choices()})


async def change_status(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """A new status (with a note, or a courier and tracking number), recorded as the agent's."""
    body = json_body(request)

    def work(session: Session) -> tuple[dict[str, Any] | None, dict[str, str]]:
        number = normalize_ticket_no(ticket_no)
        if get_ticket(session, ticket_no=number) is None:
            return None, {"ticket": "not_found"}
        ticket, errors = console_tickets.change_status(session, number, body, agent.username)
        if ticket is None:
            return None, errors
        return console_tickets.ticket_detail(session, ticket), {}

    changed, errors = await in_session(work)
    if errors.get("ticket") == "not_found":
        return error_reply("not_found", 404)
    if errors:
        return json_reply({"errors": errors}, 422)
    return json_reply({"ticket": changed})


async def quotes(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """A ticket's repair quotes, newest first, and the catalogue's parts (``GET .../quotes``)."""

    def work(session: Session) -> dict[str, Any] | None:
        ticket = get_ticket(session, ticket_no=normalize_ticket_no(ticket_no))
        return None if ticket is None else console_quotes.ticket_quotes(session, ticket)

    found = await in_session(work)
    if found is None:
        return error_reply("not_found", 404)
    return json_reply(found)


async def set_quote(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """A new repair quote set by the agent; the owner is told (``POST .../quote``)."""
    body = json_body(request)

    def work(session: Session) -> tuple[dict[str, Any] | None, dict[str, str]]:
        ticket = get_ticket(session, ticket_no=normalize_ticket_no(ticket_no))
        if ticket is None:
            return None, {"ticket": "not_found"}
        quote, errors = console_quotes.set_ticket_quote(session, ticket, body, agent.username)
        if quote is None:
            return None, errors
        return console_quotes.ticket_quotes(session, ticket), {}

    try:
        done, errors = await in_session(work)
    except QuoteConflict:  # another agent set a quote at the same moment; nothing stored
        return json_reply({"errors": {"quote": console_text("api.quote_conflict")}}, 409)
    if errors.get("ticket") == "not_found":
        return error_reply("not_found", 404)
    if errors:
        return json_reply({"errors": errors}, 422)
    return json_reply(done)
