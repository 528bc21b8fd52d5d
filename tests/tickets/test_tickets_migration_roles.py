"""Migration 0014_agent_roles: existing accounts become agents, roles are checked, downgrade."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Boolean, Integer, String, column, func, inspect, select, table
from sqlalchemy.exc import IntegrityError

from bot.tickets import migrate
from bot.tickets.db import build_engine
from bot.tickets.models import UTCDateTime

BEFORE = "0013_returning_status"
REVISION = "0014_agent_roles"
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.timezone.utc)

_agents = table(
    "agents",
    column("id", Integer),
    column("username", String),
    column("display_name", String),
    column("password_hash", String),
    column("active", Boolean),
    column("created_at", UTCDateTime),
    column("role", String),
)


def _insert(url: str, username: str, **values: str) -> None:
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                _agents.insert().values(
                    username=username,
                    display_name=username,
                    password_hash="scrypt$x",
                    active=True,
                    created_at=T0,
                    **values,
                )
            )
    finally:
        engine.dispose()


def _roles(url: str) -> dict[str, str]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(_agents.c.username, _agents.c.role)).all()
            return {str(name): str(role) for name, role in rows}
    finally:
        engine.dispose()


def _columns(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("agents")}
    finally:
        engine.dispose()


def _count(url: str) -> int:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_agents)).scalar_one())
    finally:
        engine.dispose()


def test_roles_up_and_down(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url, BEFORE)
    assert "role" not in _columns(empty_db_url)
    engine = build_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                table(
                    "agents",
                    column("username", String),
                    column("display_name", String),
                    column("password_hash", String),
                    column("active", Boolean),
                    column("created_at", UTCDateTime),
                ).insert(),
                [
                    {
                        "username": "zhang",
                        "display_name": "张三",
                        "password_hash": "scrypt$x",
                        "active": True,
                        "created_at": T0,
                    }
                ],
            )
    finally:
        engine.dispose()

    migrate.upgrade(empty_db_url, REVISION)
    assert _roles(empty_db_url) == {"zhang": "agent"}
    _insert(empty_db_url, "wang", role="manager")
    with pytest.raises(IntegrityError):
        _insert(empty_db_url, "li", role="boss")
    assert _roles(empty_db_url) == {"zhang": "agent", "wang": "manager"}

    migrate.downgrade(empty_db_url, BEFORE)
    assert "role" not in _columns(empty_db_url)
    assert _count(empty_db_url) == 2
