"""Fixtures of the ticket store tests: SQLite and PostgreSQL databases, rolled-back sessions.

PostgreSQL tests use throwaway databases on ``TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``). When that server cannot be
reached they are skipped, except in CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.tickets import TicketRecord
from bot.tickets.db import build_engine, dispose_engines
from bot.tickets.models import metadata
from tests.tickets.helpers import new_ticket, ticket_fields_of

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


@pytest.fixture(autouse=True)
def _ticket_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Known settings for every test, and no engine leaking between tests."""
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("TICKET_PREFIX", "R")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    dispose_engines()
    get_settings.cache_clear()


class PostgresServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(
            self.admin_url,
            future=True,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3},
        )
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"tickets_test_{uuid.uuid4().hex[:12]}"
        with self.engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return str(self.admin_url.set(database=name).render_as_string(hide_password=False))

    def drop_all(self) -> None:
        dispose_engines()
        with self.engine.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(POSTGRES_ADMIN_URL)
    try:
        with server.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # server down, wrong credentials, ...
        server.engine.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.drop_all()


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a new, empty database (SQLite file in a missing directory, or PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'tickets.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture(params=BACKENDS)
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a new database (file SQLite or PostgreSQL) with the schema, committed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    engine = build_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _schema_engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest,
    _schema_engines: dict[str, Engine],
    tmp_path_factory: pytest.TempPathFactory,
) -> Engine:
    """A per-session database of each backend, with the schema created by create_all."""
    backend: str = request.param
    if backend not in _schema_engines:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tickets.db'}"
        else:
            server: PostgresServer = request.getfixturevalue("postgres_server")
            url = server.create_database()
        new_engine = build_engine(url)
        metadata.create_all(new_engine)
        _schema_engines[backend] = new_engine
    return _schema_engines[backend]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session joined to an outer transaction that is rolled back after the test.

    SQLAlchemy 1.4 recipe "Joining a Session into an External Transaction": the
    test may commit, roll back or use ``begin_nested()``; the outer transaction
    is rolled back at the end, so nothing persists.
    """
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(bind=connection, future=True)
    nested = connection.begin_nested()

    @event.listens_for(db_session, "after_transaction_end")
    def _restart_savepoint(sess: Session, transaction: Any) -> None:
        nonlocal nested
        if not nested.is_active:
            nested = connection.begin_nested()

    try:
        yield db_session
    finally:
        db_session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def ticket_fields() -> Callable[..., dict[str, Any]]:
    """Factory of valid create_ticket keyword arguments (keyword arguments override)."""
    return ticket_fields_of


@pytest.fixture
def make_ticket(session: Session) -> Callable[..., TicketRecord]:
    """Create a ticket in the test session; keyword arguments override ticket_fields()."""

    def _make(**overrides: Any) -> TicketRecord:
        ticket, created = new_ticket(session, **ticket_fields_of(**overrides))
        assert created
        return ticket

    return _make
