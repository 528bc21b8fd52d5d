"""Migration 0015_agent_tools: presence, ``abandoned``, owner signs, notes; kept rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Integer, String, column, func, inspect, select, table
from sqlalchemy.exc import IntegrityError

from bot.tickets import migrate
from bot.tickets.db import build_engine
from bot.tickets.models import UTCDateTime

BEFORE = "0014_agent_roles"
REVISION = "0015_agent_tools"
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.timezone.utc)

_agents = table(
    "agents",
    column("id", Integer),
    column("username", String),
    column("display_name", String),
    column("password_hash", String),
    column("created_at", UTCDateTime),
)
_handoffs = table(
    "handoffs",
    column("id", Integer),
    column("sender_id", String),
    column("channel", String),
    column("reason", String),
    column("summary", JSON),
    column("status", String),
    column("agent_id", Integer),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)
_sessions = table(
    "agent_sessions",
    column("token_hash", String),
    column("agent_id", Integer),
    column("created_at", UTCDateTime),
    column("expires_at", UTCDateTime),
)


def _run(url: str, *statements: object) -> None:
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[call-overload]
    finally:
        engine.dispose()


def _handoff(sender_id: str, status: str) -> object:
    return _handoffs.insert().values(
        sender_id=sender_id,
        channel="socketio",
        reason="request_human",
        summary={},
        status=status,
        created_at=T0,
        updated_at=T0,
    )


def _refused(url: str, statement: object) -> bool:
    try:
        _run(url, statement)
    except IntegrityError:
        return True
    return False


def _state(url: str) -> tuple[list[tuple[str, str]], int, set[str]]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(_handoffs.c.sender_id, _handoffs.c.status).order_by(_handoffs.c.id)
            ).all()
            sessions = connection.execute(select(func.count()).select_from(_sessions)).scalar_one()
            columns = {c["name"] for c in inspect(connection).get_columns("agents")}
            return [tuple(r) for r in rows], int(sessions), columns  # type: ignore[misc]
    finally:
        engine.dispose()


def test_upgrade_keeps_rows_and_the_open_index_and_downgrade_maps_abandoned(
    empty_db_url: str,
) -> None:
    migrate.upgrade(empty_db_url, BEFORE)
    _run(
        empty_db_url,
        _agents.insert().values(
            id=1, username="alice", display_name="A", password_hash="x", created_at=T0
        ),
        _sessions.insert().values(token_hash="a" * 64, agent_id=1, created_at=T0, expires_at=T0),
        _handoff("u1", "queued"),
        _handoff("u2", "closed"),
    )
    assert _refused(empty_db_url, _handoff("u3", "abandoned"))

    migrate.upgrade(empty_db_url, REVISION)
    assert migrate.current_revision(empty_db_url) == REVISION
    rows, sessions, columns = _state(empty_db_url)
    assert (rows, sessions) == ([("u1", "queued"), ("u2", "closed")], 1)
    assert {"presence", "presence_at", "role"} <= columns
    # Still one open handoff per sender (the partial index kept its WHERE) ...
    assert _refused(empty_db_url, _handoff("u1", "active"))
    # ... and ended ones are not counted, abandoned included.
    _run(empty_db_url, _handoff("u1", "abandoned"), _handoff("u2", "queued"))
    assert _refused(empty_db_url, _handoff("u4", "gone"))
    agents = table("agents", column("presence", String))
    assert _refused(empty_db_url, agents.update().values(presence="busy"))

    migrate.downgrade(empty_db_url, BEFORE)
    rows, sessions, columns = _state(empty_db_url)
    assert rows == [("u1", "queued"), ("u2", "closed"), ("u1", "closed"), ("u2", "queued")]
    assert sessions == 1 and "presence" not in columns
    assert _refused(empty_db_url, _handoff("u2", "active"))
    assert _refused(empty_db_url, _handoff("u5", "abandoned"))

    migrate.upgrade(empty_db_url)
    assert not _refused(empty_db_url, _handoff("u5", "abandoned"))


def test_notes_table_comes_and_goes(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url, REVISION)
    engine = build_engine(empty_db_url)
    try:
        assert "internal_notes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    migrate.downgrade(empty_db_url, BEFORE)
    engine = build_engine(empty_db_url)
    try:
        assert "internal_notes" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
