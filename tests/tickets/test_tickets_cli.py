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
from bot.tickets import (
    extended_warranty_until,
    get_ticket,
    list_extended_warranties,
    migrate,
    record_complaint,
    record_rating,
    status_history,
)
from bot.tickets.cli import main
from bot.tickets.db import session_scope
from tests.tickets.helpers import HEAD, new_ticket

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
        ticket, _ = new_ticket(session, **ticket_fields(now=NOW))
    return ticket.ticket_no


def test_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    assert main(["--url", db_url, "migrate"]) == 0
    assert f"revision {HEAD}" in capsys.readouterr().out
    assert migrate.current_revision(db_url) == HEAD


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
        (["set-status", "{ticket}", "shipped_back"], "a tracking number is required"),
        (["set-status", "{ticket}", "shipped_back", "--courier", "SF"], "tracking number"),
        (["set-status", "{ticket}", "received", "--tracking-no", "SF1"], "only be recorded"),
        (["complaints", "--limit", "0"], "invalid count '0'"),
        (["complaints", "--since", "yesterday"], "invalid date 'yesterday'"),
        (["ratings", "--context", "weather"], "invalid choice: 'weather'"),
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


def test_set_status_shipped_back_with_tracking_and_show_timeline(
    url: str, ticket_no: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The ticket fixture is a mail-in repair.
    argv = ["--url", url, "set-status", ticket_no, "shipped_back", "--by", "staff-3"]
    code = main([*argv, "--tracking-no", "sf 1234 5678", "--courier", "顺丰", "--note", "已寄出"])
    assert code == 0
    assert f"{ticket_no}: status shipped_back" in capsys.readouterr().out
    with session_scope(url) as session:
        last = status_history(session, ticket_no=ticket_no)[-1]
    assert (last.status, last.tracking_no, last.courier, last.note) == (
        "shipped_back",
        "SF12345678",
        "顺丰",
        "已寄出",
    )
    assert main(["--url", url, "show", ticket_no]) == 0
    timeline = capsys.readouterr().out.split("history:")[1].splitlines()
    assert timeline[1].startswith("  2026-11-22T10:30:00+08:00  submitted")
    assert "shipped_back  by staff-3  tracking SF12345678 (顺丰)  已寄出" in timeline[2]


def test_user_cancel_refusal_exits_2(
    url: str, ticket_no: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TicketNotCancellable reaching the CLI is a clean usage error, not a traceback."""
    from bot.tickets import TicketNotCancellable, cli

    def refuse(*args: object, **kwargs: object) -> object:
        raise TicketNotCancellable(ticket_no, "received")

    monkeypatch.setattr(cli, "set_status", refuse)
    assert main(["--url", url, "set-status", ticket_no, "cancelled"]) == 2
    err = capsys.readouterr().err
    assert f"ticket {ticket_no} cannot be cancelled by the user" in err
    assert "Traceback" not in err


def test_complaints_lists_newest_first(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", url, "complaints"]) == 0
    assert "no complaints" in capsys.readouterr().out
    with session_scope(url) as session:
        record_complaint(session, sender_id="alice", channel="rest", text="等太久了", now=NOW)
        record_complaint(
            session,
            sender_id="bob",
            channel="wechat",
            text="客服态度差\n第二行",
            ticket_no="R20261122-0001",
            now=NOW + dt.timedelta(days=1),
        )
    assert main(["--url", url, "complaints"]) == 0
    out = capsys.readouterr().out
    assert out.index("sender bob") < out.index("sender alice")
    assert "2026-11-23T10:30:00+08:00" in out
    assert "wechat  sender bob  about R20261122-0001" in out
    assert "    客服态度差\n    第二行\n" in out
    assert "    等太久了" in out
    # --since is a business-local day: 2026-11-23 starts at 16:00 UTC on the 22nd.
    assert main(["--url", url, "complaints", "--since", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "sender bob" in out
    assert "sender alice" not in out
    assert main(["--url", url, "complaints", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "sender bob" in out
    assert "sender alice" not in out


def test_ratings_summary(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", url, "ratings"]) == 0
    out = capsys.readouterr().out
    assert "ratings: 0" in out
    assert "average: -" in out
    with session_scope(url) as session:
        for day, (score, context) in enumerate([(5, "ticket"), (4, "ticket"), (1, "handoff")]):
            record_rating(
                session,
                sender_id=f"u{day}",
                channel="rest",
                score=score,
                context=context,
                now=NOW + dt.timedelta(days=day),
            )
    assert main(["--url", url, "ratings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "ratings: 3",
        "average: 3.33",
        "  5: 1",
        "  4: 1",
        "  3: 0",
        "  2: 0",
        "  1: 1",
    ]
    assert main(["--url", url, "ratings", "--context", "ticket"]) == 0
    out = capsys.readouterr().out
    assert "ratings: 2" in out
    assert "average: 4.50" in out
    assert main(["--url", url, "ratings", "--since", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "ratings: 2" in out
    assert "average: 2.50" in out


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
    assert f"revision {HEAD}" in ok.stdout
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
