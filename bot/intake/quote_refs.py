"""Which repair quote an owner's message is about: pure helpers, no SDK or database.

A quote is pinned by its id so that an owner never decides on an amount they have not seen:
the approve / decline buttons carry ``quote_id`` next to ``ticket_no``, the ``quote_ready``
notice asks for a reply like ``同意维修 #12``, and a bare "同意维修" is about the quote last
shown in the conversation (the buttons of the bot's latest quote message for the ticket).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Intents whose button payloads name a quote (``/approve_quote{"ticket_no": .., "quote_id": ..}``).
QUOTE_INTENTS: tuple[str, ...] = ("approve_quote", "decline_quote")
#: A quote reference typed by the owner: ``#12`` (half- or full-width sign).
_QUOTE_REF = re.compile(r"[#＃]\s*([0-9]{1,9})(?![0-9])")
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_]+)(?P<entities>\{.*\})?$", re.DOTALL)


def parse_quote_id(value: object) -> int | None:
    """A positive quote id from an entity or slot value (``"12"``, ``12``), or ``None``."""
    if isinstance(value, bool):
        return None
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def quote_ref_in_text(text: str) -> int | None:
    """The quote id an owner typed (``同意维修 #12``), or ``None``."""
    match = _QUOTE_REF.search(text or "")
    return parse_quote_id(match.group(1)) if match else None


def payload_quote(payload: str) -> tuple[str, int] | None:
    """``(ticket_no, quote_id)`` of a quote button's payload, or ``None`` for other payloads."""
    match = _PAYLOAD.match((payload or "").strip())
    if match is None or match.group("intent") not in QUOTE_INTENTS:
        return None
    try:
        entities = json.loads(match.group("entities") or "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(entities, Mapping):
        return None
    ticket_no = str(entities.get("ticket_no") or "").strip().upper()
    quote_id = parse_quote_id(entities.get("quote_id"))
    return (ticket_no, quote_id) if ticket_no and quote_id is not None else None


def last_shown_quotes(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The quote last shown per ticket number, from the buttons of the bot's messages.

    Args:
        events: The conversation's events (dicts, oldest first), as a tracker holds them.
    """
    shown: dict[str, int] = {}
    for event in events:
        if event.get("event") != "bot":
            continue
        data = event.get("data")
        buttons = data.get("buttons") if isinstance(data, Mapping) else None
        for button in buttons or ():
            found = (
                payload_quote(str(button.get("payload") or ""))
                if isinstance(button, Mapping)
                else None
            )
            if found is not None:
                shown[found[0]] = found[1]
    return shown
