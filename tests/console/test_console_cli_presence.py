"""``python -m bot.console.cli presence``: who is online, away or offline, and holds what."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import accounts
from bot.console.cli import main
from bot.settings import get_settings
from bot.tickets import migrate
from bot.tickets.db import dispose_engines

PASSWORD = "s3cret-enough"


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'presence.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    dispose_engines()
    migrate.upgrade(url)
    yield url
    dispose_engines()
    get_settings.cache_clear()


def test_presence_lists_active_agents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presence"]) == 0
    assert capsys.readouterr().out == "no agents\n"
    accounts.add_agent("zhang", "张三", PASSWORD)
    accounts.add_agent("lisi", "李四", PASSWORD)
    accounts.add_agent("gone", "离职", PASSWORD)
    accounts.disable_agent("gone")
    assert accounts.sign_in("zhang", PASSWORD) is not None  # signing in: online
    assert main(["presence"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "lisi   offline  held 0  李四",
        "zhang  online   held 0  张三",
    ]
