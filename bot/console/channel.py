"""The agent console on the Rasa port: ``/webhooks/console/`` (page) and ``.../api/`` (JSON).

A Rasa input channel only to be mounted next to the others: it gets the running Rasa agent
(tracker store, lock store, processor) from the Sanic app, and reaches users through the
channels they wrote on (:mod:`bot.channels.live`). Every API route needs a signed-in agent
(an HttpOnly session cookie, :mod:`bot.console.cookies`); every POST also needs the
``X-Requested-With`` header the console sends, which a cross-site form cannot, and an
``Origin`` that is the console's own or listed (:mod:`bot.console.guard`). Sign-ins are
throttled (:mod:`bot.console.throttle`); the proxy settings are applied to the Rasa app
when it starts (:mod:`bot.console.proxies`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog import load_catalogue
from bot.catalog.handoff import load_handoff_policy
from bot.console import accounts, conversations, cookies, guard, proxies
from bot.console import tickets as console_tickets
from bot.console.labels import user_label
from bot.console.throttle import Locked, SignInGate, masked_username
from bot.console.transcript import PHOTO_FILE
from bot.settings import get_settings
from bot.tickets import (
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotHeld,
    HandoffRecord,
    TicketStoreUnavailable,
    claim_handoff,
    end_handoff,
    get_handoff,
    get_ticket,
    list_held,
    list_queue,
    queue_position,
    session_scope,
)
from bot.tickets.agents import AgentNotFound, AgentRecord, get_agent_by_username
from bot.tickets.repository import normalize_ticket_no

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE = cookies.COOKIE
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "shouhou-console"
#: Header of the console's background polling, which does not count as activity.
BACKGROUND_HEADER = "x-console-background"
MAX_MESSAGE_CHARS = 2000
MAX_ROW_ID = 2**63 - 1
"""Largest row id a database integer key holds (SQLite and PostgreSQL ``bigint``)."""
_STATIC = {
    "console.js": "application/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
T = TypeVar("T")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(body, status=status, headers=headers, ensure_ascii=False)


def _error(code: str, status: int) -> HTTPResponse:
    return _json({"error": code}, status)


async def _db(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction, in a thread (the store is synchronous)."""

    def run() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


def _agent_json(agent: AgentRecord) -> dict[str, str]:
    return {"username": agent.username, "display_name": agent.display_name}


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
        """The page, its assets and the JSON API."""
        bp = Blueprint("agent_console", __name__)
        routes: list[tuple[Callable[..., Awaitable[HTTPResponse]], str, str]] = [
            (self._page, "/", "GET"),
            (self._asset, "/<name:str>", "GET"),
            (self._login, "/api/login", "POST"),
            (self._signed_in(self._logout), "/api/logout", "POST"),
            (self._signed_in(self._me), "/api/me", "GET"),
            (self._signed_in(self._choices), "/api/choices", "GET"),
            (self._signed_in(self._queue), "/api/queue", "GET"),
            (self._signed_in(self._claim), "/api/handoffs/<handoff_id:int>/claim", "POST"),
            (
                self._signed_in(self._transcript),
                "/api/handoffs/<handoff_id:int>/transcript",
                "GET",
            ),
            (self._signed_in(self._send), "/api/handoffs/<handoff_id:int>/messages", "POST"),
            (self._signed_in(self._return), "/api/handoffs/<handoff_id:int>/return", "POST"),
            (self._signed_in(self._close), "/api/handoffs/<handoff_id:int>/close", "POST"),
            (self._signed_in(self._ticket), "/api/handoffs/<handoff_id:int>/ticket", "POST"),
            (self._signed_in(self._photo), "/api/photos/<name:str>", "GET"),
            (self._signed_in(self._tickets), "/api/tickets", "GET"),
            (self._signed_in(self._ticket_detail), "/api/tickets/<ticket_no:str>", "GET"),
            (
                self._signed_in(self._ticket_status),
                "/api/tickets/<ticket_no:str>/status",
                "POST",
            ),
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

    def _signed_in(
        self, handler: Callable[..., Awaitable[HTTPResponse]]
    ) -> Callable[..., Awaitable[HTTPResponse]]:
        async def guarded(request: Request, **kwargs: Any) -> HTTPResponse:
            if request.method == "POST" and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
                return _error("csrf", 403)
            token = request.cookies.get(COOKIE)
            active = request.headers.get(BACKGROUND_HEADER) != "1"
            try:
                agent = (
                    await asyncio.to_thread(accounts.agent_for_token, token, active=active)
                    if token
                    else None
                )
            except TicketStoreUnavailable:
                return _error("store_unavailable", 503)
            if agent is None:
                return _error("not_signed_in", 401)
            handoff_id = kwargs.get("handoff_id")
            if handoff_id is not None and not 0 < handoff_id <= MAX_ROW_ID:
                return _error("not_found", 404)  # no such row (and no 64-bit overflow)
            try:
                return await handler(request, agent, **kwargs)
            except TicketStoreUnavailable:
                logger.exception("console: ticket store unavailable")
                return _error("store_unavailable", 503)

        return guarded

    async def _login(self, request: Request) -> HTTPResponse:
        if request.headers.get(CSRF_HEADER) != CSRF_VALUE:
            return _error("csrf", 403)
        body = request.json if isinstance(request.json, dict) else {}
        username, password = str(body.get("username") or ""), str(body.get("password") or "")
        address = proxies.client_address(request)
        try:
            signed = await self._gate.sign_in(username, password, address)
        except TicketStoreUnavailable:
            return _error("store_unavailable", 503)
        if isinstance(signed, Locked):
            logger.warning(
                "console: sign-in refused, user %s or %s locked for %d s",
                masked_username(username),
                address,
                signed.retry_after,
            )
            return _json(
                {"error": "too_many_attempts", "retry_after": signed.retry_after},
                429,
                headers={"Retry-After": str(signed.retry_after)},
            )
        if signed is None:
            logger.info(
                "console: failed sign-in, user %s, from %s", masked_username(username), address
            )
            return _error("invalid_credentials", 401)
        agent, token = signed
        reply = _json({"agent": _agent_json(agent)})
        cookies.set_session(reply, request, token, int(accounts.SESSION_TTL.total_seconds()))
        return reply

    async def _logout(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        await asyncio.to_thread(accounts.sign_out, request.cookies.get(COOKIE) or "")
        reply = _json({"ok": True})
        cookies.clear_session(reply, request)
        return reply

    async def _me(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        return _json({"agent": _agent_json(agent)})

    async def _choices(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        cat = load_catalogue()
        return _json(
            {
                "fault_categories": [{"id": f.id, "name": f.name} for f in cat.faults],
                "service_types": [{"id": t.id, "name": t.name} for t in cat.service_types],
                "statuses": console_tickets.status_choices(),
            }
        )

    # --- the page ---------------------------------------------------------------------------

    async def _page(self, request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):  # relative asset and API paths need the slash
            return response.redirect(request.path + "/")
        return await response.file(
            STATIC_DIR / "index.html",
            mime_type="text/html; charset=utf-8",
            headers=_page_headers(),
        )

    async def _asset(self, request: Request, name: str) -> HTTPResponse:
        if name == "":  # Sanic routes ".../console/" here
            return await self._page(request)
        if name not in _STATIC:
            return _error("not_found", 404)
        return await response.file(
            STATIC_DIR / name, mime_type=_STATIC[name], headers={"Cache-Control": "no-cache"}
        )

    # --- handoffs ---------------------------------------------------------------------------

    @staticmethod
    def _handoff_dict(session: Session, handoff: HandoffRecord) -> dict[str, Any]:
        agent = None
        if handoff.agent_username:
            found = get_agent_by_username(session, username=handoff.agent_username)
            agent = {
                "username": handoff.agent_username,
                "display_name": found[0].display_name if found else handoff.agent_username,
            }
        return {
            "id": handoff.id,
            "sender_id": handoff.sender_id,
            "user_label": user_label(handoff.sender_id),
            "channel": handoff.channel,
            "reason": handoff.reason,
            "reason_label": load_handoff_policy().label(handoff.reason),
            "status": handoff.status,
            "created_at": handoff.created_at.isoformat(),
            "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
            "agent": agent,
            "position": (
                queue_position(session, handoff_id=handoff.id)
                if handoff.status == "queued"
                else None
            ),
            "summary": handoff.summary,
        }

    async def _queue(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        def work(session: Session) -> dict[str, Any]:
            return {
                "queued": [self._handoff_dict(session, h) for h in list_queue(session)],
                "mine": [
                    self._handoff_dict(session, h) for h in list_held(session, agent_id=agent.id)
                ],
            }

        return _json(await _db(work))

    async def _visible(self, agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
        """The handoff if this agent may see it: queued, or held by them."""
        try:
            handoff = await _db(partial(_get, handoff_id=handoff_id))
        except HandoffNotFound:
            return None
        if handoff.status == "queued" or handoff.agent_username == agent.username:
            return handoff
        return None

    async def _held(self, agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
        handoff = await self._visible(agent, handoff_id)
        if handoff is None or handoff.status != "active":
            return None
        return handoff

    async def _claim(self, request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
        def work(session: Session) -> dict[str, Any]:
            claimed = claim_handoff(session, handoff_id=handoff_id, agent_id=agent.id)
            return self._handoff_dict(session, claimed)

        try:
            claimed = await _db(work)
        except HandoffNotFound:
            return _error("not_found", 404)
        except HandoffAlreadyClaimed:
            return _error("already_claimed", 409)
        except AgentNotFound:  # disabled since the session was checked
            return _error("not_signed_in", 401)
        await conversations.announce_agent(
            request.app.ctx.agent, claimed["sender_id"], claimed["channel"], _agent_json(agent)
        )
        return _json(claimed)

    async def _transcript(
        self, request: Request, agent: AgentRecord, handoff_id: int
    ) -> HTTPResponse:
        handoff = await self._visible(agent, handoff_id)
        if handoff is None:
            return _error("not_found", 404)
        try:
            after = int(request.args.get("after", "-1"))
        except ValueError:
            after = -1
        found = await conversations.conversation(request.app.ctx.agent, handoff.sender_id, after)
        return _json({"events": found["events"], "status": handoff.status})

    async def _send(self, request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
        handoff = await self._held(agent, handoff_id)
        if handoff is None:
            return _error("not_held", 409)
        body = request.json if isinstance(request.json, dict) else {}
        text = str(body.get("text") or "").strip()[:MAX_MESSAGE_CHARS]
        if not text:
            return _error("empty", 400)
        delivered = await conversations.say_as_agent(
            request.app.ctx.agent, handoff.sender_id, handoff.channel, text, _agent_json(agent)
        )
        event = {"kind": "agent", "text": text, "agent_name": agent.display_name}
        return _json({"event": event, "delivered": delivered}, 201)

    async def _end(
        self, request: Request, agent: AgentRecord, handoff_id: int, outcome: str
    ) -> HTTPResponse:
        handoff = await self._held(agent, handoff_id)
        if handoff is None:
            return _error("not_held", 409)

        def work(session: Session) -> dict[str, Any]:
            ended = end_handoff(session, handoff_id=handoff_id, agent_id=agent.id, outcome=outcome)
            return self._handoff_dict(session, ended)

        try:
            ended = await _db(work)
        except HandoffNotHeld:
            return _error("not_held", 409)
        rasa_agent = request.app.ctx.agent
        if outcome == "returned":
            await conversations.hand_back(rasa_agent, handoff.sender_id, handoff.channel)
        else:
            await conversations.close(rasa_agent, handoff.sender_id, handoff.channel)
        return _json(ended)

    async def _return(self, request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
        return await self._end(request, agent, handoff_id, "returned")

    async def _close(self, request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
        return await self._end(request, agent, handoff_id, "closed")

    async def _ticket(self, request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
        handoff = await self._held(agent, handoff_id)
        if handoff is None:
            return _error("not_held", 409)
        body = request.json if isinstance(request.json, dict) else {}
        responses = request.app.ctx.agent.domain.responses
        values, errors = console_tickets.check_ticket_form(body, responses)
        if errors:
            return _json({"errors": errors}, 422)

        def work(session: Session) -> tuple[str, bool]:
            ticket, created = console_tickets.submit_ticket(
                session,
                handoff_id=handoff.id,
                sender_id=handoff.sender_id,
                channel=handoff.channel,
                values=values,
            )
            return ticket.ticket_no, created

        ticket_no, created = await _db(work)
        return _json({"ticket_no": ticket_no, "created": created}, 201 if created else 200)

    async def _photo(self, request: Request, agent: AgentRecord, name: str) -> HTTPResponse:
        """A user's photo from the upload store (agents only; names of the store's shape)."""
        path = get_settings().var_dir / "uploads" / name
        if not PHOTO_FILE.match(name) or not path.is_file():
            return _error("not_found", 404)
        mime = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[name[33:]]
        return await response.file(
            path, mime_type=mime, headers={"X-Content-Type-Options": "nosniff"}
        )

    # --- tickets ----------------------------------------------------------------------------

    async def _tickets(self, request: Request, agent: AgentRecord) -> HTTPResponse:
        query = str(request.args.get("q", ""))[:64]

        def work(session: Session) -> list[dict[str, Any]]:
            found = console_tickets.search_tickets(session, query)
            return [console_tickets.ticket_summary(t) for t in found]

        return _json({"tickets": await _db(work)})

    async def _ticket_detail(
        self, request: Request, agent: AgentRecord, ticket_no: str
    ) -> HTTPResponse:
        def work(session: Session) -> dict[str, Any] | None:
            ticket = get_ticket(session, ticket_no=normalize_ticket_no(ticket_no))
            return None if ticket is None else console_tickets.ticket_detail(session, ticket)

        detail = await _db(work)
        if detail is None:
            return _error("not_found", 404)
        return _json({"ticket": detail, "statuses": console_tickets.status_choices()})

    async def _ticket_status(
        self, request: Request, agent: AgentRecord, ticket_no: str
    ) -> HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}

        def work(session: Session) -> tuple[dict[str, Any] | None, dict[str, str]]:
            number = normalize_ticket_no(ticket_no)
            if get_ticket(session, ticket_no=number) is None:
                return None, {"ticket": "not_found"}
            ticket, errors = console_tickets.change_status(session, number, body, agent.username)
            if ticket is None:
                return None, errors
            return console_tickets.ticket_detail(session, ticket), {}

        detail, errors = await _db(work)
        if errors.get("ticket") == "not_found":
            return _error("not_found", 404)
        if errors:
            return _json({"errors": errors}, 422)
        return _json({"ticket": detail})


def _route(
    handler: Callable[..., Awaitable[HTTPResponse]],
) -> Callable[..., Awaitable[HTTPResponse]]:
    """A plain function for Sanic, which marks its handlers (bound methods cannot be)."""

    async def route(request: Request, **kwargs: Any) -> HTTPResponse:
        return await handler(request, **kwargs)

    return route


def _get(session: Session, *, handoff_id: int) -> HandoffRecord:
    return get_handoff(session, handoff_id=handoff_id)


def _page_headers() -> dict[str, str]:
    return {
        "Cache-Control": "no-cache",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'"
        ),
    }
