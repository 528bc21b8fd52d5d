"""The agent account command line: main(argv) output, exit codes, password handling."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import accounts
from bot.console.cli import main
from bot.settings import PROJECT_ROOT, get_settings
from bot.tickets import migrate
from bot.tickets.db import dispose_engines

PASSWORD = "s3cret-enough"


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite store passed with --url; DATABASE_URL points elsewhere."""
    url = f"sqlite:///{tmp_path / 'cli' / 'accounts.db'}"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    dispose_engines()
    migrate.upgrade(url)
    yield url
    dispose_engines()
    get_settings.cache_clear()


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Answer getpass prompts in order; returns the prompts shown."""
    shown: list[str] = []
    pending = list(answers)

    def fake_getpass(prompt: str = "Password: ") -> str:
        shown.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    return shown


def add(url: str, username: str = "zhang", name: str = "张三") -> int:
    return main(["--url", url, "add-agent", username, "--name", name, "--password-stdin"])


def test_add_agent_with_password_on_stdin(
    ticket_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    stdin(monkeypatch, PASSWORD + "\n")

    assert add(ticket_db, "Zhang") == 0

    out, err = capsys.readouterr()
    assert out == "agent zhang (张三) created\n"
    assert PASSWORD not in out + err
    assert accounts.sign_in("zhang", PASSWORD, url=ticket_db) is not None
    assert not (tmp_path / "unused.db").exists()  # --url was used, not DATABASE_URL


def test_add_agent_prompts_twice(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = prompts(monkeypatch, PASSWORD, PASSWORD)

    assert main(["--url", ticket_db, "add-agent", "zhang", "--name", "张三"]) == 0

    assert len(shown) == 2
    assert PASSWORD not in "".join(capsys.readouterr())
    assert accounts.sign_in("zhang", PASSWORD, url=ticket_db) is not None


def test_mismatched_prompts_are_refused(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts(monkeypatch, PASSWORD, PASSWORD + "!")

    assert main(["--url", ticket_db, "add-agent", "zhang", "--name", "张三"]) == 2

    out, err = capsys.readouterr()
    assert err == "error: the passwords do not match\n"
    assert PASSWORD not in out + err
    assert accounts.list_agents(url=ticket_db) == []


def test_no_password_entered(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts(monkeypatch)
    assert main(["--url", ticket_db, "add-agent", "zhang", "--name", "张三"]) == 2
    assert "no password entered" in capsys.readouterr().err
    stdin(monkeypatch, "")
    assert add(ticket_db) == 2
    assert "no password on standard input" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("zhang", "short\n", "error: the password must be at least 10 characters long"),
        ("zh", PASSWORD, "error: username must be 3 to 32 characters"),
        ("zhang san", PASSWORD, "error: username must be 3 to 32 characters"),
    ],
)
def test_bad_input_exits_2(
    ticket_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    username: str,
    password: str,
    message: str,
) -> None:
    stdin(monkeypatch, password)
    assert add(ticket_db, username) == 2
    out, err = capsys.readouterr()
    assert err.startswith(message)
    assert password.strip() not in out + err
    assert "Traceback" not in err
    assert accounts.list_agents(url=ticket_db) == []


def test_an_existing_agent_exits_2(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, PASSWORD)
    assert add(ticket_db) == 0
    stdin(monkeypatch, PASSWORD)
    assert add(ticket_db, "ZHANG") == 2
    assert capsys.readouterr().err == "error: agent zhang already exists\n"


def test_missing_name_is_a_usage_error(ticket_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", ticket_db, "add-agent", "zhang"]) == 2
    assert "--name" in capsys.readouterr().err


def test_list_disable_and_enable(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", ticket_db, "list-agents"]) == 0
    assert capsys.readouterr().out == "no agents\n"
    for username, name in (("zhang", "张三"), ("li.si", "李四")):
        stdin(monkeypatch, PASSWORD)
        assert add(ticket_db, username, name) == 0
    signed = accounts.sign_in("zhang", PASSWORD, url=ticket_db)
    assert signed is not None
    capsys.readouterr()

    assert main(["--url", ticket_db, "disable-agent", "Zhang"]) == 0
    assert capsys.readouterr().out == "agent zhang disabled\n"
    assert main(["--url", ticket_db, "list-agents"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:2] == ["li.si", "active"]
    assert lines[0].endswith("last login never  李四")
    assert lines[1].split()[:2] == ["zhang", "disabled"]
    assert "last login 20" in lines[1] and "+08:00" in lines[1] and lines[1].endswith("张三")
    assert accounts.agent_for_token(signed[1], url=ticket_db) is None
    assert accounts.sign_in("zhang", PASSWORD, url=ticket_db) is None

    assert main(["--url", ticket_db, "enable-agent", "zhang"]) == 0
    assert capsys.readouterr().out == "agent zhang enabled\n"
    assert accounts.sign_in("zhang", PASSWORD, url=ticket_db) is not None


def test_set_password(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, PASSWORD)
    assert add(ticket_db) == 0
    new = "another-long-password"
    prompts(monkeypatch, new, new)

    assert main(["--url", ticket_db, "set-password", "zhang"]) == 0

    out, err = capsys.readouterr()
    assert "password of zhang changed" in out
    assert new not in out + err
    assert accounts.sign_in("zhang", PASSWORD, url=ticket_db) is None
    assert accounts.sign_in("zhang", new, url=ticket_db) is not None
    stdin(monkeypatch, "too-short\r\n")
    assert main(["--url", ticket_db, "set-password", "zhang", "--password-stdin"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["disable-agent", "enable-agent", "set-password"])
def test_unknown_agent_exits_2(
    ticket_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    stdin(monkeypatch, PASSWORD)
    argv = ["--url", ticket_db, command, "nobody"]
    if command == "set-password":
        argv.append("--password-stdin")
    assert main(argv) == 2
    assert capsys.readouterr().err == "error: no agent nobody\n"


def test_unreachable_database_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "postgresql://postgres@127.0.0.1:1/x", "list-agents"]) == 1
    assert capsys.readouterr().err.startswith("error: ticket store unavailable")


def test_runs_as_module(ticket_db: str) -> None:
    def run(*args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.console.cli", "--url", ticket_db, *args],
            cwd=PROJECT_ROOT,
            input=input,
            capture_output=True,
            text=True,
            check=False,
        )

    added = run("add-agent", "wang", "--name", "王五", "--password-stdin", input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    listed = run("list-agents")
    assert listed.returncode == 0
    assert listed.stdout.startswith("wang  active")
    assert PASSWORD not in added.stdout + added.stderr + listed.stdout
    bad = run("disable-agent", "nobody")
    assert (bad.returncode, bad.stderr) == (2, "error: no agent nobody\n")


def test_callbacks_are_listed_and_completed(
    ticket_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.tickets import list_callbacks, record_callback, session_scope

    assert main(["--url", ticket_db, "callbacks"]) == 0
    assert capsys.readouterr().out == "no open callback requests\n"
    with session_scope(ticket_db) as session:
        request = record_callback(
            session, sender_id="s-1", channel="wechat", phone="13912345678", reason="fallback"
        )
    assert main(["--url", ticket_db, "callbacks"]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{request.id}  ") and "13912345678  wechat  fallback" in line
    assert main(["--url", ticket_db, "callback-done", str(request.id), "--by", "zhang"]) == 0
    with session_scope(ticket_db) as session:
        assert list_callbacks(session) == []
        [done] = list_callbacks(session, status="done")
    assert done.done_by == "zhang"
    assert main(["--url", ticket_db, "callback-done", "999", "--by", "zhang"]) == 2


def test_unlock_lifts_a_sign_in_lockout(ticket_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from bot.console.throttle import username_key
    from bot.tickets import session_scope
    from bot.tickets import throttle as store

    limits = [store.Limit(username_key("zhang"), 1)]
    policy = store.Policy(window=dt.timedelta(minutes=15), lockout=dt.timedelta(minutes=15))
    with session_scope(ticket_db) as session:
        assert store.reserve(session, limits, policy) is None
        store.settle(session, limits, policy, failed=True)
    with session_scope(ticket_db) as session:
        assert store.reserve(session, limits, policy) is not None  # locked

    assert main(["--url", ticket_db, "unlock", " Zhang"]) == 0
    assert capsys.readouterr().out == "zhang unlocked\n"
    with session_scope(ticket_db) as session:
        assert store.reserve(session, limits, policy) is None
    assert main(["--url", ticket_db, "unlock", "nobody"]) == 0
    assert capsys.readouterr().out == "nobody had no failed sign-ins\n"


def test_roles_are_given_changed_and_listed(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, PASSWORD)
    command = ["--url", ticket_db, "add-agent", "wang", "--name", "王五", "--role", "manager"]
    assert main([*command, "--password-stdin"]) == 0
    assert capsys.readouterr().out == "manager wang (王五) created\n"
    stdin(monkeypatch, PASSWORD)
    assert add(ticket_db) == 0
    capsys.readouterr()

    assert main(["--url", ticket_db, "set-role", "Zhang", "supervisor"]) == 0
    assert capsys.readouterr().out == "zhang is now supervisor\n"
    assert main(["--url", ticket_db, "list-agents"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["wang", "active", "manager"],
        ["zhang", "active", "supervisor"],
    ]


def test_unknown_roles_and_agents_are_refused(
    ticket_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", ticket_db, "set-role", "zhang", "boss"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["--url", ticket_db, "set-role", "nobody", "manager"]) == 2
    assert "nobody" in capsys.readouterr().err
