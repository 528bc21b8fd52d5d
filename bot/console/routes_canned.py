"""Console route of canned replies (快捷回复): the catalogue's replies filled in for one chat.

Replies come from ``bot/data/catalog/canned_replies.yml`` (:mod:`bot.catalog.canned_replies`);
``{ticket_no}``, ``{model}`` and ``{phone}`` (masked) are filled from the chat's summary and
the store, and a placeholder the chat does not know is left as it is and listed as missing.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog import load_catalogue
from bot.catalog.canned_replies import load_canned_replies
from bot.console.replies import error_reply, in_session, json_reply
from bot.console.routes_notes import visible_handoff
from bot.intake.phone import mask_phone
from bot.tickets import HandoffRecord, latest_open_ticket_for_sender
from bot.tickets.agents import AgentRecord


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
    handoff = await visible_handoff(agent, handoff_id)
    if handoff is None:
        return error_reply("not_found", 404)
    values = await in_session(partial(placeholder_values, handoff=handoff))
    replies = []
    for reply in load_canned_replies():
        text, missing = reply.fill(values)
        replies.append({"key": reply.key, "title": reply.title, "text": text, "missing": missing})
    return json_reply({"replies": replies})
