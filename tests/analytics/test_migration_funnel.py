"""Migration 0016: the funnel and diagnosis columns (zero for rows folded before), both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Integer, String, column, inspect, select, table

from bot.tickets import migrate
from bot.tickets.db import build_engine
from bot.tickets.models import UTCDateTime, metadata

BEFORE = "0015_agent_tools"
REVISION = "0016_analytics_funnel"
NEW = {
    "intake_slots",
    "intakes_confirmed",
    "intake_tickets",
    "diagnosis_offered",
    "diagnosis_to_ticket",
}
COUNTS = (
    "events",
    "sessions",
    "user_messages",
    "intakes_started",
    "tickets_created",
    "handoffs",
    "handoffs_queued",
    "callbacks_offered",
    "fallbacks",
    "ratings",
)
OLD_ROW = table(
    "analytics_conversations",
    column("sender_id", String),
    *(column(name, Integer) for name in COUNTS),
    column("intents", JSON),
    column("ticket_nos", JSON),
    column("fold_state", JSON),
    column("updated_at", UTCDateTime),
)
NEW_ROW = table(
    "analytics_conversations",
    column("sender_id", String),
    column("intake_slots", JSON),
    *(column(name, Integer) for name in sorted(NEW - {"intake_slots"})),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A database at the revision before 0016."""
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'migration.db'}"
        migrate.upgrade(database, BEFORE)
        return database
    postgres: str = request.getfixturevalue("postgres_url")
    migrate.downgrade(postgres, BEFORE)
    return postgres


#: Tables of later revisions (0017_missed_messages).
LATER_TABLES = {"analytics_missed_messages"}


def _at_this_revision(item: Any, name: str | None, kind: str, *_: Any) -> bool:
    table_name = name if kind == "table" else getattr(getattr(item, "table", None), "name", None)
    return table_name not in LATER_TABLES


def columns(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("analytics_conversations")}
    finally:
        engine.dispose()


def test_0016_adds_the_columns_keeps_the_rows_and_goes_back(url: str) -> None:
    assert not NEW & columns(url)
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                OLD_ROW.insert().values(
                    sender_id="folded-before",
                    intents={"greet": 1},
                    ticket_nos=[],
                    fold_state={"active_loop": "repair_form"},
                    updated_at=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc),
                    **dict.fromkeys(COUNTS, 1),
                )
            )
    finally:
        engine.dispose()
    migrate.upgrade(url, REVISION)
    assert migrate.current_revision(url) == REVISION
    assert columns(url) >= NEW
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(NEW_ROW)).one()
            opts = {"compare_type": True, "include_object": _at_this_revision}
            context = MigrationContext.configure(connection, opts=opts)
            assert list(compare_metadata(context, metadata)) == []
    finally:
        engine.dispose()
    assert row._asdict() == {
        "sender_id": "folded-before",
        "intake_slots": {},
        "diagnosis_offered": 0,
        "diagnosis_to_ticket": 0,
        "intakes_confirmed": 0,
        "intake_tickets": 0,
    }
    migrate.downgrade(url, BEFORE)
    assert not NEW & columns(url)
    migrate.upgrade(url, REVISION)
    assert columns(url) >= NEW
