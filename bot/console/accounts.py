"""Agent accounts for the console: creating agents, signing in and out, session tokens.

Each function runs in its own transaction (:func:`bot.tickets.db.session_scope`).
A sign-in hands out a random token; only its SHA-256 is stored, so the database
alone never lets anyone in. ``url`` (keyword) overrides ``DATABASE_URL``, for the
command line and tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from bot.console.passwords import (
    check_password_policy,
    hash_password,
    hash_token,
    verify_password,
)
from bot.settings import get_settings
from bot.tickets import agents as store
from bot.tickets.agents import AgentRecord
from bot.tickets.db import session_scope
from bot.tickets.presence import set_presence

#: How long a console session lasts at most after signing in, however active.
SESSION_TTL = dt.timedelta(hours=8)
#: Bytes of randomness of a session token (before URL-safe base64).
TOKEN_BYTES = 32


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown users so they cost the same time."""
    return hash_password(secrets.token_urlsafe(32))


def idle_timeout() -> dt.timedelta:
    """How long a console session lasts without activity (``CONSOLE_IDLE_MINUTES``)."""
    return min(SESSION_TTL, dt.timedelta(minutes=get_settings().console_idle_minutes))


def _now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def _same_account(current: tuple[AgentRecord, str], agent: AgentRecord, stored: str) -> bool:
    """Whether an account re-read is still the active one whose password was verified."""
    again, stored_again = current
    return again.id == agent.id and again.active and stored_again == stored


def add_agent(
    username: str,
    display_name: str,
    password: str,
    *,
    role: str = "agent",
    url: str | None = None,
) -> AgentRecord:
    """Create an active agent account (``role``: agent, supervisor or manager).

    Raises:
        ValueError: Invalid username, display name or role, or a password the policy refuses.
        AgentExists: The username is taken.
        TicketStoreUnavailable: The database cannot be reached.
    """
    store.normalize_username(username)  # refuse a bad name before spending time hashing
    check_password_policy(password)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        return store.create_agent(
            session,
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            role=role,
        )


def set_role(username: str, role: str, *, url: str | None = None) -> AgentRecord:
    """Give an agent another role (agent, supervisor or manager).

    Raises:
        ValueError: Unknown role.
        AgentNotFound: No such agent.
        TicketStoreUnavailable: The database cannot be reached.
    """
    with session_scope(url) as session:
        return store.set_role(session, username=username, role=role)


def set_password(username: str, password: str, *, url: str | None = None) -> AgentRecord:
    """Give an agent a new password; the agent's open sessions end.

    Raises:
        ValueError: A password the policy refuses.
        AgentNotFound: No such agent.
        TicketStoreUnavailable: The database cannot be reached.
    """
    check_password_policy(password)
    password_hash = hash_password(password)
    with session_scope(url) as session:
        return store.set_password_hash(session, username=username, password_hash=password_hash)


def disable_agent(username: str, *, url: str | None = None) -> AgentRecord:
    """Disable an agent: no more sign-ins, and its open sessions end.

    Raises:
        AgentNotFound: No such agent.
        TicketStoreUnavailable: The database cannot be reached.
    """
    with session_scope(url) as session:
        return store.set_active(session, username=username, active=False)


def enable_agent(username: str, *, url: str | None = None) -> AgentRecord:
    """Let a disabled agent sign in again.

    Raises:
        AgentNotFound: No such agent.
        TicketStoreUnavailable: The database cannot be reached.
    """
    with session_scope(url) as session:
        return store.set_active(session, username=username, active=True)


def list_agents(*, url: str | None = None) -> list[AgentRecord]:
    """Return every agent account, active or not, by username."""
    with session_scope(url) as session:
        return store.list_agents(session)


def sign_in(
    username: str, password: str, *, now: dt.datetime | None = None, url: str | None = None
) -> tuple[AgentRecord, str] | None:
    """Check an agent's credentials and open a console session.

    An unknown user, a wrong password and a disabled agent all get None, after one
    scrypt verification each (against a dummy hash for unknown users), so response
    times do not tell them apart.

    Args:
        username: As typed (letter case and surrounding spaces do not matter).
        password: As typed.
        now: Sign-in time (aware); default the current time.
        url: Database URL; default the settings.

    Returns:
        The agent (``last_login_at`` updated) and a new session token valid for
        :func:`idle_timeout` (extended by activity up to :data:`SESSION_TTL`), or None.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    at = _now(now)
    with session_scope(url) as session:
        found = store.get_agent_by_username(session, username=username)
    # Verified outside any transaction: on SQLite a transaction holds the write lock.
    if found is None:
        verify_password(password, _dummy_hash())
        return None
    agent, stored = found
    if not verify_password(password, stored) or not agent.active:
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with session_scope(url) as session:
        # The password or the account may have changed while the password was checked.
        current = store.get_agent_by_username(session, username=username)
        if current is None or not _same_account(current, agent, stored):
            return None
        store.create_session(
            session,
            agent_id=agent.id,
            token_hash=hash_token(token),
            expires_at=at + idle_timeout(),
            now=at,
        )
        signed_in = store.touch_login(session, agent_id=agent.id, now=at)
        set_presence(session, agent_id=agent.id, presence="online", now=at)  # ready for chats
        return signed_in, token


def agent_for_token(
    token: str, *, now: dt.datetime | None = None, url: str | None = None, active: bool = True
) -> AgentRecord | None:
    """Return the agent signed in with a session token.

    Args:
        token: The session cookie's value.
        now: Time of the request (aware); default the current time.
        url: Database URL; default the settings.
        active: Whether the request is the agent's activity, which extends the session by
            :func:`idle_timeout` (the console's background polling is not).

    Returns:
        The agent, or None when the token is empty or unknown, the session expired
        (idle too long, or older than :data:`SESSION_TTL`) or was signed out, or the
        agent has been disabled.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    if not isinstance(token, str) or not token:
        return None
    at = _now(now)
    digest = hash_token(token)
    with session_scope(url) as session:
        agent = store.agent_for_token_hash(session, token_hash=digest, now=at)
        if agent is not None and active:
            store.extend_session(
                session, token_hash=digest, idle=idle_timeout(), lifetime=SESSION_TTL, now=at
            )
        return agent


def sign_out(token: str, *, url: str | None = None) -> None:
    """End the session of a token (nothing happens for an unknown token); its agent goes offline.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    if not isinstance(token, str) or not token:
        return
    with session_scope(url) as session:
        agent = store.agent_for_token_hash(session, token_hash=hash_token(token))
        store.revoke_session(session, token_hash=hash_token(token))
        if agent is not None:
            set_presence(session, agent_id=agent.id, presence="offline")
