"""Fixtures of the dashboard tests: known settings and a migrated ticket database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import migrated_ticket_store


@pytest.fixture
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite store (settings' time zone: Asia/Shanghai)."""
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    yield from migrated_ticket_store(monkeypatch, tmp_path)
