"""Migration 0017: the missed messages' table, on both backends, up and down again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from bot.tickets import migrate
from bot.tickets.db import build_engine, session_scope
from bot.tickets.models import AnalyticsMissedMessage, metadata

BEFORE = "0016_analytics_funnel"
REVISION = "0017_missed_messages"
TABLE = "analytics_missed_messages"
NOW = dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A database at the revision before 0017."""
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'migration.db'}"
        migrate.upgrade(database, BEFORE)
        return database
    postgres: str = request.getfixturevalue("postgres_url")
    migrate.downgrade(postgres, BEFORE)
    return postgres


def tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def row(number: int) -> AnalyticsMissedMessage:
    return AnalyticsMissedMessage(
        sender_id="owner",
        number=number,
        channel="wechat",
        sent_at=NOW,
        text="电话[手机号]",
        intent="inform",
        confidence=0.31,
        reasons=["low_confidence"],
        updated_at=NOW,
    )


def test_0017_creates_the_table_as_the_model_and_goes_back(url: str) -> None:
    assert TABLE not in tables(url)
    migrate.upgrade(url, REVISION)
    assert migrate.current_revision(url) == REVISION
    assert TABLE in tables(url)
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert list(compare_metadata(context, metadata)) == []
    finally:
        engine.dispose()
    with session_scope(url) as session:
        session.add(row(1))
    with pytest.raises(IntegrityError), session_scope(url) as session:
        session.add(row(1))  # one row per message of a conversation
    migrate.downgrade(url, BEFORE)
    assert TABLE not in tables(url)
    migrate.upgrade(url, REVISION)
    assert TABLE in tables(url)
