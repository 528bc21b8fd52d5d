"""Console routes of internal notes, on handoffs and on tickets.

Notes are for colleagues only: they are stored in the ticket database
(:mod:`bot.tickets.notes`), never in the conversation's tracker, never sent to the owner.
A handoff's notes are visible to the agent holding it (or who held it last), to anyone
while it is queued, and to supervisors always; a ticket's to every agent (as the ticket is).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.tickets import (
    HandoffNotFound,
    HandoffRecord,
    NoteRecord,
    TicketNotFound,
    add_handoff_note,
    add_ticket_note,
    get_handoff,
    handoff_notes,
    ticket_notes,
)
from bot.tickets.agents import AgentRecord, has_role
from bot.tickets.models.notes import NOTE_TEXT_MAX


def note_json(note: NoteRecord) -> dict[str, Any]:
    """A note as the page gets it."""
    to_agent = (
        {"username": note.to_username, "display_name": note.to_display_name}
        if note.to_username
        else None
    )
    return {
        "id": note.id,
        "kind": note.kind,
        "text": note.text,
        "agent": {"username": note.agent_username, "display_name": note.agent_display_name},
        "to_agent": to_agent,
        "created_at": note.created_at.isoformat(),
    }


def _note_text(request: Request) -> tuple[str, str | None]:
    """The posted note's text, and an error code (``empty``, ``too_long``) or None."""
    raw = json_body(request).get("text")
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return text, "empty"
    if len(text) > NOTE_TEXT_MAX:
        return text, "too_long"
    return text, None


async def visible_handoff(agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
    """The handoff if this agent may see its notes: queued, theirs, or a supervisor."""
    try:
        handoff = await in_session(partial(get_handoff, handoff_id=handoff_id))
    except HandoffNotFound:
        return None
    if (
        handoff.status == "queued"
        or handoff.agent_username == agent.username
        or has_role(agent.role, "supervisor")
    ):
        return handoff
    return None


async def list_handoff_notes(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """``{notes: [...]}`` of a handoff, oldest first (transfers included)."""
    if await visible_handoff(agent, handoff_id) is None:
        return error_reply("not_found", 404)
    notes = await in_session(partial(handoff_notes, handoff_id=handoff_id))
    return json_reply({"notes": [note_json(n) for n in notes]})


async def post_handoff_note(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """Add a note to a handoff: 201 ``{note}``; 400 ``empty`` or ``too_long``."""
    if await visible_handoff(agent, handoff_id) is None:
        return error_reply("not_found", 404)
    text, error = _note_text(request)
    if error:
        return error_reply(error, 400)
    note = await in_session(
        partial(add_handoff_note, handoff_id=handoff_id, agent_id=agent.id, text=text)
    )
    return json_reply({"note": note_json(note)}, 201)


async def list_ticket_notes(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """``{notes: [...]}`` of a ticket, oldest first."""
    try:
        notes = await in_session(partial(ticket_notes, ticket_no=ticket_no))
    except TicketNotFound:
        return error_reply("not_found", 404)
    return json_reply({"notes": [note_json(n) for n in notes]})


async def post_ticket_note(request: Request, agent: AgentRecord, ticket_no: str) -> HTTPResponse:
    """Add a note to a ticket: 201 ``{note}``; 400 ``empty`` or ``too_long``; 404."""
    text, error = _note_text(request)
    if error:
        return error_reply(error, 400)
    try:
        note = await in_session(
            partial(add_ticket_note, ticket_no=ticket_no, agent_id=agent.id, text=text)
        )
    except TicketNotFound:
        return error_reply("not_found", 404)
    return json_reply({"note": note_json(note)}, 201)
