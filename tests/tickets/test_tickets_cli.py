"""The ticket store command line: main(argv) output and exit codes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT
from bot.tickets import migrate
from bot.tickets.cli import main
from bot.tickets.db import session_scope
from bot.tickets.repository import (
    create_ticket,
    extended_warranty_until,
    get_ticket,
    list_extended_warranties,
    status_history,
)

Fields = Callable[..., dict[str, Any]]
NOW = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def url(tmp_path: Path) -> str:
    db_url = f"sqlite:///{tmp_path / 'cli' / 'tickets.db'}"
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def ticket_no(url: str, ticket_fields: Fields) -> str:
    with session_scope(url) as session:
        ticket, _ = create_ticket(session, **ticket_fields(now=NOW))
    return ticket.ticket_no


def test_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    assert main(["--url", db_url, "migrate"]) == 0
    assert "revision 0001" in capsys.readouterr().out
    assert migrate.current_revision(db_url) == "0001"


def test_migrate_default_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert (tmp_path / "var" / "tickets.db").is_file()


def test_show(url: str, ticket_no: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", url, "show", ticket_no.lower()]) == 0
    out = capsys.readouterr().out
    assert f"ticket_no:         {ticket_no}" in out
    assert "status:            submitted" in out
    assert "fault_description: 屏幕碎了" in out
    # Times are shown in the business time zone (UTC+8).
    assert "created_at:        2026-11-22T10:30:00+08:00" in out
    assert "history:" in out
    assert "submitted" in out.split("history:")[1]


def test_set_status(url: str, ticket_no: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--url", url, "set-status", ticket_no, "received", "--note", "已签收", "--by", "staff-3"]
    )
    assert code == 0
    assert f"{ticket_no}: status received" in capsys.readouterr().out
    with session_scope(url) as session:
        history = status_history(session, ticket_no=ticket_no)
    assert [(h.status, h.note, h.changed_by) for h in history][-1] == (
        "received",
        "已签收",
        "staff-3",
    )
    assert main(["--url", url, "show", ticket_no]) == 0
    assert "received" in capsys.readouterr().out.split("history:")[1]


def test_set_status_default_author(url: str, ticket_no: str) -> None:
    assert main(["--url", url, "set-status", ticket_no, "cancelled"]) == 0
    with session_scope(url) as session:
        assert status_history(session, ticket_no=ticket_no)[-1].changed_by == "cli"
        ticket = get_ticket(session, ticket_no=ticket_no)
    assert ticket is not None
    assert ticket.status == "cancelled"


def test_add_extended_warranty(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--url", url, "add-extended-warranty", "861234567890123", "--until", "2027-12-31"]
    assert main([*args, "--from", "2026-01-01", "--plan", "延保1年"]) == 0
    assert "2026-01-01 to 2027-12-31" in capsys.readouterr().out
    with session_scope(url) as session:
        until = extended_warranty_until(
            session, serial_number="861234567890123", on=dt.date(2026, 6, 1)
        )
        records = list_extended_warranties(session, serial_number="861234567890123")
    assert until == dt.date(2027, 12, 31)
    assert [(r.plan, r.source) for r in records] == [("延保1年", "cli")]


def test_add_extended_warranty_starts_today_by_default(url: str) -> None:
    from bot.settings import get_settings

    today = get_settings().today()
    until = today + dt.timedelta(days=365)
    assert main(["--url", url, "add-extended-warranty", "SN1", "--until", until.isoformat()]) == 0
    with session_scope(url) as session:
        (record,) = list_extended_warranties(session, serial_number="SN1")
    assert (record.starts_on, record.ends_on, record.plan) == (today, until, "extended")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "R19990101-0001"], "no ticket R19990101-0001"),
        (["set-status", "{ticket}", "lost"], "invalid status 'lost'"),
        (["set-status", "R19990101-0001", "received"], "no ticket R19990101-0001"),
        (["set-status", "{ticket}", "received", "--by", " "], "changed_by"),
        (["add-extended-warranty", "SN", "--until", "2027-13-01"], "invalid date '2027-13-01'"),
        (["add-extended-warranty", "SN", "--until", "tomorrow"], "invalid date 'tomorrow'"),
        (["add-extended-warranty", "SN"], "--until"),
        (
            ["add-extended-warranty", "SN", "--until", "2026-01-01", "--from", "2026-02-01"],
            "before",
        ),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    url: str,
    ticket_no: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    argv = [a.replace("{ticket}", ticket_no) for a in argv]
    assert main(["--url", url, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    with session_scope(url) as session:
        assert [h.status for h in status_history(session, ticket_no=ticket_no)] == ["submitted"]


def test_unreachable_database_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "postgresql://postgres@127.0.0.1:1/x", "show", "R20261122-0001"]) == 1
    err = capsys.readouterr().err
    assert "unavailable" in err
    assert "Traceback" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "set-status" in capsys.readouterr().out


def test_runs_as_module(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'mod.db'}"
    ok = subprocess.run(
        [sys.executable, "-m", "bot.tickets.cli", "--url", db_url, "migrate"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "revision 0001" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot.tickets.cli", "--url", db_url, "show", "R1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "no ticket R1" in bad.stderr
    assert "Traceback" not in bad.stderr
