"""Hotline agent accounts and their console sessions.

Usernames are stored lower-case. Passwords arrive here already hashed
(:mod:`bot.console.passwords`), and sessions are stored by the SHA-256 of their
token only, so nothing in these tables lets anyone sign in. Changing an agent's
password or disabling the agent revokes its live sessions. The caller owns the
transaction, as in :mod:`bot.tickets.tickets`; :mod:`bot.console.accounts` is
the service built on top.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.checks import aware, bounded, choice, record_of
from bot.tickets.models import AGENT_ROLES, Agent, AgentSession

#: What a username may be once lower-cased: 3-32 of a-z, 0-9, ``_``, ``.``, ``-``.
USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{3,32}")
#: A stored session token hash: SHA-256, lower-case hex.
TOKEN_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
#: Column widths of the ``agents`` table.
DISPLAY_NAME_MAX = 64
PASSWORD_HASH_MAX = 255


class AgentExists(ValueError):
    """An agent with this username exists already."""

    def __init__(self, username: str) -> None:
        super().__init__(f"agent {username} already exists")
        self.username = username


class AgentNotFound(LookupError):
    """No (usable) agent matches the given username or id."""

    def __init__(self, agent: str) -> None:
        super().__init__(f"no agent {agent}")
        self.agent = agent


@dataclass(frozen=True)
class AgentRecord:
    """An agent account as stored, without its password hash."""

    id: int
    username: str
    display_name: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    role: str = "agent"


def has_role(role: str, needed: str) -> bool:
    """Whether an account with ``role`` may do what ``needed`` may (roles are ranked).

    Raises:
        ValueError: ``needed`` is not a role.
    """
    choice("needed", needed, AGENT_ROLES)
    return role in AGENT_ROLES and AGENT_ROLES.index(role) >= AGENT_ROLES.index(needed)


def normalize_username(username: str) -> str:
    """Return a username as stored: stripped and lower-case.

    Raises:
        ValueError: Not 3-32 characters of a-z, 0-9, ``_``, ``.``, ``-``.
    """
    name = username.strip().lower() if isinstance(username, str) else ""
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValueError(
            "username must be 3 to 32 characters of a-z, 0-9, '_', '.' and '-': "
            f"{str(username)[:40]!r}"
        )
    return name


def _token_hash(token_hash: str) -> str:
    if not isinstance(token_hash, str) or not TOKEN_HASH_PATTERN.fullmatch(token_hash):
        raise ValueError("token_hash must be a SHA-256 digest in lower-case hex")
    return token_hash


def _record(row: Any) -> AgentRecord:
    return record_of(AgentRecord, row, active=bool(row.active))


def _by_username(session: Session, username: str) -> Any:
    return session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()


def _existing(session: Session, username: str) -> Any:
    row = _by_username(session, normalize_username(username))
    if row is None:
        raise AgentNotFound(username)
    return row


# --------------------------------------------------------------------------- accounts


def create_agent(
    session: Session,
    *,
    username: str,
    display_name: str,
    password_hash: str,
    role: str = "agent",
    now: dt.datetime | None = None,
) -> AgentRecord:
    """Create an active agent account.

    Args:
        session: Session with a transaction owned by the caller.
        username: Sign-in name; stored lower-case.
        display_name: Name shown to colleagues (and users), up to 64 characters.
        password_hash: The hashed password (never the password itself).
        role: One of :data:`AGENT_ROLES`.
        now: Creation time (aware); default the current time.

    Returns:
        The new agent.

    Raises:
        AgentExists: The username is taken (in any letter case).
        ValueError: Invalid username, empty or too long display name or hash, unknown
            role, naive ``now``.
    """
    name = normalize_username(username)
    values: dict[str, Any] = {
        "username": name,
        "display_name": bounded("display_name", display_name, DISPLAY_NAME_MAX),
        "password_hash": bounded("password_hash", password_hash, PASSWORD_HASH_MAX),
        "role": choice("role", role, AGENT_ROLES),
        "active": True,
        "created_at": aware(now),
    }
    if _by_username(session, name) is not None:
        raise AgentExists(name)
    try:
        with session.begin_nested():
            row = Agent(**values)
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AgentExists(name) from None
    return _record(row)


def get_agent(session: Session, *, agent_id: int) -> AgentRecord:
    """Return an agent by id (active or not).

    Raises:
        AgentNotFound: No such agent.
    """
    row = session.get(Agent, agent_id)
    if row is None:
        raise AgentNotFound(str(agent_id))
    return _record(row)


def get_agent_by_username(session: Session, *, username: str) -> tuple[AgentRecord, str] | None:
    """Return an agent (active or not) and its password hash, for signing in.

    Returns:
        The agent and its stored hash, or None for an unknown or invalid username.
    """
    try:
        name = normalize_username(username)
    except ValueError:
        return None
    row = _by_username(session, name)
    if row is None:
        return None
    return _record(row), str(row.password_hash)


def set_password_hash(
    session: Session, *, username: str, password_hash: str, now: dt.datetime | None = None
) -> AgentRecord:
    """Replace an agent's password hash and revoke its live sessions.

    Raises:
        AgentNotFound: No such agent.
        ValueError: Empty or too long hash, or naive ``now``.
    """
    new_hash = bounded("password_hash", password_hash, PASSWORD_HASH_MAX)
    revoked_at = aware(now)
    row = _existing(session, username)
    row.password_hash = new_hash
    session.flush()
    revoke_agent_sessions(session, agent_id=row.id, now=revoked_at)
    return _record(row)


def set_active(
    session: Session, *, username: str, active: bool, now: dt.datetime | None = None
) -> AgentRecord:
    """Enable or disable an agent; disabling revokes its live sessions.

    Raises:
        AgentNotFound: No such agent.
        ValueError: Naive ``now``.
    """
    revoked_at = aware(now)
    row = _existing(session, username)
    row.active = bool(active)
    session.flush()
    if not active:
        revoke_agent_sessions(session, agent_id=row.id, now=revoked_at)
    return _record(row)


def set_role(session: Session, *, username: str, role: str) -> AgentRecord:
    """Give an agent another role (takes effect on the agent's next request).

    Raises:
        AgentNotFound: No such agent.
        ValueError: Unknown role.
    """
    new_role = choice("role", role, AGENT_ROLES)
    row = _existing(session, username)
    row.role = new_role
    session.flush()
    return _record(row)


def list_agents(session: Session) -> list[AgentRecord]:
    """Return every agent, active or not, by username."""
    rows = session.execute(select(Agent).order_by(Agent.username)).scalars().all()
    return [_record(row) for row in rows]


def touch_login(session: Session, *, agent_id: int, now: dt.datetime | None = None) -> AgentRecord:
    """Record a successful sign-in (``last_login_at``).

    Raises:
        AgentNotFound: No such agent.
        ValueError: Naive ``now``.
    """
    login_at = aware(now)
    row = session.get(Agent, agent_id)
    if row is None:
        raise AgentNotFound(str(agent_id))
    row.last_login_at = login_at
    session.flush()
    return _record(row)


# --------------------------------------------------------------------------- sessions


def create_session(
    session: Session,
    *,
    agent_id: int,
    token_hash: str,
    expires_at: dt.datetime,
    now: dt.datetime | None = None,
) -> None:
    """Store a new console session of an agent.

    Args:
        session: Session with a transaction owned by the caller.
        agent_id: The signed-in agent.
        token_hash: SHA-256 hex of the session token (the token is never stored).
        expires_at: End of validity (aware), after ``now``.
        now: Creation time (aware); default the current time.

    Raises:
        AgentNotFound: No such agent.
        ValueError: Malformed hash, ``expires_at`` not after ``now``, naive datetimes.
    """
    digest = _token_hash(token_hash)
    created_at = aware(now)
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be a timezone-aware datetime")
    if expires_at <= created_at:
        raise ValueError("expires_at must be after now")
    if session.get(Agent, agent_id) is None:
        raise AgentNotFound(str(agent_id))
    session.add(
        AgentSession(
            token_hash=digest, agent_id=agent_id, created_at=created_at, expires_at=expires_at
        )
    )
    session.flush()


def agent_for_token_hash(
    session: Session, *, token_hash: str, now: dt.datetime | None = None
) -> AgentRecord | None:
    """Return the agent of a live session.

    Returns:
        The agent, or None when the hash is unknown or malformed, the session has
        expired (``expires_at <= now``) or been revoked, or the agent is disabled.

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    try:
        digest = _token_hash(token_hash)
    except ValueError:
        return None
    row = session.execute(
        select(Agent)
        .join(AgentSession, AgentSession.agent_id == Agent.id)
        .where(
            AgentSession.token_hash == digest,
            AgentSession.revoked_at.is_(None),
            AgentSession.expires_at > at,
            Agent.active.is_(True),
        )
    ).scalar_one_or_none()
    return None if row is None else _record(row)


def extend_session(
    session: Session,
    *,
    token_hash: str,
    idle: dt.timedelta,
    lifetime: dt.timedelta,
    now: dt.datetime | None = None,
) -> dt.datetime | None:
    """Move the end of a live session to ``now + idle``, never past ``created_at + lifetime``.

    The sliding idle timeout of the console. The row is only written when its end moves
    by at least a tenth of ``idle`` (a minute at most), or back (``idle`` lowered).

    Returns:
        The session's end, or None when the hash names no live session.

    Raises:
        ValueError: Naive ``now``.
    """
    at = aware(now)
    try:
        digest = _token_hash(token_hash)
    except ValueError:
        return None
    row = session.execute(
        select(AgentSession).where(
            AgentSession.token_hash == digest,
            AgentSession.revoked_at.is_(None),
            AgentSession.expires_at > at,
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    target = min(row.created_at + lifetime, at + idle)
    if target < row.expires_at or target - row.expires_at >= min(
        idle / 10, dt.timedelta(minutes=1)
    ):
        row.expires_at = target
        session.flush()
    return row.expires_at  # type: ignore[no-any-return]


def revoke_session(session: Session, *, token_hash: str, now: dt.datetime | None = None) -> bool:
    """Revoke a session (sign out).

    Returns:
        Whether a session that was not yet revoked was found.

    Raises:
        ValueError: Naive ``now``.
    """
    revoked_at = aware(now)
    try:
        digest = _token_hash(token_hash)
    except ValueError:
        return False
    result = session.execute(
        update(AgentSession)
        .where(AgentSession.token_hash == digest, AgentSession.revoked_at.is_(None))
        .values(revoked_at=revoked_at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) > 0


def revoke_agent_sessions(
    session: Session, *, agent_id: int, now: dt.datetime | None = None
) -> int:
    """Revoke every session of an agent that is not revoked yet.

    Returns:
        How many sessions were revoked.

    Raises:
        ValueError: Naive ``now``.
    """
    revoked_at = aware(now)
    result = session.execute(
        update(AgentSession)
        .where(AgentSession.agent_id == agent_id, AgentSession.revoked_at.is_(None))
        .values(revoked_at=revoked_at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
