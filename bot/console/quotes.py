"""Repair quotes in the console: a ticket's quotes as JSON, and an agent setting a new one.

Agents type parts as a name and an amount in yuan; a name that is a part of the price
catalogue (``屏幕``) takes the catalogue's name. The catalogue's reference prices for the
ticket's device are offered as suggestions. The owner's decision is taken in chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from bot.catalog.prices import load_prices
from bot.console.texts import console_text
from bot.intake.quote_parts import catalogued_part, parse_yuan
from bot.tickets import TicketRecord
from bot.tickets.quotes import (
    MAX_PARTS,
    PART_NAME_MAX,
    QuoteNotAllowed,
    QuotePart,
    QuoteRecord,
    format_yuan,
    list_quotes,
    set_quote,
)

#: Longest note an agent may keep with a quote (characters).
NOTE_MAX = 500


def quote_json(quote: QuoteRecord) -> dict[str, Any]:
    """One quote as the console shows it (amounts in yuan, as text)."""
    return {
        "id": quote.id,
        "status": quote.status,
        "currency": quote.currency,
        "parts": [
            {"name": part.name, "part_id": part.part_id, "amount": format_yuan(part.amount_fen)}
            for part in quote.parts
        ],
        "labour": format_yuan(quote.labour_fen),
        "total": format_yuan(quote.total_fen),
        "note": quote.note,
        "set_by": quote.set_by,
        "set_at": quote.set_at.isoformat(),
        "decided_at": quote.decided_at.isoformat() if quote.decided_at else None,
        "decided_via": quote.decided_via,
        "decided_by": quote.decided_by,
    }


def catalogue_parts(ticket: TicketRecord) -> list[dict[str, Any]]:
    """The price catalogue's parts with their reference price for the ticket's device."""
    prices = load_prices()
    parts = []
    for part in prices.parts:
        reference = prices.quote(ticket.device_model_id, part.id)
        parts.append(
            {
                "id": part.id,
                "name": part.name,
                "price": str(reference.price_yuan) if reference else None,
            }
        )
    return parts


def ticket_quotes(session: Session, ticket: TicketRecord) -> dict[str, Any]:
    """A ticket's quotes, newest first, and the catalogue's parts for the quote form."""
    quotes = list_quotes(session, ticket_no=ticket.ticket_no)
    return {
        "quotes": [quote_json(q) for q in reversed(quotes)],
        "parts": catalogue_parts(ticket),
    }


def _parts(raw: Any) -> tuple[list[QuotePart], str | None]:
    """The parts of a request body, or the error of the ``parts`` field."""
    if not isinstance(raw, list) or len(raw) > MAX_PARTS:
        return [], console_text("api.quote_parts_invalid")
    parts = []
    for item in raw:
        entry = item if isinstance(item, Mapping) else {}
        name, amount = str(entry.get("name") or "").strip(), str(entry.get("amount") or "")
        if not name and not amount.strip():
            continue  # an empty row of the form
        if not name or len(name) > PART_NAME_MAX:
            return [], console_text("api.quote_part_name")
        try:
            fen = parse_yuan(amount)
        except ValueError:
            return [], console_text("api.quote_amount_invalid")
        part_id, shown = catalogued_part(name)
        parts.append(QuotePart(name=shown, amount_fen=fen, part_id=part_id))
    return parts, None


def set_ticket_quote(
    session: Session, ticket: TicketRecord, body: Mapping[str, Any], agent_username: str
) -> tuple[QuoteRecord | None, dict[str, str]]:
    """Set a ticket's quote as an agent (the owner is told and decides in chat).

    Returns:
        The new pending quote, or ``None`` and the errors by field.
    """
    errors: dict[str, str] = {}
    parts, parts_error = _parts(body.get("parts", []))
    if parts_error:
        errors["parts"] = parts_error
    try:
        labour = parse_yuan(str(body.get("labour") or "0"))
    except ValueError:
        errors["labour"] = console_text("api.quote_amount_invalid")
    note = str(body.get("note") or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        errors["note"] = console_text("api.quote_note_too_long", max=str(NOTE_MAX))
    if not errors and not parts and labour == 0:
        errors["parts"] = console_text("api.quote_empty")
    if errors:
        return None, errors
    try:
        quote = set_quote(
            session,
            ticket_no=ticket.ticket_no,
            parts=parts,
            labour_fen=labour,
            set_by=f"agent:{agent_username}",
            note=note,
        )
    except QuoteNotAllowed:
        return None, {"quote": console_text("api.quote_ticket_closed")}
    except ValueError:  # amounts out of range
        return None, {"parts": console_text("api.quote_amount_invalid")}
    return quote, {}
