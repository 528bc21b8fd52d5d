"""The REST channel as a server-to-server channel (Rasa's ``RestInput``, locked).

- With ``REST_TOKEN`` set, every request carries ``Authorization: Bearer <REST_TOKEN>``
  (401 otherwise). In ``ENVIRONMENT=production`` the channel answers 403 until a token is set;
  in development and test, without a token, it is open (the ``curl`` of docs/channels.md).
- The token is checked before the body is read; the body is read up to
  :data:`~bot.channels.rest.body.MAX_BODY_BYTES` (413 above) and checked
  (:func:`~bot.channels.rest.body.parse_body`, 400 with a JSON error when bad).
- The conversation id is ``rest:<sender>``: a REST caller cannot speak as a WeChat user or a
  widget session. The caller's ``metadata`` and ``input_channel`` are ignored: messages come
  from the input channel ``rest`` with no metadata.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from bot.channels.rest.body import MAX_BODY_BYTES, BadRequest, parse_body
from bot.runtime.bearer import bearer_token, token_matches
from bot.runtime.request_limits import read_body, too_large

logger = logging.getLogger(__name__)

OFF_IN_PRODUCTION = (
    "the REST channel is off in production until REST_TOKEN is set "
    "(it is a server-to-server channel)"
)


def error(message: str, status: int, **headers: str) -> HTTPResponse:
    """A JSON error answer."""
    return response.json({"error": message}, status=status, headers=headers or None)


class ServerRestInput(RestInput):  # type: ignore[misc]  # Rasa is untyped
    """Rasa's REST channel for trusted servers: token, checked body, namespaced senders."""

    def __init__(self, token: str = "", enabled: bool = True) -> None:
        """A channel requiring ``token`` (none: open) that answers 403 unless ``enabled``."""
        self.token = token
        self.enabled = enabled

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ServerRestInput:
        """The channel configured by the settings (``REST_TOKEN``, ``ENVIRONMENT``)."""
        from bot.settings import get_settings

        settings = get_settings()
        token = settings.rest_token
        if settings.environment == "production" and not token:
            logger.warning("REST channel off: ENVIRONMENT=production and REST_TOKEN is not set")
            return cls(token="", enabled=False)
        if not token:
            logger.warning("REST channel open without a token (set REST_TOKEN to require one)")
        return cls(token=token)

    def refusal(self, request: Request) -> HTTPResponse | None:
        """The answer to a caller that may not use the channel, or ``None``."""
        if not self.enabled:
            return error(OFF_IN_PRODUCTION, 403)
        if self.token and not token_matches(
            bearer_token(request.headers.get("authorization")), self.token
        ):
            return error(
                "missing or wrong token: send Authorization: Bearer <REST_TOKEN>",
                401,
                **{"WWW-Authenticate": 'Bearer realm="rest"'},
            )
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /`` (health) and ``POST /webhook``, under ``/webhooks/rest/``."""
        bp = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def receive(request: Request) -> BaseHTTPResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            try:
                message = parse_body(await read_body(request, MAX_BODY_BYTES))
            except PayloadTooLarge:
                return too_large(MAX_BODY_BYTES)
            except BadRequest as exc:
                return error(str(exc), 400)
            sender, text = message.conversation_id, message.text
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, self.name(), None),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name())
                )
            except asyncio.CancelledError:
                logger.error("REST message of %s timed out", sender)
            except Exception:
                logger.exception("REST message of %s failed", sender)
            return response.json(collector.messages)

        bp.add_route(health, "/", methods=["GET"])
        bp.add_route(receive, "/webhook", methods=["POST"], stream=True)  # read after the token
        return bp
