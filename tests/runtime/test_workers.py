"""How many Rasa workers ``make run`` starts: ``RASA_WORKERS``, ``nproc``, the endpoints."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.channels.web import WebChatInput
from bot.runtime.workers import settle_workers
from tests.conftest import ROOT

LOCK = "lock_store:\n  type: bot.runtime.lock_store.SQLiteLockStore\n"
SQL = 'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "x.db"\n'


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", " 2", "2x", "1000"])
def test_run_refuses_a_bad_worker_count(value: str, tmp_path: Path) -> None:
    result = subprocess.run(
        ["./scripts/run.sh"],
        cwd=ROOT,
        env={**os.environ, "RASA_WORKERS": value, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "RASA_WORKERS must be the number of Rasa worker processes" in result.stderr
    assert not (tmp_path / "credentials.run.yml").exists()  # nothing was started


def test_run_refuses_several_workers_for_wechat_without_redis(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "RASA_WORKERS": "2",
        "VAR_DIR": str(tmp_path),
        "WECHAT_TOKEN": "t",
        "WECHAT_APP_ID": "a",
        "WECHAT_APP_SECRET": "s",
        "WECHAT_REDIS_URL": "",
    }
    result = subprocess.run(
        ["./scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "WECHAT_REDIS_URL" in result.stderr


def _endpoints(tmp_path: Path, text: str) -> str:
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    return str(path)


def test_several_workers_with_a_shared_lock_and_tracker_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert settle_workers(["run", "--endpoints", _endpoints(tmp_path, LOCK + SQL)]) == 2
    assert os.environ["SANIC_WORKERS"] == "2"


@pytest.mark.parametrize("text", [SQL, LOCK, LOCK + "tracker_store:\n  type: in_memory\n"])
def test_one_worker_when_a_store_lives_in_the_process(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert settle_workers(["run", f"--endpoints={_endpoints(tmp_path, text)}"]) == 1
    assert os.environ["SANIC_WORKERS"] == "1"
    assert "Running 1 worker" in capsys.readouterr().err


def test_other_commands_and_one_worker_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "3")
    assert settle_workers(["shell", "--endpoints", "missing.yml"]) == 3
    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert settle_workers(["run", "--endpoints", "missing.yml"]) == 1


def test_the_default_endpoints_allow_several_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANIC_WORKERS", "2")
    monkeypatch.chdir(ROOT)
    assert settle_workers(["run"]) == 2


@pytest.mark.parametrize(("workers", "transports"), [("1", None), ("2", ["websocket"])])
def test_the_widget_channel_takes_websockets_only_with_several_workers(
    workers: str, transports: list[str] | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SANIC_WORKERS", workers)
    channel = WebChatInput(session_persistence=True, upload_dir=tmp_path)

    async def on_new_message(_message: object) -> None:
        return None

    channel.blueprint(on_new_message)
    assert channel.sio is not None
    expected = transports or ["polling", "websocket"]
    assert sorted(channel.sio.eio.transports) == sorted(expected)
