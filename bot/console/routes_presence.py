"""Console routes of the team: an agent's presence, and the supervisor view.

Presence is ``online`` (taking chats), ``away`` or ``offline``; the queue's polling keeps it
fresh (:mod:`bot.tickets.presence`). The supervisor view is behind the ``supervisor`` role
(:mod:`bot.console.channel`).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.handoff import load_handoff_policy
from bot.console import abandon
from bot.console.replies import error_reply, in_session, json_body, json_reply
from bot.console.routes_handoffs import sla_json, waited_seconds
from bot.settings import get_settings
from bot.tickets import PRESENCES, day_figures, list_queue, presence_of, set_presence, team
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


def business_day(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The start and end (aware) of the business-local day (``TIMEZONE``) around ``now``."""
    tz = get_settings().tz
    day = now.astimezone(tz).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


async def supervisor(request: Request, agent: AgentRecord) -> HTTPResponse:
    """The team at a glance (role ``supervisor``).

    The queue's length and longest wait (with its SLA colour), the SLA, each agent's presence
    and held chats, and today's figures (business-local day).
    """
    await abandon.sweep(request.app.ctx.agent)

    def work(session: Session) -> dict[str, Any]:
        now = dt.datetime.now(dt.timezone.utc)
        queued = list_queue(session)
        start, end = business_day(now)
        figures = day_figures(session, start=start, end=end)
        return {
            "queue": {
                "length": len(queued),
                "longest_wait_seconds": max((waited_seconds(h, now) for h in queued), default=0),
            },
            "sla": sla_json(),
            "agents": [
                {
                    "username": a.username,
                    "display_name": a.display_name,
                    "role": a.role,
                    "presence": a.presence,
                    "held": a.held,
                }
                for a in team(session, now=now)
            ],
            "today": {
                "handled": figures.handled,
                "abandoned": figures.abandoned,
                "callbacks": figures.callbacks,
                "queued": figures.queued,
            },
        }

    reply = await in_session(work)
    reply["queue"]["sla"] = load_handoff_policy().queue_sla.level(
        reply["queue"]["longest_wait_seconds"]
    )
    return json_reply(reply)
