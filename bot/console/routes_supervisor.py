"""Console route of the supervisor view (role ``supervisor``): the team at a glance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.catalog.handoff import load_handoff_policy
from bot.console import abandon
from bot.console.replies import in_session, json_reply
from bot.console.routes_handoffs import sla_json, waited_seconds
from bot.dashboard.period import Period
from bot.settings import get_settings
from bot.tickets import day_figures, list_queue, team
from bot.tickets.agents import AgentRecord


def business_day(now: dt.datetime) -> Period:
    """The business-local day (``TIMEZONE``) around ``now``."""
    tz = get_settings().tz
    day = now.astimezone(tz).date()
    return Period(day, day, tz)


async def supervisor(request: Request, agent: AgentRecord) -> HTTPResponse:
    """The team at a glance (role ``supervisor``).

    The queue's length and longest wait (with its SLA colour), the SLA, each agent's presence
    and held chats, and today's figures (business-local day).
    """
    await abandon.sweep(request.app.ctx.agent)

    def work(session: Session) -> dict[str, Any]:
        now = dt.datetime.now(dt.timezone.utc)
        queued = list_queue(session)
        today = business_day(now)
        figures = day_figures(session, start=today.start, end=today.end)
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
