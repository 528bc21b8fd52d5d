"""Which tickets a conversation may see, and the limits on proving one.

A conversation sees the tickets it created. Any other ticket it sees only after proving
it: the ticket number together with the contact phone recorded on it (and the SMS code,
when :mod:`bot.actions.phone_verifier` is configured). Proofs are stored in the ticket
database (``ticket_verifications``), never taken from the tracker, and last
``TICKET_ACCESS_TTL`` seconds. Failed tries are limited per conversation and per ticket
number; numbers that do not exist are treated exactly like those that do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from bot.actions.common import latest_entity, latest_text
from bot.intake import parse_mobile
from bot.settings import get_settings
from bot.tickets import (
    TicketRecord,
    failed_verifications,
    find_tickets_by_sender,
    get_ticket,
    record_verification,
    verified_since,
)
from bot.tickets.checks import TICKET_NO_MAX
from bot.tickets.checks import normalize_ticket_no as normalize_stored_ticket_no

_TICKET_NO = re.compile(r"(?<![A-Za-z0-9])[Rr][0-9]{8}-[0-9]{4}(?![0-9])")

#: Slots of a ticket check in progress (besides ``status_asked`` / ``status_ticket_no``).
VERIFICATION_SLOTS = ("status_phone", "status_code_pending")


def normalize_ticket_no(value: str | None) -> str | None:
    """A ticket number as stored (upper case, no spaces), or ``None`` (also when too long)."""
    if not value:
        return None
    number = normalize_stored_ticket_no(str(value))
    return number if 0 < len(number) <= TICKET_NO_MAX else None


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


def clear_verification() -> list[EventType]:
    """Events that forget a ticket check in progress (the phone given, a code sent)."""
    return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS]


def utcnow() -> dt.datetime:
    """The current time, aware (UTC)."""
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class CheckLimits:
    """How many failed ticket checks are allowed, and how long a proof lasts."""

    per_conversation: int
    conversation_window: dt.timedelta
    per_ticket: int
    ticket_window: dt.timedelta
    access_ttl: dt.timedelta

    @classmethod
    def from_settings(cls) -> CheckLimits:
        """The limits configured in :mod:`bot.settings`."""
        settings = get_settings()
        return cls(
            per_conversation=settings.ticket_verify_max_per_conversation,
            conversation_window=dt.timedelta(seconds=settings.ticket_verify_conversation_window),
            per_ticket=settings.ticket_verify_max_per_ticket,
            ticket_window=dt.timedelta(seconds=settings.ticket_verify_ticket_window),
            access_ttl=dt.timedelta(seconds=settings.ticket_access_ttl),
        )

    @property
    def kept_for(self) -> dt.timedelta:
        """How long a check row matters at all (older rows are deleted)."""
        return max(self.conversation_window, self.ticket_window, self.access_ttl)


def own_ticket(session: Session, sender_id: str, ticket_no: str) -> TicketRecord | None:
    """The ticket ``ticket_no`` if this conversation created it (nothing about others)."""
    return next(
        (
            t
            for t in find_tickets_by_sender(session, sender_id=sender_id)
            if t.ticket_no == ticket_no
        ),
        None,
    )


def locked_out(session: Session, sender_id: str, ticket_no: str | None, now: dt.datetime) -> bool:
    """Whether this conversation, or this ticket number, has used up its failed checks."""
    limits = CheckLimits.from_settings()
    by_conversation = failed_verifications(
        session, sender_id=sender_id, since=now - limits.conversation_window
    )
    if by_conversation >= limits.per_conversation:
        return True
    if ticket_no is None:
        return False
    by_ticket = failed_verifications(session, ticket_no=ticket_no, since=now - limits.ticket_window)
    return by_ticket >= limits.per_ticket


def proven(session: Session, sender_id: str, ticket_no: str, now: dt.datetime) -> bool:
    """Whether this conversation proved ``ticket_no`` recently enough."""
    limits = CheckLimits.from_settings()
    return verified_since(
        session, sender_id=sender_id, ticket_no=ticket_no, since=now - limits.access_ttl
    )


def record_check(
    session: Session, sender_id: str, ticket_no: str, *, succeeded: bool, now: dt.datetime
) -> None:
    """Store one check (a code sent counts as not succeeded) and forget expired ones."""
    record_verification(
        session,
        sender_id=sender_id,
        ticket_no=ticket_no,
        succeeded=succeeded,
        now=now,
        forget_before=now - CheckLimits.from_settings().kept_for,
    )


def visible_ticket(
    session: Session, sender_id: str, ticket_no: str, now: dt.datetime
) -> TicketRecord | None:
    """The ticket if this conversation created it or proved it, else ``None`` (unknown too)."""
    ticket = own_ticket(session, sender_id, ticket_no)
    if ticket is not None:
        return ticket
    if not proven(session, sender_id, ticket_no, now):
        return None
    return get_ticket(session, ticket_no=ticket_no)
