"""Fixtures of the analytics tests: settings, migrated databases, RabbitMQ names.

RabbitMQ (127.0.0.1:5672, guest) and PostgreSQL (127.0.0.1:5432, postgres, trust) are the
machine's real services; each test uses its own exchange, queues and database and removes
them afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.settings import get_settings
from bot.tickets import migrate
from bot.tickets.db import dispose_engines
from tests.analytics import rabbit

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Known settings; nothing touches ``var/`` or the production database."""
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("TICKET_PREFIX", "R")
    monkeypatch.setenv("TEST_RABBITMQ_HOST", "127.0.0.1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("ENDPOINTS", raising=False)
    get_settings.cache_clear()
    dispose_engines()
    yield
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A migrated SQLite ticket database (a file, shared with subprocesses)."""
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def names() -> Iterator[rabbit.Names]:
    """A unique exchange and queue on the real RabbitMQ, deleted afterwards."""
    created = rabbit.Names.unique()
    yield created
    asyncio.run(rabbit.delete(created))


@pytest.fixture
def endpoints(names: rabbit.Names, tmp_path: Path) -> Path:
    """An endpoints file whose pika broker uses the test's names."""
    return names.endpoints(tmp_path / "endpoints.yml")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"analytics_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
