"""Agents' internal notes on handoffs and tickets (``internal_notes``), for colleagues only.

Notes are never written to a conversation's tracker, never sent to the owner and never read
by the bot's progress answers (:mod:`bot.actions.status` reads the status history only). A
``transfer`` note is written by :func:`bot.tickets.handoffs.transfer_handoff`. The caller
owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.tickets.checks import aware, bounded, ticket_by_no
from bot.tickets.handoffs import HandoffNotFound
from bot.tickets.models import Agent, Handoff, InternalNote
from bot.tickets.models.notes import NOTE_TEXT_MAX


@dataclass(frozen=True)
class NoteRecord:
    """A note with the names of its author and, for a transfer, of the new holder."""

    id: int
    kind: str
    text: str
    agent_username: str
    agent_display_name: str
    to_username: str | None
    to_display_name: str | None
    created_at: dt.datetime


def _list(session: Session, condition: Any) -> list[NoteRecord]:
    author, target = aliased(Agent), aliased(Agent)
    rows = session.execute(
        select(InternalNote, author, target)
        .join(author, author.id == InternalNote.agent_id)
        .outerjoin(target, target.id == InternalNote.to_agent_id)
        .where(condition)
        .order_by(InternalNote.created_at, InternalNote.id)
    ).all()
    return [
        NoteRecord(
            id=note.id,
            kind=note.kind,
            text=note.text,
            agent_username=by.username,
            agent_display_name=by.display_name,
            to_username=to.username if to is not None else None,
            to_display_name=to.display_name if to is not None else None,
            created_at=note.created_at,
        )
        for note, by, to in rows
    ]


def _add(session: Session, note: InternalNote) -> NoteRecord:
    session.add(note)
    session.flush()
    return _list(session, InternalNote.id == note.id)[0]


def _handoff_id(session: Session, handoff_id: int) -> int:
    if session.get(Handoff, handoff_id) is None:
        raise HandoffNotFound(handoff_id)
    return handoff_id


def add_handoff_note(
    session: Session, *, handoff_id: int, agent_id: int, text: str, now: dt.datetime | None = None
) -> NoteRecord:
    """Add an agent's note to a handoff.

    Raises:
        HandoffNotFound: No such handoff.
        ValueError: Empty or too long text (:data:`NOTE_TEXT_MAX`), or naive ``now``.
    """
    body = bounded("text", text, NOTE_TEXT_MAX)
    at = aware(now)
    return _add(
        session,
        InternalNote(
            handoff_id=_handoff_id(session, handoff_id),
            agent_id=agent_id,
            kind="note",
            text=body,
            created_at=at,
        ),
    )


def add_ticket_note(
    session: Session, *, ticket_no: str, agent_id: int, text: str, now: dt.datetime | None = None
) -> NoteRecord:
    """Add an agent's note to a ticket.

    Raises:
        TicketNotFound: No such ticket.
        ValueError: Empty or too long text (:data:`NOTE_TEXT_MAX`), or naive ``now``.
    """
    body = bounded("text", text, NOTE_TEXT_MAX)
    at = aware(now)
    ticket = ticket_by_no(session, ticket_no)
    return _add(
        session,
        InternalNote(ticket_id=ticket.id, agent_id=agent_id, kind="note", text=body, created_at=at),
    )


def handoff_notes(session: Session, *, handoff_id: int) -> list[NoteRecord]:
    """A handoff's notes (transfers included), oldest first.

    Raises:
        HandoffNotFound: No such handoff.
    """
    return _list(session, InternalNote.handoff_id == _handoff_id(session, handoff_id))


def ticket_notes(session: Session, *, ticket_no: str) -> list[NoteRecord]:
    """A ticket's notes, oldest first.

    Raises:
        TicketNotFound: No such ticket.
    """
    return _list(session, InternalNote.ticket_id == ticket_by_no(session, ticket_no).id)
