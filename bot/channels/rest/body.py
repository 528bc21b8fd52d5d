"""The body of a REST channel request, parsed and checked (pure: no Rasa or Sanic imports).

A request is ``{"sender": "<id>", "message": "<text>"}``; anything else the caller sends
(``metadata``, ``input_channel`` ...) is ignored. The conversation of a REST sender lives
under its own namespace, :data:`SENDER_NAMESPACE` + sender, so a REST caller can never
address a WeChat user's or a widget session's conversation, tickets or live agent chat.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

#: Prefix of every conversation id of the REST channel: ``rest:u1`` for the sender ``u1``.
SENDER_NAMESPACE = "rest:"
#: Longest sender id accepted (conversation ids are stored in 255 characters).
MAX_SENDER_CHARS = 128
#: Longest message accepted, in characters.
MAX_TEXT_CHARS = 4000
#: Largest request body read, in bytes (a message of MAX_TEXT_CHARS escaped characters fits).
MAX_BODY_BYTES = 64 * 1024

_SENDER = re.compile(r"[A-Za-z0-9_.:@+=-]+")
# C0 controls but tab, newline and carriage return; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BadRequest(ValueError):
    """The body is not a valid REST channel request; the message says why (for the caller)."""


@dataclass(frozen=True)
class RestMessage:
    """A checked REST request: the caller's sender id and the message text."""

    sender: str
    text: str

    @property
    def conversation_id(self) -> str:
        """The conversation the message belongs to, in the REST namespace."""
        return rest_sender_id(self.sender)


def rest_sender_id(sender: str) -> str:
    """The conversation id of the REST sender ``sender``."""
    return SENDER_NAMESPACE + sender


def _sender(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest("'sender' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not _SENDER.fullmatch(value):
        raise BadRequest("'sender' may only contain ASCII letters, digits and _ . : @ + = -")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("'message' must be a non-empty string")
    if len(value) > MAX_TEXT_CHARS:
        raise BadRequest(f"'message' must be at most {MAX_TEXT_CHARS} characters")
    if _CONTROL.search(value):
        raise BadRequest("'message' must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("'message' must be valid Unicode text") from None
    return value


def parse_body(raw: bytes) -> RestMessage:
    """The request in ``raw`` (a JSON object with ``sender`` and ``message``).

    Raises:
        BadRequest: The body is not such an object; the message names the problem.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON or UTF-8, too deep, huge numbers
        raise BadRequest('the body must be JSON: {"sender": "...", "message": "..."}') from None
    if not isinstance(data, dict):
        raise BadRequest('the body must be a JSON object: {"sender": "...", "message": "..."}')
    return RestMessage(sender=_sender(data.get("sender")), text=_text(data.get("message")))
