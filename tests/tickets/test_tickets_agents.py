"""Agent accounts and console sessions in the ticket store, on both backends."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.agents import (
    AgentExists,
    AgentNotFound,
    AgentRecord,
    agent_for_token_hash,
    create_agent,
    create_session,
    get_agent,
    get_agent_by_username,
    list_agents,
    normalize_username,
    revoke_agent_sessions,
    revoke_session,
    set_active,
    set_password_hash,
    touch_login,
)
from bot.tickets.models import Agent, AgentSession

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alice(session: Session, username: str = "alice") -> AgentRecord:
    return create_agent(
        session, username=username, display_name="王小丽", password_hash="scrypt$hash", now=T0
    )


def signed_in(session: Session, agent: AgentRecord, token: str = "token-1") -> str:
    create_session(
        session, agent_id=agent.id, token_hash=digest(token), expires_at=T0 + 8 * HOUR, now=T0
    )
    return digest(token)


# --------------------------------------------------------------------------- accounts


def test_create_agent_stores_a_lower_case_username(session: Session) -> None:
    agent = create_agent(
        session,
        username="  Alice.W-2_ ",
        display_name="王小丽",
        password_hash="scrypt$16384$8$1$c2FsdA==$aGFzaA==",
        now=T0,
    )

    assert (agent.username, agent.display_name, agent.active) == ("alice.w-2_", "王小丽", True)
    assert (agent.created_at, agent.last_login_at) == (T0, None)
    assert get_agent(session, agent_id=agent.id) == agent
    found = get_agent_by_username(session, username="ALICE.W-2_")
    assert found == (agent, "scrypt$16384$8$1$c2FsdA==$aGFzaA==")


def test_usernames_are_unique_in_any_letter_case(session: Session) -> None:
    alice(session)
    with pytest.raises(AgentExists, match="agent alice already exists"):
        alice(session, username="ALICE")
    assert [a.username for a in list_agents(session)] == ["alice"]
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Agent).values(
                username="alice", display_name="x", password_hash="x", created_at=T0
            )
        )
    nested.rollback()


@pytest.mark.parametrize(
    "username", ["ab", "a" * 33, "ali ce", "alice!", "", "  ", "张三", "alice@example.com"]
)
def test_invalid_usernames_are_refused(session: Session, username: str) -> None:
    with pytest.raises(ValueError, match="username must be 3 to 32 characters"):
        alice(session, username=username)
    assert get_agent_by_username(session, username=username) is None


@pytest.mark.parametrize("username", ["abc", "a" * 32, "a.b-c_9"])
def test_valid_username_edges(username: str) -> None:
    assert normalize_username(username.upper()) == username


@pytest.mark.parametrize(
    ("display_name", "password_hash", "message"),
    [
        ("", "h", "display_name must be a non-empty string"),
        ("名" * 65, "h", "display_name is longer than 64"),
        ("Alice", " ", "password_hash must be a non-empty string"),
        ("Alice", "h" * 256, "password_hash is longer than 255"),
    ],
)
def test_bad_account_fields_are_refused(
    session: Session, display_name: str, password_hash: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create_agent(
            session, username="alice", display_name=display_name, password_hash=password_hash
        )


def test_the_database_defaults_new_agents_to_active(session: Session) -> None:
    session.execute(
        insert(Agent).values(username="raw", display_name="x", password_hash="x", created_at=T0)
    )
    assert session.execute(select(Agent.active).where(Agent.username == "raw")).scalar_one()


def test_list_agents_by_username_with_disabled_ones(session: Session) -> None:
    for name in ("carol", "alice", "bob"):
        alice(session, username=name)
    set_active(session, username="bob", active=False)

    agents = list_agents(session)

    assert [(a.username, a.active) for a in agents] == [
        ("alice", True),
        ("bob", False),
        ("carol", True),
    ]


def test_unknown_agents(session: Session) -> None:
    assert get_agent_by_username(session, username="nobody") is None
    with pytest.raises(AgentNotFound, match="no agent nobody"):
        set_password_hash(session, username="nobody", password_hash="h")
    with pytest.raises(AgentNotFound):
        set_active(session, username="nobody", active=False)
    with pytest.raises(AgentNotFound):
        get_agent(session, agent_id=999)
    with pytest.raises(AgentNotFound):
        touch_login(session, agent_id=999)
    with pytest.raises(AgentNotFound):
        create_session(session, agent_id=999, token_hash=digest("t"), expires_at=T0 + HOUR, now=T0)


def test_touch_login_records_the_sign_in(session: Session) -> None:
    agent = alice(session)
    touched = touch_login(session, agent_id=agent.id, now=T0 + HOUR)
    assert touched.last_login_at == T0 + HOUR
    assert get_agent(session, agent_id=agent.id).last_login_at == T0 + HOUR


# --------------------------------------------------------------------------- sessions


def test_a_live_session_finds_its_agent(session: Session) -> None:
    agent = alice(session)
    token_hash = signed_in(session, agent)

    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + HOUR) == agent
    assert agent_for_token_hash(session, token_hash=digest("other"), now=T0 + HOUR) is None
    stored = session.execute(select(AgentSession)).scalar_one()
    assert (stored.token_hash, stored.agent_id, stored.revoked_at) == (token_hash, agent.id, None)


def test_a_session_expires_at_its_expiry_time(session: Session) -> None:
    agent = alice(session)
    token_hash = signed_in(session, agent)
    expires_at = T0 + 8 * HOUR

    before = expires_at - dt.timedelta(seconds=1)
    assert agent_for_token_hash(session, token_hash=token_hash, now=before) == agent
    assert agent_for_token_hash(session, token_hash=token_hash, now=expires_at) is None
    assert agent_for_token_hash(session, token_hash=token_hash, now=expires_at + HOUR) is None


def test_a_revoked_session_is_refused(session: Session) -> None:
    agent = alice(session)
    token_hash = signed_in(session, agent)
    other = signed_in(session, agent, token="token-2")

    assert revoke_session(session, token_hash=token_hash, now=T0 + HOUR)
    assert not revoke_session(session, token_hash=token_hash, now=T0 + 2 * HOUR)

    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + HOUR) is None
    assert agent_for_token_hash(session, token_hash=other, now=T0 + HOUR) == agent
    revoked_at = session.execute(
        select(AgentSession.revoked_at).where(AgentSession.token_hash == token_hash)
    ).scalar_one()
    assert revoked_at == T0 + HOUR  # the first revocation is kept


def test_disabling_an_agent_ends_its_sessions_for_good(session: Session) -> None:
    agent = alice(session)
    token_hash = signed_in(session, agent)

    disabled = set_active(session, username="alice", active=False, now=T0 + HOUR)

    assert not disabled.active
    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + HOUR) is None
    enabled = set_active(session, username="alice", active=True, now=T0 + 2 * HOUR)
    assert enabled.active
    # The old session stays revoked; a new one works.
    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + 2 * HOUR) is None
    fresh = signed_in(session, agent, token="token-3")
    assert agent_for_token_hash(session, token_hash=fresh, now=T0 + 2 * HOUR) == enabled


def test_an_inactive_agent_is_refused_even_with_an_unrevoked_session(session: Session) -> None:
    agent = alice(session)
    token_hash = signed_in(session, agent)
    # Disabled behind the store's back: its sessions are not revoked.
    session.execute(update(Agent).where(Agent.id == agent.id).values(active=False))
    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + HOUR) is None


def test_a_new_password_ends_the_agents_sessions(session: Session) -> None:
    agent = alice(session)
    bob = alice(session, username="bob")
    token_hash = signed_in(session, agent)
    bobs = signed_in(session, bob, token="bob-token")

    set_password_hash(session, username="Alice", password_hash="scrypt$new", now=T0 + HOUR)

    assert get_agent_by_username(session, username="alice") == (agent, "scrypt$new")
    assert agent_for_token_hash(session, token_hash=token_hash, now=T0 + HOUR) is None
    assert agent_for_token_hash(session, token_hash=bobs, now=T0 + HOUR) == bob
    assert revoke_agent_sessions(session, agent_id=agent.id) == 0
    assert revoke_agent_sessions(session, agent_id=bob.id) == 1


@pytest.mark.parametrize("bad", ["", "abc", "A" * 64, "g" * 64, "0" * 63, "0" * 65])
def test_malformed_token_hashes(session: Session, bad: str) -> None:
    agent = alice(session)
    with pytest.raises(ValueError, match="SHA-256"):
        create_session(session, agent_id=agent.id, token_hash=bad, expires_at=T0 + HOUR, now=T0)
    assert agent_for_token_hash(session, token_hash=bad, now=T0) is None
    assert not revoke_session(session, token_hash=bad)


def test_session_times_are_checked(session: Session) -> None:
    agent = alice(session)
    for expires_at in (T0, T0 - HOUR):
        with pytest.raises(ValueError, match="expires_at must be after now"):
            create_session(
                session, agent_id=agent.id, token_hash=digest("t"), expires_at=expires_at, now=T0
            )
    with pytest.raises(ValueError, match="timezone-aware"):
        create_session(
            session,
            agent_id=agent.id,
            token_hash=digest("t"),
            expires_at=dt.datetime(2030, 1, 1),
            now=T0,
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        agent_for_token_hash(session, token_hash=digest("t"), now=dt.datetime(2030, 1, 1))


def test_token_hashes_are_unique(session: Session) -> None:
    agent = alice(session)
    signed_in(session, agent)
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        signed_in(session, agent)
    nested.rollback()
