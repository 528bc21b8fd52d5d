"""``python -m bot.console.cli presence``: who is online, away or offline, and holds what."""

from __future__ import annotations

import pytest

from bot.console import accounts
from bot.console.cli import main

PASSWORD = "s3cret-enough"


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
