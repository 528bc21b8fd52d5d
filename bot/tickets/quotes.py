"""Repair quotes: staff set a price after inspection, the owner approves or declines it.

A quote lists parts and labour in integer fen (CNY); the total is their sum. Quotes are set on
open tickets only; a new quote supersedes the pending one. Setting a quote tells the owner
(notice ``quote_ready``). The owner's decision goes through :func:`bot.tickets.set_status`, so
it is in the ticket's history (with a note naming the quote and the decision) and the owner
hears about the change: approval moves the ticket to ``repairing``; a decline moves it to
``returning`` (the phone goes back unrepaired), from where staff ship it back (``shipped_back``,
mail-in) or the owner collects it (store).

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.checks import (
    aware,
    bounded,
    choice,
    optional_bounded,
    record_of,
    ticket_by_no,
    ticket_rows,
)
from bot.tickets.history import set_status
from bot.tickets.models import OPEN_STATUSES, RETURNING, Ticket
from bot.tickets.models.quotes import (
    QUOTE_CURRENCIES,
    QUOTE_DECISION_CHANNELS,
    TicketQuote,
    TicketQuotePart,
)
from bot.tickets.notices import enqueue_notice

#: The decisions an owner can take on a pending quote.
QUOTE_DECISIONS: tuple[str, ...] = ("approve", "decline")
#: Status a ticket moves to when its quote is approved.
APPROVED_STATUS = "repairing"
#: Status a ticket moves to when its quote is declined: the phone goes back unrepaired.
DECLINED_STATUS = RETURNING
#: Notice event sent to the owner when a quote is set.
QUOTE_READY_EVENT = "quote_ready"
#: Limits of one quote.
MAX_PARTS = 20
MAX_AMOUNT_FEN = 10_000_000  # 100 000 yuan per line
PART_NAME_MAX = 64
PART_ID_MAX = 32
SET_BY_MAX = 64
DECIDED_BY_MAX = 64  # also the history's changed_by
NOTE_MAX = 500


class QuoteNotAllowed(RuntimeError):
    """The ticket is closed (completed or cancelled): it gets no quote and takes no decision."""

    def __init__(self, ticket_no: str, status: str) -> None:
        super().__init__(f"ticket {ticket_no} is {status}: quotes are for open tickets only")
        self.ticket_no = ticket_no
        self.status = status


class NoPendingQuote(LookupError):
    """The ticket has no quote waiting for the owner's decision."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(f"ticket {ticket_no} has no pending quote")
        self.ticket_no = ticket_no


class QuoteChanged(NoPendingQuote):
    """The quote the owner decided on was replaced by a newer one in the meantime."""

    def __init__(self, ticket_no: str, quote_id: int) -> None:
        LookupError.__init__(self, f"quote #{quote_id} of ticket {ticket_no} is no longer pending")
        self.ticket_no = ticket_no
        self.quote_id = quote_id


class QuoteConflict(RuntimeError):
    """Another quote of the ticket was stored at the same moment: nothing was set, try again."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(
            f"ticket {ticket_no}: another quote was set at the same moment; nothing was stored,"
            " try again"
        )
        self.ticket_no = ticket_no


@dataclass(frozen=True)
class QuotePart:
    """One part of a quote: label, amount in fen, and the price catalogue's part id if any."""

    name: str
    amount_fen: int
    part_id: str | None = None


@dataclass(frozen=True)
class QuoteRecord:
    """A quote as stored (datetimes aware, in UTC; amounts in fen)."""

    id: int
    ticket_no: str
    status: str
    currency: str
    parts: tuple[QuotePart, ...]
    parts_fen: int
    labour_fen: int
    total_fen: int
    note: str | None
    set_by: str
    set_at: dt.datetime
    decided_at: dt.datetime | None
    decided_via: str | None
    decided_by: str | None

    @property
    def is_pending(self) -> bool:
        """Whether the owner has still to decide."""
        return self.status == "pending"


def format_yuan(fen: int) -> str:
    """Fen as yuan for people: ``89900`` -> ``"899"``, ``89950`` -> ``"899.50"``."""
    yuan, cents = divmod(fen, 100)
    return str(yuan) if cents == 0 else f"{yuan}.{cents:02d}"


def _amount(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of fen")
    if not 0 <= value <= MAX_AMOUNT_FEN:
        raise ValueError(f"{name} must be between 0 and {MAX_AMOUNT_FEN} fen")
    return value


def _checked_parts(parts: Sequence[QuotePart]) -> list[QuotePart]:
    if len(parts) > MAX_PARTS:
        raise ValueError(f"a quote has at most {MAX_PARTS} parts")
    return [
        QuotePart(
            name=bounded("part name", part.name, PART_NAME_MAX),
            amount_fen=_amount("part amount", part.amount_fen),
            part_id=optional_bounded("part id", part.part_id, PART_ID_MAX),
        )
        for part in parts
    ]


def _record(row: Any, ticket_no: str) -> QuoteRecord:
    parts = tuple(record_of(QuotePart, part) for part in row.parts)
    return record_of(QuoteRecord, row, ticket_no=ticket_no, parts=parts)


def _locked_ticket(session: Session, ticket_no: str) -> Any:
    """The ticket row, locked until the end of the transaction (PostgreSQL).

    Setting and deciding quotes lock the ticket first, so two of them on one ticket run one
    after the other (and always lock in the same order: ticket, then quote).
    """
    ticket = ticket_by_no(session, ticket_no)
    statement = (
        select(Ticket)
        .where(Ticket.id == ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalar_one()


def _pending_row(session: Session, ticket_id: int, *, lock: bool = False) -> Any:
    statement = select(TicketQuote).where(
        TicketQuote.ticket_id == ticket_id, TicketQuote.status == "pending"
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.execute(statement).scalar_one_or_none()


def set_quote(
    session: Session,
    *,
    ticket_no: str,
    parts: Sequence[QuotePart],
    labour_fen: int,
    set_by: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> QuoteRecord:
    """Set a ticket's quote and tell the owner; a pending quote becomes ``superseded``.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        parts: The parts replaced (may be empty when only labour is charged).
        labour_fen: Labour in fen.
        set_by: Who set the quote (``agent:<name>``, a staff id).
        note: Optional note of the engineer (shown to staff).
        now: Time of the quote (aware); default the current time.

    Returns:
        The new pending quote.

    Raises:
        QuoteNotAllowed: The ticket is completed or cancelled.
        QuoteConflict: Another pending quote was stored at the same moment (the caller's
            transaction is then unusable: roll back, and try again or tell the user).
        ValueError: Bad amounts (negative, not whole fen, too large), too many parts, no
            part and no labour, an empty or too long part name, an empty ``set_by``, or a
            naive ``now``.
        TicketNotFound: No such ticket.
    """
    checked = _checked_parts(parts)
    labour = _amount("labour", labour_fen)
    if not checked and labour == 0:
        raise ValueError("a quote needs at least one part or some labour")
    author = bounded("set_by", set_by, SET_BY_MAX)
    text = optional_bounded("note", note, NOTE_MAX)
    set_at = aware(now)
    ticket = _locked_ticket(session, ticket_no)
    if ticket.status not in OPEN_STATUSES:
        raise QuoteNotAllowed(ticket.ticket_no, ticket.status)
    previous = _pending_row(session, ticket.id, lock=True)
    if previous is not None:
        previous.status = "superseded"
        session.flush()  # the partial unique index allows one pending quote per ticket
    parts_fen = sum(part.amount_fen for part in checked)
    row = TicketQuote(
        ticket_id=ticket.id,
        status="pending",
        currency=QUOTE_CURRENCIES[0],
        parts_fen=parts_fen,
        labour_fen=labour,
        total_fen=parts_fen + labour,
        note=text,
        set_by=author,
        set_at=set_at,
        parts=[
            TicketQuotePart(
                position=index, part_id=part.part_id, name=part.name, amount_fen=part.amount_fen
            )
            for index, part in enumerate(checked, start=1)
        ],
    )
    session.add(row)
    number = ticket.ticket_no  # the rows expire when a failed flush rolls back
    try:
        session.flush()
    except IntegrityError as error:  # a quote stored meanwhile without the ticket lock
        raise QuoteConflict(number) from error
    enqueue_notice(
        session,
        ticket=ticket,
        event=QUOTE_READY_EVENT,
        params={"total": format_yuan(row.total_fen), "quote_id": str(row.id)},
        now=set_at,
    )
    return _record(row, ticket.ticket_no)


def decision_note(quote: QuoteRecord | Any, decision: str, via: str) -> str:
    """The history note of an owner's decision (English, for staff and integrators)."""
    total = f"{format_yuan(quote.total_fen)} {quote.currency}"
    if decision == "approve":
        return f"quote #{quote.id} ({total}) approved by the owner via {via}: repair"
    return (
        f"quote #{quote.id} ({total}) declined by the owner via {via}: return the phone unrepaired"
    )


def decide_quote(
    session: Session,
    *,
    ticket_no: str,
    decision: str,
    via: str,
    decided_by: str,
    quote_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuoteRecord:
    """Record the owner's decision on the pending quote and move the ticket on.

    Approval sets the ticket to :data:`APPROVED_STATUS`, a decline to :data:`DECLINED_STATUS`
    (the phone goes back unrepaired). Either way a history entry (by
    ``decided_by``) names the quote and the decision. Ownership is not checked here: the
    caller makes sure the ticket belongs to the conversation or the staff member.

    Args:
        session: Session with a transaction owned by the caller.
        ticket_no: Ticket number.
        decision: ``approve`` or ``decline``.
        via: Where the decision was taken: ``chat``, ``console`` or ``cli``.
        decided_by: Who decided (the owner's conversation, a staff id).
        quote_id: The quote the owner was shown, if known: a newer one is not decided.
        now: Time of the decision (aware); default the current time.

    Returns:
        The decided quote.

    Raises:
        QuoteChanged: ``quote_id`` is not the pending quote (staff replaced it).
        NoPendingQuote: No quote waits for a decision (none set, or decided already).
        QuoteNotAllowed: The ticket is closed.
        ValueError: Unknown decision or channel, empty ``decided_by``, naive ``now``.
        TicketNotFound: No such ticket.
    """
    choice("decision", decision, QUOTE_DECISIONS)
    choice("via", via, QUOTE_DECISION_CHANNELS)
    author = bounded("decided_by", decided_by, DECIDED_BY_MAX)
    decided_at = aware(now)
    ticket = _locked_ticket(session, ticket_no)
    row = _pending_row(session, ticket.id, lock=True)
    if row is None:
        raise NoPendingQuote(ticket.ticket_no)
    if quote_id is not None and row.id != quote_id:
        raise QuoteChanged(ticket.ticket_no, quote_id)
    if ticket.status not in OPEN_STATUSES:
        raise QuoteNotAllowed(ticket.ticket_no, ticket.status)
    row.status = "approved" if decision == "approve" else "declined"
    row.decided_at = decided_at
    row.decided_via = via
    row.decided_by = author
    session.flush()
    set_status(
        session,
        ticket_no=ticket.ticket_no,
        status=APPROVED_STATUS if decision == "approve" else DECLINED_STATUS,
        note=decision_note(row, decision, via),
        changed_by=author,
        now=decided_at,
    )
    return _record(row, ticket.ticket_no)


def pending_quote(session: Session, *, ticket_no: str) -> QuoteRecord | None:
    """The quote waiting for the owner's decision, or None.

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    row = _pending_row(session, ticket.id)
    return None if row is None else _record(row, ticket.ticket_no)


def quote_ticket_no(session: Session, *, quote_id: int) -> str | None:
    """The number of the ticket a quote belongs to (any status), or None for an unknown id."""
    statement = (
        select(Ticket.ticket_no)
        .join(TicketQuote, TicketQuote.ticket_id == Ticket.id)
        .where(TicketQuote.id == quote_id)
    )
    found = session.execute(statement).scalar_one_or_none()
    return None if found is None else str(found)


def list_quotes(session: Session, *, ticket_no: str) -> list[QuoteRecord]:
    """Every quote of a ticket, oldest first (superseded ones included).

    Raises:
        TicketNotFound: No such ticket.
    """
    ticket = ticket_by_no(session, ticket_no)
    rows = ticket_rows(session, TicketQuote, ticket.id, TicketQuote.set_at)
    return [_record(row, ticket.ticket_no) for row in rows]
