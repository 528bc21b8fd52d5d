"""The agent account service: adding agents, signing in and out, session tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import accounts
from bot.console.passwords import verify_password
from bot.settings import get_settings
from bot.tickets import migrate
from bot.tickets.agents import AgentExists, AgentNotFound, has_role
from bot.tickets.db import dispose_engines, session_scope
from bot.tickets.models import Agent, AgentSession

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
PASSWORD = "s3cret-enough"


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite store as the configured DATABASE_URL (the service's default)."""
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    dispose_engines()
    migrate.upgrade(url)
    yield url
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def zhang() -> accounts.AgentRecord:
    return accounts.add_agent("Zhang", "张三", PASSWORD)


def _stored_sessions() -> list[tuple[str, int]]:
    with session_scope() as session:
        rows = session.execute(select(AgentSession.token_hash, AgentSession.agent_id)).all()
    return [(str(token_hash), int(agent_id)) for token_hash, agent_id in rows]


def test_add_agent_hashes_the_password(zhang: accounts.AgentRecord) -> None:
    assert (zhang.username, zhang.display_name, zhang.active) == ("zhang", "张三", True)
    with session_scope() as session:
        stored = session.execute(select(Agent.password_hash)).scalar_one()
    assert stored.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in stored
    assert verify_password(PASSWORD, stored)


def test_add_agent_refuses_bad_input(zhang: accounts.AgentRecord) -> None:
    with pytest.raises(ValueError, match="at least 10 characters"):
        accounts.add_agent("lisi", "李四", "short")
    with pytest.raises(ValueError, match="username must be"):
        accounts.add_agent("li si", "李四", PASSWORD)
    with pytest.raises(AgentExists):
        accounts.add_agent("ZHANG", "另一个张三", PASSWORD)
    assert [a.username for a in accounts.list_agents()] == ["zhang"]


def test_sign_in_returns_the_agent_and_a_new_token(zhang: accounts.AgentRecord) -> None:
    signed = accounts.sign_in(" ZHANG ", PASSWORD, now=NOW)

    assert signed is not None
    agent, token = signed
    assert (agent.id, agent.username, agent.last_login_at) == (zhang.id, "zhang", NOW)
    assert len(token) >= 43
    # Only the token's SHA-256 is stored.
    assert _stored_sessions() == [(hashlib.sha256(token.encode()).hexdigest(), zhang.id)]
    assert accounts.agent_for_token(token, now=NOW + dt.timedelta(minutes=29)) == agent

    again = accounts.sign_in("zhang", PASSWORD, now=NOW)
    assert again is not None and again[1] != token
    assert len(_stored_sessions()) == 2


def test_wrong_password_unknown_user_and_disabled_agent_get_none(
    zhang: accounts.AgentRecord,
) -> None:
    assert accounts.sign_in("zhang", PASSWORD + "x", now=NOW) is None
    assert accounts.sign_in("zhang", "", now=NOW) is None
    assert accounts.sign_in("nobody", PASSWORD, now=NOW) is None
    assert accounts.sign_in("not a valid name!", PASSWORD, now=NOW) is None
    accounts.disable_agent("zhang")
    assert accounts.sign_in("zhang", PASSWORD, now=NOW) is None
    assert _stored_sessions() == []
    assert accounts.list_agents()[0].last_login_at is None


def test_every_refusal_costs_one_password_verification(
    monkeypatch: pytest.MonkeyPatch, zhang: accounts.AgentRecord
) -> None:
    accounts.add_agent("lisi", "李四", PASSWORD)
    accounts.disable_agent("lisi")
    checked: list[str] = []
    real = accounts.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(accounts, "verify_password", spy)
    for username, password in (
        ("nobody", PASSWORD),
        ("zhang", "wrong-password"),
        ("lisi", PASSWORD),
    ):
        checked.clear()
        assert accounts.sign_in(username, password, now=NOW) is None
        assert len(checked) == 1, username
        assert checked[0].startswith("scrypt$16384$8$1$"), username


def test_sessions_expire_after_the_ttl_however_active(zhang: accounts.AgentRecord) -> None:
    assert dt.timedelta(hours=8) == accounts.SESSION_TTL
    signed = accounts.sign_in("zhang", PASSWORD, now=NOW)
    assert signed is not None
    _, token = signed

    # Activity every 20 minutes keeps the session alive up to its last second.
    at = NOW
    while at + dt.timedelta(minutes=20) < NOW + accounts.SESSION_TTL:
        at += dt.timedelta(minutes=20)
        assert accounts.agent_for_token(token, now=at) is not None, at
    last_second = NOW + accounts.SESSION_TTL - dt.timedelta(seconds=1)
    assert accounts.agent_for_token(token, now=last_second) is not None
    assert accounts.agent_for_token(token, now=NOW + accounts.SESSION_TTL) is None


def test_sessions_end_after_the_idle_timeout(zhang: accounts.AgentRecord) -> None:
    assert accounts.idle_timeout() == dt.timedelta(minutes=30)
    signed = accounts.sign_in("zhang", PASSWORD, now=NOW)
    assert signed is not None
    _, token = signed

    # Background requests (active=False) see the session but do not extend it.
    at = NOW + dt.timedelta(minutes=25)
    assert accounts.agent_for_token(token, now=at, active=False) is not None
    assert accounts.agent_for_token(token, now=NOW + dt.timedelta(minutes=30)) is None
    # Activity slides the end: 30 minutes after the last activity.
    signed = accounts.sign_in("zhang", PASSWORD, now=NOW)
    assert signed is not None
    _, token = signed
    assert accounts.agent_for_token(token, now=at) is not None
    assert accounts.agent_for_token(token, now=at + dt.timedelta(minutes=29)) is not None
    assert accounts.agent_for_token(token, now=at + dt.timedelta(minutes=59, seconds=1)) is None


def test_sign_out_ends_the_session(zhang: accounts.AgentRecord) -> None:
    first = accounts.sign_in("zhang", PASSWORD)
    second = accounts.sign_in("zhang", PASSWORD)
    assert first is not None and second is not None

    accounts.sign_out(first[1])

    assert accounts.agent_for_token(first[1]) is None
    assert accounts.agent_for_token(second[1]) is not None
    accounts.sign_out(first[1])  # again: nothing happens
    accounts.sign_out("never-issued")
    accounts.sign_out("")


def test_unknown_and_empty_tokens(zhang: accounts.AgentRecord) -> None:
    assert accounts.agent_for_token("") is None
    assert accounts.agent_for_token("never-issued") is None
    assert accounts.agent_for_token(None) is None  # type: ignore[arg-type]


def test_disabling_an_agent_signs_it_out(zhang: accounts.AgentRecord) -> None:
    signed = accounts.sign_in("zhang", PASSWORD)
    assert signed is not None
    disabled = accounts.disable_agent("zhang")
    assert not disabled.active
    assert accounts.agent_for_token(signed[1]) is None
    enabled = accounts.enable_agent("zhang")
    assert enabled.active
    assert accounts.agent_for_token(signed[1]) is None
    assert accounts.sign_in("zhang", PASSWORD) is not None


def test_a_new_password_replaces_the_old_one_and_signs_out(zhang: accounts.AgentRecord) -> None:
    signed = accounts.sign_in("zhang", PASSWORD)
    assert signed is not None

    accounts.set_password("zhang", "a-brand-new-password")

    assert accounts.agent_for_token(signed[1]) is None
    assert accounts.sign_in("zhang", PASSWORD) is None
    assert accounts.sign_in("zhang", "a-brand-new-password") is not None
    with pytest.raises(ValueError, match="at least 10 characters"):
        accounts.set_password("zhang", "short")
    with pytest.raises(AgentNotFound):
        accounts.set_password("nobody", "a-brand-new-password")
    with pytest.raises(AgentNotFound):
        accounts.disable_agent("nobody")


def test_a_password_changed_during_sign_in_refuses_it(
    monkeypatch: pytest.MonkeyPatch, zhang: accounts.AgentRecord
) -> None:
    real = accounts.verify_password

    def verify_while_an_admin_changes_it(password: str, stored: str) -> bool:
        result = real(password, stored)
        with session_scope() as session:
            session.execute(select(Agent)).scalar_one().password_hash = "scrypt$changed"
        return result

    monkeypatch.setattr(accounts, "verify_password", verify_while_an_admin_changes_it)
    assert accounts.sign_in("zhang", PASSWORD) is None
    assert _stored_sessions() == []


def test_naive_times_are_refused(zhang: accounts.AgentRecord) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        accounts.sign_in("zhang", PASSWORD, now=dt.datetime(2026, 11, 22, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        accounts.agent_for_token("x", now=dt.datetime(2026, 11, 22, 9, 0))


def test_an_explicit_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate.upgrade(url)
    accounts.add_agent("wang", "王五", PASSWORD, url=url)
    signed = accounts.sign_in("wang", PASSWORD, url=url)
    assert signed is not None
    assert accounts.agent_for_token(signed[1], url=url) is not None
    assert accounts.agent_for_token(signed[1]) is None  # not in the configured store
    assert [a.username for a in accounts.list_agents(url=url)] == ["wang"]
    assert accounts.list_agents() == []


def test_roles_are_ranked() -> None:
    assert has_role("manager", "supervisor") and has_role("manager", "agent")
    assert has_role("supervisor", "supervisor") and not has_role("supervisor", "manager")
    assert not has_role("agent", "supervisor")
    assert not has_role("boss", "agent")  # a role not (or no longer) known grants nothing
    with pytest.raises(ValueError):
        has_role("manager", "boss")


def test_new_agents_are_agents_unless_told(zhang: accounts.AgentRecord) -> None:
    assert zhang.role == "agent"
    manager = accounts.add_agent("wang", "王五", PASSWORD, role="manager")
    assert manager.role == "manager"
    signed = accounts.sign_in("wang", PASSWORD)
    assert signed is not None and signed[0].role == "manager"
    with pytest.raises(ValueError):
        accounts.add_agent("zhao", "赵六", PASSWORD, role="boss")
    assert accounts.set_role("zhang", "supervisor").role == "supervisor"
    with pytest.raises(ValueError):
        accounts.set_role("zhang", "boss")
    with pytest.raises(AgentNotFound):
        accounts.set_role("nobody", "agent")
    roles = {agent.username: agent.role for agent in accounts.list_agents()}
    assert roles == {"wang": "manager", "zhang": "supervisor"}
