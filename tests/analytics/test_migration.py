"""Migration 0007: the analytics tables, as the models declare them, on both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Integer, String, column, inspect, table
from sqlalchemy.exc import IntegrityError

from bot.tickets import migrate
from bot.tickets.db import build_engine
from bot.tickets.models import UTCDateTime, metadata
from tests.tickets.helpers import HEAD

TABLES = {"analytics_conversations", "analytics_event_keys"}
NOW = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A database at revision 0006."""
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'migration.db'}"
        migrate.upgrade(database, "0006")
        return database
    postgres: str = request.getfixturevalue("postgres_url")
    migrate.downgrade(postgres, "0006")
    return postgres


def tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def diff(url: str) -> list[Any]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


CONVERSATIONS = table(
    "analytics_conversations",
    *(column(name, Integer) for name in ("events", "sessions", "user_messages", "rating")),
    *(column(name, Integer) for name in ("intakes_started", "tickets_created", "handoffs")),
    *(column(name, Integer) for name in ("handoffs_queued", "callbacks_offered", "fallbacks")),
    column("ratings", Integer),
    column("sender_id", String),
    column("rating_context", String),
    column("intents", JSON),
    column("ticket_nos", JSON),
    column("fold_state", JSON),
    column("updated_at", UTCDateTime),
)


def row(sender_id: str, **values: Any) -> dict[str, Any]:
    counts = ("events", "sessions", "user_messages", "intakes_started", "tickets_created")
    more = ("handoffs", "handoffs_queued", "callbacks_offered", "fallbacks", "ratings")
    return {
        **dict.fromkeys(counts + more, 0),
        "sender_id": sender_id,
        "intents": {},
        "ticket_nos": [],
        "fold_state": {},
        "updated_at": NOW,
        **values,
    }


def test_0007_adds_the_tables_as_modelled_and_goes_back(url: str) -> None:
    assert not TABLES & tables(url)
    migrate.upgrade(url)
    assert migrate.current_revision(url) == HEAD
    assert tables(url) >= TABLES
    assert diff(url) == []
    engine = build_engine(url)
    try:
        inspector = inspect(engine)
        assert {c["name"] for c in inspector.get_check_constraints("analytics_conversations")} == {
            "ck_analytics_conversations_rating",
            "ck_analytics_conversations_rating_context",
        }
        with engine.connect() as connection:
            with connection.begin():
                connection.execute(CONVERSATIONS.insert().values(**row("a", rating=5)))
            for bad in (row("b", rating=0), row("c", rating=6), row("d", rating_context="x")):
                with pytest.raises(IntegrityError), connection.begin():
                    connection.execute(CONVERSATIONS.insert().values(**bad))
    finally:
        engine.dispose()
    migrate.downgrade(url, "0006")
    assert not TABLES & tables(url)
    migrate.upgrade(url)
    assert diff(url) == []
