"""The agent console on the Rasa port: ``/webhooks/console/`` (page) and ``.../api/`` (JSON).

A Rasa input channel only to be mounted next to the others: it gets the running Rasa agent
(tracker store, lock store, processor) from the Sanic app, and reaches users through the
channels they wrote on (:mod:`bot.channels.live`). This module holds the sign-in and the route
table; the handlers are in :mod:`bot.console.routes_page` (page, ES modules, texts),
:mod:`bot.console.routes_handoffs` and :mod:`bot.console.routes_tickets`. Every API route but
the sign-in and the page's texts needs a signed-in agent (an HttpOnly session cookie,
:mod:`bot.console.cookies`); every POST also needs the
``X-Requested-With`` header the console sends, which a cross-site form cannot, and an
``Origin`` that is the console's own or listed (:mod:`bot.console.guard`). Sign-ins are
throttled (:mod:`bot.console.throttle`); the proxy settings are applied to the Rasa app
when it starts (:mod:`bot.console.proxies`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import accounts, cookies, guard, proxies
from bot.console import routes_canned as canned
from bot.console import routes_dashboard as dashboard
from bot.console import routes_handoffs as handoffs
from bot.console import routes_notes as notes
from bot.console import routes_notices as notices
from bot.console import routes_page as page
from bot.console import routes_pickups as pickups
from bot.console import routes_presence as presence
from bot.console import routes_supervisor as supervisor
from bot.console import routes_tickets as tickets
from bot.console import routes_transfer as transfer
from bot.console.replies import Handler, error_reply, json_body, json_reply
from bot.console.routes_handoffs import agent_json
from bot.console.routes_page import STATIC_DIR
from bot.console.throttle import Locked, SignInGate, masked_username
from bot.tickets import TicketStoreUnavailable
from bot.tickets.agents import AgentRecord, has_role

__all__ = ["COOKIE", "CSRF_VALUE", "STATIC_DIR", "ConsoleInput"]

logger = logging.getLogger(__name__)

COOKIE = cookies.COOKIE
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "shouhou-console"
#: Header of the console's background polling, which does not count as activity.
BACKGROUND_HEADER = "x-console-background"
MAX_ROW_ID = 2**63 - 1
"""Largest row id a database integer key holds (SQLite and PostgreSQL ``bigint``)."""


class ConsoleInput(InputChannel):  # type: ignore[misc]  # Rasa is untyped
    """The agent console; ``credentials.yml`` key ``console`` (no settings)."""

    @classmethod
    def name(cls) -> str:
        """URL prefix ``/webhooks/console``."""
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ConsoleInput:
        """No settings: accounts live in the ticket store (``python -m bot.console.cli``)."""
        return cls()

    def __init__(self) -> None:
        """A console with its own sign-in gate (one per Rasa worker)."""
        self._gate = SignInGate()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The page, its assets and texts, and the JSON API."""
        bp = Blueprint("agent_console", __name__)
        signed_in = self._signed_in
        handoff = "/api/handoffs/<handoff_id:int>"
        ticket = "/api/tickets/<ticket_no:str>"
        routes: list[tuple[Handler, str, str]] = [
            (page.page, "/", "GET"),
            (page.asset, "/<name:str>", "GET"),
            (page.module, "/js/<name:str>", "GET"),
            (page.texts, "/api/texts", "GET"),
            (self._login, "/api/login", "POST"),
            (signed_in(self._logout), "/api/logout", "POST"),
            (signed_in(self._me), "/api/me", "GET"),
            (signed_in(tickets.ticket_fields), "/api/ticket-fields", "GET"),
            (signed_in(handoffs.queue), "/api/queue", "GET"),
            (signed_in(handoffs.claim), f"{handoff}/claim", "POST"),
            (signed_in(handoffs.transcript), f"{handoff}/transcript", "GET"),
            (signed_in(handoffs.send), f"{handoff}/messages", "POST"),
            (signed_in(handoffs.hand_back), f"{handoff}/return", "POST"),
            (signed_in(handoffs.close), f"{handoff}/close", "POST"),
            (signed_in(handoffs.file_ticket), f"{handoff}/ticket", "POST"),
            (signed_in(handoffs.photo), "/api/photos/<name:str>", "GET"),
            (signed_in(tickets.search), "/api/tickets", "GET"),
            (signed_in(tickets.detail), ticket, "GET"),
            (signed_in(tickets.change_status), f"{ticket}/status", "POST"),
            (signed_in(tickets.quotes), f"{ticket}/quotes", "GET"),  # after-sales: quotes
            (signed_in(tickets.set_quote), f"{ticket}/quote", "POST"),
            (signed_in(notices.ticket_notices), f"{ticket}/notices", "GET"),
            (signed_in(pickups.ticket_pickups), f"{ticket}/pickups", "GET"),  # after-sales: pickup
            # agent tools: presence, supervisor view, notes, transfer, canned replies
            (signed_in(presence.get_presence), "/api/presence", "GET"),
            (signed_in(presence.post_presence), "/api/presence", "POST"),
            (signed_in(supervisor.supervisor, "supervisor"), "/api/supervisor", "GET"),
            (signed_in(notes.list_handoff_notes), f"{handoff}/notes", "GET"),
            (signed_in(notes.post_handoff_note), f"{handoff}/notes", "POST"),
            (signed_in(transfer.transfer), f"{handoff}/transfer", "POST"),
            (signed_in(canned.canned_replies), f"{handoff}/canned-replies", "GET"),
            (signed_in(notes.list_ticket_notes), f"{ticket}/notes", "GET"),
            (signed_in(notes.post_ticket_note), f"{ticket}/notes", "POST"),
            (signed_in(dashboard.dashboard, "manager"), "/api/dashboard", "GET"),
            (signed_in(dashboard.dashboard_file, "manager"), "/api/dashboard/<file:str>", "GET"),
        ]
        for uri in dict.fromkeys(uri for _, uri, _ in routes):  # preflights, refused or empty
            routes.append((guard.preflight, uri, "OPTIONS"))
        for handler, uri, method in routes:
            name = f"console_{method.lower()}_{uri.strip('/').replace('/', '_') or 'page'}"
            name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
            bp.add_route(_route(handler), uri, methods=[method], name=name)
        bp.middleware("request")(guard.check_origin)
        bp.middleware("response")(guard.filter_cors)
        bp.listener("before_server_start")(proxies.configure_app)
        return bp

    # --- authentication ---------------------------------------------------------------------

    def _signed_in(self, handler: Handler, role: str = "agent") -> Handler:
        """``handler`` behind sign-in (401), the CSRF header (403) and ``role`` (403)."""
        has_role("agent", role)  # an unknown role fails here, when the routes are built

        async def guarded(request: Request, **kwargs: Any) -> HTTPResponse:
            if request.method == "POST" and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
                return error_reply("csrf", 403)
            token = request.cookies.get(COOKIE)
            active = request.headers.get(BACKGROUND_HEADER) != "1"
            try:
                agent = (
                    await asyncio.to_thread(accounts.agent_for_token, token, active=active)
                    if token
                    else None
                )
            except TicketStoreUnavailable:
                return error_reply("store_unavailable", 503)
            if agent is None:
                return error_reply("not_signed_in", 401)
            if not has_role(agent.role, role):
                return error_reply("forbidden", 403)
            handoff_id = kwargs.get("handoff_id")
            if handoff_id is not None and not 0 < handoff_id <= MAX_ROW_ID:
                return error_reply("not_found", 404)  # no such row (and no 64-bit overflow)
            try:
                return await handler(request, agent, **kwargs)
            except TicketStoreUnavailable:
                logger.exception("console: ticket store unavailable")
                return error_reply("store_unavailable", 503)

        return guarded

    async def _login(self, request: Request) -> HTTPResponse:
        if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
            return error_reply("csrf", 403)
        body = json_body(request)
        username, password = str(body.get("username") or ""), str(body.get("password") or "")
        address = proxies.client_address(request)
        try:
            signed = await self._gate.sign_in(username, password, address)
        except TicketStoreUnavailable:
            return error_reply("store_unavailable", 503)
        if isinstance(signed, Locked):
            logger.warning(
                "console: sign-in refused, user %s or %s locked for %d s",
                masked_username(username),
                address,
                signed.retry_after,
            )
            return json_reply(
                {"error": "too_many_attempts", "retry_after": signed.retry_after},
                429,
                headers={"Retry-After": str(signed.retry_after)},
            )
        if signed is None:
            logger.info(
                "console: failed sign-in, user %s, from %s", masked_username(username), address
            )
            return error_reply("invalid_credentials", 401)
        agent, token = signed
        reply = json_reply({"agent": _signed_in_json(agent)})
        cookies.set_session(reply, request, token, int(accounts.SESSION_TTL.total_seconds()))
        return reply

    async def _logout(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        await asyncio.to_thread(accounts.sign_out, request.cookies.get(COOKIE) or "")
        reply = json_reply({"ok": True})
        cookies.clear_session(reply, request)
        return reply

    async def _me(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        return json_reply({"agent": _signed_in_json(agent)})


def _signed_in_json(agent: AgentRecord) -> dict[str, str]:
    """The signed-in agent as the page sees them: name and role (never sent to users)."""
    return {**agent_json(agent), "role": agent.role}


def _route(handler: Handler) -> Handler:
    """A plain function for Sanic, which marks its handlers (bound methods cannot be)."""

    async def route(request: Request, **kwargs: Any) -> HTTPResponse:
        return await handler(request, **kwargs)

    return route
