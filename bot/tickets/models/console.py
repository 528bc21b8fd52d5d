"""Tables of the agent console: agents, their sessions, sign-in throttling, handoffs, callbacks."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
    true,
)

from bot.tickets.models.base import Base, UTCDateTime, in_check

#: Every status of a handoff to a human agent.
HANDOFF_STATUSES: tuple[str, ...] = (
    "queued",
    "active",
    "returned",
    "closed",
    "callback",
    "abandoned",
)
#: Statuses of a handoff still waiting for or held by an agent (at most one per sender).
OPEN_HANDOFF_STATUSES: tuple[str, ...] = ("queued", "active")
#: How an agent ends a handoff: back to the assistant, or conversation closed.
HANDOFF_OUTCOMES: tuple[str, ...] = ("returned", "closed")
#: Status of a callback request: to be called, or called.
CALLBACK_STATUSES: tuple[str, ...] = ("open", "done")
#: Roles of console accounts, lowest first: each role may do what the ones before it may.
#: Agents take chats; supervisors also see the team (supervisor view); managers also see
#: the dashboard.
AGENT_ROLES: tuple[str, ...] = ("agent", "supervisor", "manager")
#: An agent's presence (``0015_agent_tools``): taking chats, away from the desk, or gone.
PRESENCES: tuple[str, ...] = ("online", "away", "offline")


class Agent(Base):  # type: ignore[misc]
    """A hotline agent who signs in to the agent console (table ``agents``).

    ``username`` is stored lower-case; ``password_hash`` is a self-describing scrypt
    string (:mod:`bot.console.passwords`). Agents are disabled, never deleted. ``role`` is
    one of :data:`AGENT_ROLES` (``0014_agent_roles``).
    """

    __tablename__ = "agents"
    __table_args__ = (
        CheckConstraint(in_check("role", AGENT_ROLES), name="role"),
        CheckConstraint(in_check("presence", PRESENCES), name="presence"),
    )

    id = Column(Integer, primary_key=True)
    username = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime, nullable=True)
    role = Column(String(16), nullable=False, default="agent", server_default="agent")
    # Presence and its heartbeat (bot.tickets.presence): stale heartbeats count as offline.
    presence = Column(String(8), nullable=False, default="offline", server_default="offline")
    presence_at = Column(UTCDateTime, nullable=True)


class AgentSession(Base):  # type: ignore[misc]
    """A signed-in console session (table ``agent_sessions``).

    Only the SHA-256 of the random session token is stored, never the token.
    """

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_id = Column(
        Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime, nullable=True)


class SignInThrottle(Base):  # type: ignore[misc]
    """Failed console sign-ins of one username or one client address (``sign_in_throttle``).

    ``key`` is ``user:`` or ``addr:`` and a SHA-256 (never the name or address itself).
    ``failures`` counts the failures (and the attempts still running) since
    ``window_started_at``; at the limit the key is locked until ``locked_until``. Shared by
    every Rasa worker through the ticket database.
    """

    __tablename__ = "sign_in_throttle"

    key = Column(String(80), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    window_started_at = Column(UTCDateTime, nullable=False)
    locked_until = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, index=True)


#: SQL condition of an open handoff (partial unique index: one open handoff per sender).
OPEN_HANDOFF_CONDITION = in_check("status", OPEN_HANDOFF_STATUSES)


class Handoff(Base):  # type: ignore[misc]
    """A conversation handed to a human agent (table ``handoffs``).

    ``queued`` until an agent claims it (``active``), then ``returned`` to the assistant
    or ``closed``; ``callback`` when nobody could take it and the user asked to be called.
    ``abandoned`` when the owner left while it was queued (:mod:`bot.tickets.handoffs`).
    ``summary`` is what the agent sees first (slots, tickets, last messages); the store
    does not look inside it.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(in_check("status", HANDOFF_STATUSES), name="status"),
        Index(
            "uq_handoffs_open_sender_id",
            "sender_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF_CONDITION),
            postgresql_where=text(OPEN_HANDOFF_CONDITION),
        ),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reason = Column(String(64), nullable=False)
    summary = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime, nullable=True)
    ended_at = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)
    outcome = Column(String(64), nullable=True)
    # Signs of the owner while queued (bot.tickets.handoffs): last seen, widget socket gone.
    owner_seen_at = Column(UTCDateTime, nullable=True)
    owner_left_at = Column(UTCDateTime, nullable=True)


class CallbackRequest(Base):  # type: ignore[misc]
    """A user's request to be called back by the hotline (table ``callback_requests``)."""

    __tablename__ = "callback_requests"
    __table_args__ = (CheckConstraint(in_check("status", CALLBACK_STATUSES), name="status"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=False)
    phone = Column(String(32), nullable=False)
    reason = Column(String(64), nullable=False)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True)
    status = Column(String(8), nullable=False, default="open", server_default="open")
    created_at = Column(UTCDateTime, nullable=False)
    done_at = Column(UTCDateTime, nullable=True)
    done_by = Column(String(64), nullable=True)
