"""Alembic migrations: upgrade head on empty databases matches the models exactly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.tickets import migrate
from bot.tickets.db import build_engine, session_scope
from bot.tickets.models import metadata
from bot.tickets.repository import create_ticket, status_history

Fields = Callable[..., dict[str, Any]]
TABLES = {"tickets", "ticket_status_history", "extended_warranties"}


def _diff(url: str) -> list[Any]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_matches_models(empty_db_url: str) -> None:
    assert migrate.current_revision(empty_db_url) is None
    assert _diff(empty_db_url), "an empty database must differ from the models"
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == migrate.head_revision() == "0001"
    assert _diff(empty_db_url) == []
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_diff_detects_schema_drift(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = build_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_tickets_contact_phone"))
    engine.dispose()
    diffs = _diff(empty_db_url)
    assert [d[0] for d in diffs] == ["add_index"]


def test_upgrade_is_repeatable_and_downgrade_removes_tables(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == "0001"
    migrate.downgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) is None
    assert _tables(empty_db_url) == {"alembic_version"}


def test_migrated_database_works_with_repository(empty_db_url: str, ticket_fields: Fields) -> None:
    migrate.upgrade(empty_db_url)
    now = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.timezone.utc)
    with session_scope(empty_db_url) as session:
        ticket, created = create_ticket(session, **ticket_fields(now=now))
    with session_scope(empty_db_url) as session:
        history = status_history(session, ticket_no=ticket.ticket_no)
    assert created
    assert ticket.ticket_no == "R20261122-0001"
    assert [h.status for h in history] == ["submitted"]
    assert history[0].changed_at == now


def test_upgrade_default_url_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # VAR_DIR points at tmp_path / "var" (autouse fixture); DATABASE_URL is unset.
    migrate.upgrade()
    assert (tmp_path / "var" / "tickets.db").is_file()
    assert migrate.current_revision() == "0001"


def test_alembic_ini_holds_no_url() -> None:
    text_ini = migrate.ALEMBIC_INI.read_text()
    assert "sqlalchemy.url" not in text_ini
    assert "script_location = %(here)s/migrations" in text_ini


def test_upgrade_unreachable_raises_unavailable() -> None:
    from bot.tickets.db import TicketStoreUnavailable

    with pytest.raises(TicketStoreUnavailable):
        migrate.upgrade("postgresql://postgres@127.0.0.1:1/x")


def test_alembic_command_line_with_x_url(tmp_path: Any) -> None:
    import subprocess
    import sys

    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(migrate.ALEMBIC_INI),
            "-x",
            f"url={db_url}",
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert migrate.current_revision(db_url) == "0001"
    assert _diff(db_url) == []
