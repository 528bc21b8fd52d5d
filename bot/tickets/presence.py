"""Agents' presence in the console: ``online`` (taking chats), ``away`` or ``offline``.

An agent sets the presence in the console; signing in makes them online and signing out
offline. The console's queue polling refreshes a heartbeat (``presence_at``); an online or
away agent whose heartbeat is older than ``presence.stale_seconds`` of ``handoff.yml`` counts
as offline (a closed tab, a lost network), so nobody has to remember to sign out. The caller
owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.catalog.handoff import load_handoff_policy
from bot.tickets.agents import AgentNotFound
from bot.tickets.checks import aware, choice
from bot.tickets.models import PRESENCES, Agent, Handoff

ONLINE, AWAY, OFFLINE = PRESENCES
#: Heartbeats closer together than this are not written (the queue is polled every few seconds).
HEARTBEAT_EVERY = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class AgentPresence:
    """An active agent, their effective presence and how many chats they hold."""

    agent_id: int
    username: str
    display_name: str
    role: str
    presence: str
    held: int


def _stale(stale_seconds: int | None) -> dt.timedelta:
    if stale_seconds is None:
        stale_seconds = load_handoff_policy().presence_stale_seconds
    return dt.timedelta(seconds=stale_seconds)


def effective_presence(
    presence: str, presence_at: dt.datetime | None, *, now: dt.datetime, stale: dt.timedelta
) -> str:
    """The presence others see: the stored one, or offline once the heartbeat is stale."""
    if presence == OFFLINE or presence_at is None or presence_at < now - stale:
        return OFFLINE
    return presence


def set_presence(
    session: Session, *, agent_id: int, presence: str, now: dt.datetime | None = None
) -> str:
    """Store an agent's presence and refresh the heartbeat.

    Raises:
        ValueError: Not one of :data:`PRESENCES`, or naive ``now``.
        AgentNotFound: No such agent.
    """
    choice("presence", presence, PRESENCES)
    at = aware(now)
    result = session.execute(
        update(Agent)
        .where(Agent.id == agent_id)
        .values(presence=presence, presence_at=at)
        .execution_options(synchronize_session=False)
    )
    if int(result.rowcount or 0) != 1:
        raise AgentNotFound(str(agent_id))
    return presence


def heartbeat(session: Session, *, agent_id: int, now: dt.datetime | None = None) -> bool:
    """Refresh an agent's heartbeat (at most once per :data:`HEARTBEAT_EVERY`).

    Returns:
        Whether the row was written.

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    result = session.execute(
        update(Agent)
        .where(
            Agent.id == agent_id,
            or_(Agent.presence_at.is_(None), Agent.presence_at <= at - HEARTBEAT_EVERY),
        )
        .values(presence_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


def presence_of(
    session: Session,
    *,
    agent_id: int,
    now: dt.datetime | None = None,
    stale_seconds: int | None = None,
) -> str:
    """An agent's effective presence.

    Raises:
        AgentNotFound: No such agent.
        ValueError: Naive ``now``.
    """
    at = aware(now)
    row = session.execute(
        select(Agent.presence, Agent.presence_at).where(Agent.id == agent_id)
    ).one_or_none()
    if row is None:
        raise AgentNotFound(str(agent_id))
    return effective_presence(row.presence, row.presence_at, now=at, stale=_stale(stale_seconds))


def team(
    session: Session, *, now: dt.datetime | None = None, stale_seconds: int | None = None
) -> list[AgentPresence]:
    """Every active agent with their effective presence and held chats, by username."""
    at = aware(now)
    stale = _stale(stale_seconds)
    held = dict(
        session.execute(
            select(Handoff.agent_id, func.count())
            .where(Handoff.status == "active")
            .group_by(Handoff.agent_id)
        ).all()
    )
    rows: list[Any] = list(
        session.execute(select(Agent).where(Agent.active.is_(True)).order_by(Agent.username))
        .scalars()
        .all()
    )
    return [
        AgentPresence(
            agent_id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=str(row.role),
            presence=effective_presence(row.presence, row.presence_at, now=at, stale=stale),
            held=int(held.get(row.id, 0)),
        )
        for row in rows
    ]


def online_agents(
    session: Session, *, now: dt.datetime | None = None, stale_seconds: int | None = None
) -> list[AgentPresence]:
    """The active agents who are online now (fresh heartbeat), by username."""
    return [
        agent
        for agent in team(session, now=now, stale_seconds=stale_seconds)
        if agent.presence == ONLINE
    ]


def count_online(
    session: Session, *, now: dt.datetime | None = None, stale_seconds: int | None = None
) -> int:
    """How many active agents are online now (one query, for the bot)."""
    at = aware(now)
    return int(
        session.execute(
            select(func.count())
            .select_from(Agent)
            .where(
                Agent.active.is_(True),
                Agent.presence == ONLINE,
                Agent.presence_at >= at - _stale(stale_seconds),
            )
        ).scalar_one()
    )
