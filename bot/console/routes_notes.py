"""Console routes of internal notes (handoffs and tickets), transfers and canned replies.

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
from sqlalchemy.orm import Session

from bot.catalog import load_catalogue
from bot.catalog.canned_replies import load_canned_replies
from bot.console import conversations
from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.console.routes_handoffs import handoff_json
from bot.intake.phone import mask_phone
from bot.tickets import (
    AgentNotFound,
    HandoffNotFound,
    HandoffNotHeld,
    HandoffRecord,
    NoteRecord,
    TargetOffline,
    TicketNotFound,
    TransferToSelf,
    add_handoff_note,
    add_ticket_note,
    get_handoff,
    handoff_notes,
    latest_open_ticket_for_sender,
    ticket_notes,
    transfer_handoff,
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


async def _handoff_for(agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
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
    if await _handoff_for(agent, handoff_id) is None:
        return error_reply("not_found", 404)
    notes = await in_session(partial(handoff_notes, handoff_id=handoff_id))
    return json_reply({"notes": [note_json(n) for n in notes]})


async def post_handoff_note(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """Add a note to a handoff: 201 ``{note}``; 400 ``empty`` or ``too_long``."""
    if await _handoff_for(agent, handoff_id) is None:
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


async def transfer(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """Give a held chat to another online agent with a note: 200 H (held by them).

    409 ``not_held`` or ``target_offline``; 404 ``no_agent``; 422 ``same_agent``; 400
    ``too_long`` note. The owner is told who took over; the note is never shown to them.
    """
    body = json_body(request)
    to = body.get("to")
    note = body.get("note")
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > NOTE_TEXT_MAX:
        return error_reply("too_long", 400)
    if not isinstance(to, str) or not to.strip():
        return error_reply("no_agent", 404)

    def work(session: Session) -> dict[str, Any]:
        moved = transfer_handoff(
            session, handoff_id=handoff_id, agent_id=agent.id, to_username=to, note=note
        )
        return handoff_json(session, moved)

    try:
        moved = await in_session(work)
    except (HandoffNotFound, HandoffNotHeld):
        return error_reply("not_held", 409)
    except AgentNotFound:
        return error_reply("no_agent", 404)
    except TransferToSelf:
        return error_reply("same_agent", 422)
    except TargetOffline:
        return error_reply("target_offline", 409)
    new_holder = moved["agent"] or {}
    await conversations.announce_agent(
        request.app.ctx.agent,
        moved["sender_id"],
        moved["channel"],
        {
            "username": new_holder.get("username", ""),
            "display_name": new_holder.get("display_name", ""),
        },
    )
    return json_reply(moved)


def placeholder_values(session: Session, handoff: HandoffRecord) -> dict[str, str | None]:
    """The canned replies' values for a chat, from its summary (and the store).

    ``model``: the catalogue name of the ``device_model`` slot; ``phone``: the
    ``contact_phone`` slot, masked; ``ticket_no``: the first open ticket of the summary,
    else the owner's open ticket in the store (one filed during the chat).
    """
    summary: dict[str, Any] = handoff.summary if isinstance(handoff.summary, dict) else {}
    raw_slots = summary.get("slots")
    slots: dict[str, Any] = raw_slots if isinstance(raw_slots, dict) else {}
    model_id = slots.get("device_model")
    device = load_catalogue().device(model_id) if isinstance(model_id, str) else None
    phone = slots.get("contact_phone")
    tickets = [
        t for t in summary.get("tickets") or [] if isinstance(t, dict) and t.get("ticket_no")
    ]
    ticket_no = str(tickets[0]["ticket_no"]) if tickets else None
    if ticket_no is None:
        found = latest_open_ticket_for_sender(session, sender_id=handoff.sender_id)
        ticket_no = found.ticket_no if found else None
    return {
        "ticket_no": ticket_no,
        "model": device.name if device else None,
        "phone": mask_phone(phone) if isinstance(phone, str) and phone else None,
    }


async def canned_replies(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """``{replies: [{key, title, text, missing}]}`` with this chat's values filled in."""
    handoff = await _handoff_for(agent, handoff_id)
    if handoff is None:
        return error_reply("not_found", 404)
    values = await in_session(partial(placeholder_values, handoff=handoff))
    replies = []
    for reply in load_canned_replies():
        text, missing = reply.fill(values)
        replies.append({"key": reply.key, "title": reply.title, "text": text, "missing": missing})
    return json_reply({"replies": replies})
