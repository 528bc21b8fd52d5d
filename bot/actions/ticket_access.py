"""Which tickets a conversation may see: its own, and those whose contact phone it gave."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.actions.common import latest_entity, latest_text
from bot.intake import parse_mobile
from bot.tickets import TicketRecord, get_ticket
from bot.tickets.repository import normalize_ticket_no as normalize_stored_ticket_no

_TICKET_NO = re.compile(r"(?<![A-Za-z0-9])[Rr][0-9]{8}-[0-9]{4}(?![0-9])")


def normalize_ticket_no(value: str | None) -> str | None:
    """A ticket number as stored (upper case, no spaces), or ``None``."""
    if not value:
        return None
    return normalize_stored_ticket_no(str(value)) or None


def asked_ticket_no(tracker: Tracker) -> str | None:
    """The ticket number in the latest message (entity, or the pattern in the text)."""
    entity = normalize_ticket_no(latest_entity(tracker, "ticket_no"))
    if entity:
        return entity
    match = _TICKET_NO.search(latest_text(tracker))
    return normalize_ticket_no(match.group(0)) if match else None


def given_phone(tracker: Tracker) -> str | None:
    """A mobile number in the latest message, normalised to 11 digits."""
    for candidate in (latest_entity(tracker, "phone_number"), latest_text(tracker)):
        if candidate:
            parsed = parse_mobile(candidate)
            if parsed.ok:
                return parsed.value
    return None


def may_see(tracker: Tracker, ticket: TicketRecord, verified: set[str]) -> bool:
    """Whether this conversation may see ``ticket``."""
    return ticket.sender_id == tracker.sender_id or ticket.contact_phone in verified


def visible_ticket(
    tracker: Tracker, session: Session, ticket_no: str
) -> tuple[TicketRecord | None, bool]:
    """A ticket and whether this conversation may see it."""
    ticket = get_ticket(session, ticket_no=ticket_no)
    if ticket is None:
        return None, False
    return ticket, may_see(tracker, ticket, set(tracker.get_slot("verified_phones") or []))
