"""Console route of transfers: a held chat given to another online agent, with a note.

The transfer is one conditional ``UPDATE`` (:func:`bot.tickets.transfer_handoff`) and a
``transfer`` note for the colleague; the owner is told who took over, never the note.
"""

from __future__ import annotations

from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.console import conversations
from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.console.routes_handoffs import handoff_json
from bot.tickets import (
    AgentNotFound,
    HandoffNotFound,
    HandoffNotHeld,
    TargetOffline,
    TransferToSelf,
    transfer_handoff,
)
from bot.tickets.agents import AgentRecord
from bot.tickets.models.notes import NOTE_TEXT_MAX


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
