"""Fixtures of the courier tests: the fake courier, a migrated ticket store, settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import get_settings
from tests.conftest import migrated_ticket_store
from tests.courier.fake_courier import TOKEN, FakeCourierState, running_fake_courier


@pytest.fixture
def fake_courier() -> Iterator[tuple[str, FakeCourierState]]:
    """The fake courier's base URL and state."""
    with running_fake_courier() as served:
        yield served


@pytest.fixture
def ticket_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated SQLite ticket store (settings point at it)."""
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    yield from migrated_ticket_store(monkeypatch, tmp_path)


@pytest.fixture
def courier_settings(
    monkeypatch: pytest.MonkeyPatch, fake_courier: tuple[str, FakeCourierState]
) -> FakeCourierState:
    """COURIER_URL and COURIER_TOKEN pointing at the fake; returns its state."""
    url, state = fake_courier
    monkeypatch.setenv("COURIER_URL", url)
    monkeypatch.setenv("COURIER_TOKEN", TOKEN)
    monkeypatch.setenv("COURIER_TIMEOUT", "2")
    get_settings.cache_clear()
    return state
