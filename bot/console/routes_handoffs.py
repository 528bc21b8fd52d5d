"""Console routes of handed-over chats: the queue, claiming, the transcript, replies, the end.

Each handler takes the request, the signed-in agent and the handoff's id (checked to fit a
row id by the sign-in wrapper of :mod:`bot.console.channel`).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.handoff import load_handoff_policy
from bot.console import abandon, conversations
from bot.console import tickets as console_tickets
from bot.console.labels import user_label
from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.console.transcript import PHOTO_FILE
from bot.settings import get_settings
from bot.tickets import (
    HandoffAlreadyClaimed,
    HandoffNotFound,
    HandoffNotHeld,
    HandoffRecord,
    claim_handoff,
    end_handoff,
    get_handoff,
    heartbeat,
    list_held,
    list_queue,
    online_agents,
    presence_of,
    queue_position,
)
from bot.tickets.agents import AgentNotFound, AgentRecord, get_agent_by_username

MAX_MESSAGE_CHARS = 2000
_PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def agent_json(agent: AgentRecord) -> dict[str, str]:
    """An agent as the page and the users' channels see them."""
    return {"username": agent.username, "display_name": agent.display_name}


def waited_seconds(handoff: HandoffRecord, now: dt.datetime) -> int:
    """How long the owner waited for an agent: until now while queued, else until the claim.

    (A chat that ended without a claim counts until it ended.)
    """
    until = handoff.claimed_at or handoff.ended_at or now
    return max(0, int((until - handoff.created_at).total_seconds()))


def sla_json() -> dict[str, int]:
    """The queue's SLA thresholds (``queue_sla`` of ``handoff.yml``)."""
    sla = load_handoff_policy().queue_sla
    return {"amber_seconds": sla.amber_seconds, "red_seconds": sla.red_seconds}


def handoff_json(
    session: Session, handoff: HandoffRecord, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A handoff as the page gets it: a label instead of the sender id, names, queue position.

    Also how long the owner waited and its SLA colour (``ok``, ``amber``, ``red``).
    """
    waited = waited_seconds(handoff, now or dt.datetime.now(dt.timezone.utc))
    agent = None
    if handoff.agent_username:
        found = get_agent_by_username(session, username=handoff.agent_username)
        agent = {
            "username": handoff.agent_username,
            "display_name": found[0].display_name if found else handoff.agent_username,
        }
    return {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "user_label": user_label(handoff.sender_id),
        "channel": handoff.channel,
        "reason": handoff.reason,
        "reason_label": load_handoff_policy().label(handoff.reason),
        "status": handoff.status,
        "created_at": handoff.created_at.isoformat(),
        "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
        "agent": agent,
        "position": (
            queue_position(session, handoff_id=handoff.id) if handoff.status == "queued" else None
        ),
        "summary": handoff.summary,
        "waited_seconds": waited,
        "sla": load_handoff_policy().queue_sla.level(waited),
    }


def _get(session: Session, *, handoff_id: int) -> HandoffRecord:
    return get_handoff(session, handoff_id=handoff_id)


async def _visible(agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
    """The handoff if this agent may see it: queued, or held by them."""
    try:
        handoff = await in_session(partial(_get, handoff_id=handoff_id))
    except HandoffNotFound:
        return None
    if handoff.status == "queued" or handoff.agent_username == agent.username:
        return handoff
    return None


async def _held(agent: AgentRecord, handoff_id: int) -> HandoffRecord | None:
    """The handoff if this agent holds it (claimed, not ended)."""
    handoff = await _visible(agent, handoff_id)
    if handoff is None or handoff.status != "active":
        return None
    return handoff


async def queue(request: Request, agent: AgentRecord) -> HTTPResponse:
    """The chats waiting for an agent, and this agent's own.

    With the SLA thresholds, the agent's presence (the poll is its heartbeat) and the
    colleagues online (for transfers). Owners who left the queue are swept out first
    (:mod:`bot.console.abandon`).
    """
    await abandon.sweep(request.app.ctx.agent)

    def work(session: Session) -> dict[str, Any]:
        now = dt.datetime.now(dt.timezone.utc)
        heartbeat(session, agent_id=agent.id, now=now)
        return {
            "queued": [handoff_json(session, h, now) for h in list_queue(session)],
            "mine": [handoff_json(session, h, now) for h in list_held(session, agent_id=agent.id)],
            "sla": sla_json(),
            "presence": presence_of(session, agent_id=agent.id, now=now),
            "agents_online": [
                {"username": a.username, "display_name": a.display_name}
                for a in online_agents(session, now=now)
                if a.agent_id != agent.id
            ],
        }

    return json_reply(await in_session(work))


async def claim(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """Take a queued chat; the user is told a person joined."""

    def work(session: Session) -> dict[str, Any]:
        claimed = claim_handoff(session, handoff_id=handoff_id, agent_id=agent.id)
        return handoff_json(session, claimed)

    try:
        claimed = await in_session(work)
    except HandoffNotFound:
        return error_reply("not_found", 404)
    except HandoffAlreadyClaimed:
        return error_reply("already_claimed", 409)
    except AgentNotFound:  # disabled since the session was checked
        return error_reply("not_signed_in", 401)
    await conversations.announce_agent(
        request.app.ctx.agent, claimed["sender_id"], claimed["channel"], agent_json(agent)
    )
    return json_reply(claimed)


async def transcript(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """The chat's events after index ``?after=`` (all by default), and the handoff's status."""
    handoff = await _visible(agent, handoff_id)
    if handoff is None:
        return error_reply("not_found", 404)
    try:
        after = int(request.args.get("after", "-1"))
    except ValueError:
        after = -1
    found = await conversations.conversation(request.app.ctx.agent, handoff.sender_id, after)
    return json_reply({"events": found["events"], "status": handoff.status})


async def send(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """The agent's reply, to the user's channel and the chat's tracker."""
    handoff = await _held(agent, handoff_id)
    if handoff is None:
        return error_reply("not_held", 409)
    text = str(json_body(request).get("text") or "").strip()[:MAX_MESSAGE_CHARS]
    if not text:
        return error_reply("empty", 400)
    delivered = await conversations.say_as_agent(
        request.app.ctx.agent, handoff.sender_id, handoff.channel, text, agent_json(agent)
    )
    event = {"kind": "agent", "text": text, "agent_name": agent.display_name}
    return json_reply({"event": event, "delivered": delivered}, 201)


async def _end(request: Request, agent: AgentRecord, handoff_id: int, outcome: str) -> HTTPResponse:
    handoff = await _held(agent, handoff_id)
    if handoff is None:
        return error_reply("not_held", 409)

    def work(session: Session) -> dict[str, Any]:
        ended = end_handoff(session, handoff_id=handoff_id, agent_id=agent.id, outcome=outcome)
        return handoff_json(session, ended)

    try:
        ended = await in_session(work)
    except HandoffNotHeld:
        return error_reply("not_held", 409)
    rasa_agent = request.app.ctx.agent
    if outcome == "returned":
        await conversations.hand_back(rasa_agent, handoff.sender_id, handoff.channel)
    else:
        await conversations.close(rasa_agent, handoff.sender_id, handoff.channel)
    return json_reply(ended)


async def hand_back(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """Give the chat back to the bot."""
    return await _end(request, agent, handoff_id, "returned")


async def close(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """End the chat."""
    return await _end(request, agent, handoff_id, "closed")


async def file_ticket(request: Request, agent: AgentRecord, handoff_id: int) -> HTTPResponse:
    """A ticket from the agent's form (one per chat: a second answers the first, 200)."""
    handoff = await _held(agent, handoff_id)
    if handoff is None:
        return error_reply("not_held", 409)
    responses = request.app.ctx.agent.domain.responses
    values, errors = console_tickets.check_ticket_form(json_body(request), responses)
    if errors:
        return json_reply({"errors": errors}, 422)

    def work(session: Session) -> tuple[str, bool]:
        ticket, created = console_tickets.submit_ticket(
            session,
            handoff_id=handoff.id,
            sender_id=handoff.sender_id,
            channel=handoff.channel,
            values=values,
        )
        return ticket.ticket_no, created

    ticket_no, created = await in_session(work)
    return json_reply({"ticket_no": ticket_no, "created": created}, 201 if created else 200)


async def photo(request: Request, agent: AgentRecord, name: str) -> HTTPResponse:
    """A user's photo from the upload store (agents only; names of the store's shape)."""
    path = get_settings().var_dir / "uploads" / name
    if not PHOTO_FILE.match(name) or not path.is_file():
        return error_reply("not_found", 404)
    return await response.file(
        path,
        mime_type=_PHOTO_TYPES[name.rsplit(".", 1)[1]],
        headers={"X-Content-Type-Options": "nosniff"},
    )
