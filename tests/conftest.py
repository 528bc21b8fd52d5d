"""Fixtures shared by every test package."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.trainer import paths

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def missing(message: str) -> None:
    """Something a test needs is missing: a failure in CI, a skip elsewhere."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make test` trains; missing is a failure in CI and a skip elsewhere."""
    if not paths.MODEL_FILE.exists():
        missing(f"no trained model at {paths.MODEL_FILE}: run `make train`")
    return paths.MODEL_FILE


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis on ``TEST_REDIS_URL`` (default: this machine's), checked to answer."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        missing(f"Redis not reachable at {TEST_REDIS_URL}: {error}")
    finally:
        client.close()
    return TEST_REDIS_URL


def migrated_ticket_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite ticket store (and VAR_DIR) in ``tmp_path``; yields its URL.

    For a test's fixture (``yield from``): settings are re-read and engines disposed before
    and after.
    """
    from bot.settings import get_settings
    from bot.tickets.db import dispose_engines
    from bot.tickets.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    dispose_engines()
    upgrade(url)
    yield url
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def session_ticket_db(tmp_path_factory) -> str:
    """A migrated SQLite ticket database shared by the servers of one test session."""
    from bot.tickets.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('tickets') / 'tickets.db'}"
    upgrade(url)
    return url


@contextlib.contextmanager
def running_action_server(
    ticket_db: str, project: Path = ROOT, log_file: Path | None = None, **env: str
) -> Iterator[str]:
    """Start ``python -m rasa_sdk --actions bot.actions`` of ``project``; yield its webhook URL.

    Agents are at work whenever the tests run: a handoff queues the chat (no callback offer).
    """
    port = free_port()
    variables = {
        **os.environ,
        "DATABASE_URL": ticket_db,
        "HANDOFF_WORKING_HOURS": "00:00-24:00",
        **env,
    }
    log_path = log_file or ROOT / "test-output" / "action-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(port)],
            cwd=project,
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", 60, process)
            yield f"http://127.0.0.1:{port}/webhook"
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def action_server(session_ticket_db):
    """The real action server on a free port, with the session's ticket database."""
    with running_action_server(session_ticket_db) as url:
        yield url
