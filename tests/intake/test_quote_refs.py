"""Which quote an owner's message is about (bot.intake.quote_refs)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.intake.quote_refs import (
    last_shown_quotes,
    parse_quote_id,
    payload_quote,
    quote_ref_in_text,
)

TICKET = "R20260520-0001"


@pytest.mark.parametrize(
    ("text", "quote_id"),
    [
        ("同意维修 #12", 12),
        ("同意维修#3057", 3057),
        ("同意维修 ＃ 27", 27),
        ("#903 同意维修", 903),
        ("同意维修", None),
        (f"{TICKET} 同意维修", None),  # a ticket number is not a quote
        ("同意维修 12", None),  # without the sign a number is not a quote
        ("同意维修 #0", None),
        ("", None),
    ],
)
def test_quote_ref_in_text(text: str, quote_id: int | None) -> None:
    assert quote_ref_in_text(text) == quote_id


@pytest.mark.parametrize(
    ("value", "quote_id"),
    [("12", 12), (12, 12), (" 7 ", 7), ("0", None), ("-1", None), ("abc", None), (None, None)],
)
def test_parse_quote_id(value: Any, quote_id: int | None) -> None:
    assert parse_quote_id(value) == quote_id


def test_payload_quote() -> None:
    both = '{"ticket_no": "r20260520-0001", "quote_id": "3"}'
    assert payload_quote(f"/approve_quote{both}") == (TICKET, 3)
    assert payload_quote(f"/decline_quote{both}") == (TICKET, 3)
    assert payload_quote(f'/approve_quote{{"ticket_no": "{TICKET}"}}') is None  # old buttons
    assert payload_quote(f"/affirm{both}") is None
    assert payload_quote("/approve_quote{not json}") is None
    assert payload_quote("同意维修") is None


def _bot(*payloads: str) -> dict[str, Any]:
    return {"event": "bot", "data": {"buttons": [{"payload": p} for p in payloads]}}


def test_last_shown_quotes_keeps_the_latest_per_ticket() -> None:
    other = "R20260521-0001"
    events = [
        _bot(f'/approve_quote{{"ticket_no": "{TICKET}", "quote_id": "1"}}'),
        {"event": "user", "text": f'/approve_quote{{"ticket_no": "{TICKET}", "quote_id": "9"}}'},
        _bot(f'/approve_quote{{"ticket_no": "{other}", "quote_id": "2"}}'),
        _bot("/affirm", "/deny"),
        {"event": "bot", "data": None},
        _bot(f'/decline_quote{{"ticket_no": "{TICKET}", "quote_id": "4"}}'),
    ]
    assert last_shown_quotes(events) == {TICKET: 4, other: 2}
    assert last_shown_quotes([]) == {}
