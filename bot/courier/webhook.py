"""The courier's event webhook on the Rasa port: ``POST /webhooks/courier/events``.

The courier reports what happened to a pickup::

    POST /webhooks/courier/events
    X-Courier-Timestamp: 1764752400
    X-Courier-Signature: <hex HMAC-SHA256 of "<timestamp>.<raw body>" under COURIER_WEBHOOK_SECRET>

    {"order_id": "SF1000000001", "event": "picked_up"}

``event`` is ``picked_up`` (collected from the owner), ``delivered`` (at the repair centre:
the ticket becomes ``received``) or ``failed`` (the courier could not collect). Answers:
``200 {"ok": true, "status": "<pickup status>"}``; ``401`` bad or old signature (or no
secret configured); ``400`` not such a body; ``404`` unknown order; ``503`` the ticket
store is down (the courier retries). A repeated event is answered 200 and changes nothing.
A Rasa input channel only so that it is mounted next to the others (``credentials.yml``
key ``courier``); it never starts a conversation.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.courier.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from bot.settings import get_settings
from bot.tickets import TicketStoreUnavailable, session_scope
from bot.tickets.pickups import COURIER_EVENTS, PickupNotFound, apply_courier_event


def authentic(request: Request) -> bool:
    """Whether the request is signed with ``COURIER_WEBHOOK_SECRET`` and recent."""
    settings = get_settings()
    return verify(
        settings.courier_webhook_secret,
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
        request.body or b"",
        now=time.time(),
        max_age=settings.courier_webhook_max_age,
    )


def parse_event(body: bytes) -> tuple[str, str] | None:
    """``(order_id, event)`` of a webhook body, or None when it is not one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    order_id, event = data.get("order_id"), data.get("event")
    if not isinstance(order_id, str) or not 0 < len(order_id.strip()) <= 64:
        return None
    if event not in COURIER_EVENTS:
        return None
    return order_id.strip(), str(event)


def _apply(order_id: str, event: str) -> str:
    with session_scope() as session:
        return apply_courier_event(session, order_id=order_id, event=event).status


async def events(request: Request) -> HTTPResponse:
    """Apply one signed courier event."""
    if not authentic(request):
        return response.json({"error": "signature"}, status=401)
    parsed = parse_event(request.body or b"")
    if parsed is None:
        return response.json({"error": "body"}, status=400)
    try:
        status = await asyncio.to_thread(_apply, *parsed)
    except PickupNotFound:
        return response.json({"error": "order"}, status=404)
    except TicketStoreUnavailable:
        return response.json({"error": "unavailable"}, status=503)
    return response.json({"ok": True, "status": status})


async def health(request: Request) -> HTTPResponse:
    """``GET /webhooks/courier/``."""
    return response.json({"status": "ok"})


class CourierEventsInput(InputChannel):  # type: ignore[misc]  # Rasa is untyped
    """The courier's event webhook; ``credentials.yml`` key ``courier`` (no settings)."""

    @classmethod
    def name(cls) -> str:
        """URL prefix ``/webhooks/courier``."""
        return "courier"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> CourierEventsInput:
        """No settings here: the secret is ``COURIER_WEBHOOK_SECRET``."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /`` and ``POST /events``."""
        bp = Blueprint("courier_webhook", __name__)
        bp.add_route(health, "/", methods=["GET"], name="courier_health")
        bp.add_route(events, "/events", methods=["POST"], name="courier_events")
        return bp
