"""Broker message bodies: Rasa's events read, anything else refused with a reason."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.analytics.messages import SENDER_ID_MAX, MalformedMessage, decode_message
from tests.analytics import dialogues as d


def test_a_rasa_event_is_read_with_its_key() -> None:
    body = d.repair_with_ticket("owner", "R20261122-0001").bodies()[5]
    raw = json.dumps(body).encode("utf-8")
    event = decode_message(raw)
    assert (event.sender_id, event.event) == ("owner", body)
    assert event.key == hashlib.sha256(raw).hexdigest()
    # The same body delivered again has the same key; another event another one.
    assert decode_message(raw).key == event.key
    other = json.dumps(d.repair_with_ticket("owner", "R1").bodies()[5]).encode("utf-8")
    assert decode_message(other).key != event.key


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "JSON list"),
        (b'"text"', "JSON str"),
        (b'{"event": "user"}', "no sender_id"),
        (b'{"sender_id": "", "event": "user"}', "no sender_id"),
        (b'{"sender_id": 42, "event": "user"}', "no sender_id"),
        (json.dumps({"sender_id": "x" * (SENDER_ID_MAX + 1), "event": "user"}).encode(), "longer"),
        (b'{"sender_id": "a"}', "no event type"),
        (b'{"sender_id": "a", "event": 3}', "no event type"),
    ],
)
def test_anything_else_is_malformed(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        decode_message(body)
