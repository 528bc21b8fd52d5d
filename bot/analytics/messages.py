"""Broker messages to events: decoding, refusal of malformed bodies, idempotency keys.

Rasa's pika broker publishes each event as the JSON of ``Event.as_dict()`` with the
conversation's ``sender_id`` added. A message that is not that (bad UTF-8 or JSON, not an
object, no usable ``sender_id`` or ``event``) is :class:`MalformedMessage`.

A message's key is the SHA-256 of its body. RabbitMQ redelivers a message unchanged (a
consumer stopped after storing it, before acknowledging it), and Rasa serialises an event
once, with its own timestamp (and a user message with its id), so one key is one event:
two events only share a key if they are equal to the microsecond, which makes no
difference to what they say.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

#: Longest conversation id stored (``sender_id`` columns of the ticket database).
SENDER_ID_MAX = 255


class MalformedMessage(ValueError):
    """A broker message that is not a Rasa event of a conversation."""


@dataclass(frozen=True)
class BrokerEvent:
    """One event as published by Rasa.

    Attributes:
        key: The idempotency key (SHA-256 hex of the message body).
        sender_id: The conversation.
        event: The event dictionary (``sender_id`` included, as published).
    """

    key: str
    sender_id: str
    event: dict[str, Any]


def message_key(body: bytes) -> str:
    """The idempotency key of a message body."""
    return hashlib.sha256(body).hexdigest()


def decode_message(body: bytes) -> BrokerEvent:
    """Read a broker message body.

    Args:
        body: The message body.

    Returns:
        The event and its key.

    Raises:
        MalformedMessage: The body is not a Rasa event of a conversation; the text says why
            (without the body, which may hold what the user typed).
    """
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedMessage("body is not UTF-8") from exc
    except ValueError as exc:  # json.JSONDecodeError
        raise MalformedMessage("body is not JSON") from exc
    if not isinstance(value, dict):
        raise MalformedMessage(f"body is a JSON {type(value).__name__}, not an object")
    sender_id = value.get("sender_id")
    if not isinstance(sender_id, str) or not sender_id:
        raise MalformedMessage("no sender_id")
    if len(sender_id) > SENDER_ID_MAX:
        raise MalformedMessage(f"sender_id longer than {SENDER_ID_MAX} characters")
    if not isinstance(value.get("event"), str):
        raise MalformedMessage("no event type")
    return BrokerEvent(key=message_key(body), sender_id=sender_id, event=value)
