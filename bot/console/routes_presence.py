"""Console routes of an agent's presence: ``online`` (taking chats), ``away`` or ``offline``.

The queue's polling keeps it fresh (:mod:`bot.tickets.presence`).
"""

from __future__ import annotations

from functools import partial

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.tickets import PRESENCES, presence_of, set_presence
from bot.tickets.agents import AgentRecord


async def get_presence(request: Request, agent: AgentRecord) -> HTTPResponse:
    """``{presence}``: this agent's presence as colleagues and the bot see it."""
    presence = await in_session(partial(presence_of, agent_id=agent.id))
    return json_reply({"presence": presence})


async def post_presence(request: Request, agent: AgentRecord) -> HTTPResponse:
    """Set this agent's presence: ``{presence: online | away | offline}``."""
    presence = json_body(request).get("presence")
    if not isinstance(presence, str) or presence not in PRESENCES:
        return error_reply("bad_presence", 422)
    stored = await in_session(partial(set_presence, agent_id=agent.id, presence=presence))
    return json_reply({"presence": stored})
