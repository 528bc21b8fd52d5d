"""Engine construction, session scope and unavailability of the ticket store."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.settings import PROJECT_ROOT
from bot.tickets import db, get_ticket
from bot.tickets.db import (
    TicketStoreUnavailable,
    dispose_engines,
    get_engine,
    resolve_url,
    session_scope,
)
from bot.tickets.models import Ticket, metadata
from tests.tickets.helpers import new_ticket

Fields = Callable[..., dict[str, Any]]
UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:1/x"


def test_import_builds_no_engine() -> None:
    code = (
        "import bot.tickets, bot.tickets.cli, bot.tickets.db as db; "
        "assert db._engines == {}, db._engines; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_engine_cached_per_url_and_disposed(tmp_path: Path) -> None:
    url_a = f"sqlite:///{tmp_path / 'a.db'}"
    url_b = f"sqlite:///{tmp_path / 'b.db'}"
    assert get_engine(url_a) is get_engine(url_a)
    assert get_engine(url_a) is not get_engine(url_b)
    dispose_engines()
    assert db._engines == {}


def test_default_url_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The autouse fixture points VAR_DIR at tmp_path / "var", which does not exist yet.
    var_dir = tmp_path / "var"
    assert resolve_url() == f"sqlite:///{var_dir / 'tickets.db'}"
    engine = get_engine()
    assert var_dir.is_dir()
    assert engine.url.database == str(var_dir / "tickets.db")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    from bot.settings import get_settings

    get_settings.cache_clear()
    assert resolve_url() == "postgresql://u@h/db"


def test_sqlite_parent_directory_created_and_foreign_keys_on(tmp_path: Path) -> None:
    db_file = tmp_path / "deep" / "er" / "t.db"
    engine = get_engine(f"sqlite:///{db_file}")
    assert db_file.parent.is_dir()
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_postgres_engine_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "7")
    from bot.settings import get_settings

    get_settings.cache_clear()
    seen: dict[str, Any] = {}
    real_create_engine = db.create_engine

    def spy(url: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real_create_engine(url, **kwargs)

    monkeypatch.setattr(db, "create_engine", spy)
    engine = get_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert seen["pool_pre_ping"] is True
    assert seen["connect_args"] == {"connect_timeout": 7}
    assert seen["future"] is True
    assert engine.pool._pre_ping is True


def test_session_scope_commits_and_rolls_back(tmp_path: Path, ticket_fields: Fields) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    metadata.create_all(get_engine(url))
    with session_scope(url) as session:
        ticket, _ = new_ticket(session, **ticket_fields(intake_id="kept"))
    with pytest.raises(RuntimeError), session_scope(url) as session:
        new_ticket(session, **ticket_fields(intake_id="dropped"))
        raise RuntimeError("boom")
    with session_scope(url) as session:
        intakes = session.execute(select(Ticket.intake_id)).scalars().all()
        assert get_ticket(session, ticket_no=ticket.ticket_no) == ticket
    assert intakes == ["kept"]


def test_unreachable_postgres_raises_ticket_store_unavailable() -> None:
    with pytest.raises(TicketStoreUnavailable), session_scope(UNREACHABLE_PG) as session:
        session.execute(text("SELECT 1"))


def test_unreachable_postgres_from_repository_call(ticket_fields: Fields) -> None:
    with pytest.raises(TicketStoreUnavailable), session_scope(UNREACHABLE_PG) as session:
        new_ticket(session, **ticket_fields())


def test_unusable_sqlite_path_raises_ticket_store_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(TicketStoreUnavailable), session_scope(f"sqlite:///{blocker}/sub/t.db"):
        pass


def test_database_without_schema_is_unavailable(empty_db_url: str, ticket_fields: Fields) -> None:
    with pytest.raises(TicketStoreUnavailable), session_scope(empty_db_url) as session:
        new_ticket(session, **ticket_fields())


def test_statement_errors_are_not_unavailability(tmp_path: Path, ticket_fields: Fields) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    metadata.create_all(get_engine(url))
    with pytest.raises(IntegrityError), session_scope(url) as session:
        session.execute(Ticket.__table__.insert().values(ticket_no="x"))
