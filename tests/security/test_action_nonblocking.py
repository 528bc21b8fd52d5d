"""Attack: make one conversation's database slow and watch every other conversation stall.

A real rasa_sdk action server (``rasa_sdk.endpoint.create_app`` with ``bot.actions`` and
``bot.runtime.action_threads.install()``) runs in its own process. One conversation's action
waits on the ticket store: a SQLite file another connection holds a write transaction on,
or a PostgreSQL "server" that accepts connections and never answers. Meanwhile a second
conversation asks a price (no database). Before the fix the action server ran the
synchronous database call on its event loop and the price answer waited for the database
(6 s here, up to 30 s in production); now it comes at once.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.tickets.migrate import upgrade
from tests.security.action_calls import (
    FULL_INTAKE,
    action_call,
    action_server,
    responses,
    tracker_state,
)

#: How long the slow database keeps the first conversation waiting.
HOLD_SECONDS = 6.0
#: A DB-free answer must come within this, while the other conversation waits.
FAST_SECONDS = 2.0

pytestmark = pytest.mark.timeout(180)


def post(url: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    answer = requests.post(url, json=body, timeout=60)
    answer.raise_for_status()
    return time.monotonic() - started, answer.json()


def price_call(sender_id: str) -> dict[str, Any]:
    tracker = tracker_state(
        sender_id,
        text="一加12换屏幕多少钱",
        intent="ask_price",
        entities=[{"entity": "device_model", "value": "一加12"}],
    )
    return action_call("action_quote_price", tracker)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    upgrade(url)
    return url


def test_a_locked_sqlite_store_does_not_stall_another_conversation(
    tmp_path: Path, sqlite_url: str
) -> None:
    env = {"DATABASE_URL": sqlite_url, "VAR_DIR": str(tmp_path / "var")}
    with action_server(tmp_path / "server.log", env) as (url, _):
        # Another connection (a long console export, a migration, ...) holds the write lock.
        holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE alembic_version SET version_num = version_num")
        intake = {**FULL_INTAKE, "intake_id": "c" * 32}
        submit = action_call(
            "action_submit_ticket", tracker_state("owner-a", intake, intent="affirm")
        )
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(post, url, submit)
            time.sleep(0.5)  # the submit is now waiting for the lock
            try:
                elapsed, answer = post(url, price_call("owner-b"))
                submit_waiting = not slow.done()
            finally:
                time.sleep(max(0.0, HOLD_SECONDS - 0.5))
                holder.execute("ROLLBACK")
                holder.close()
            submit_elapsed, submitted = slow.result(timeout=60)

    assert "utter_price_quote" in responses(answer)
    assert elapsed < FAST_SECONDS, f"the price answer waited {elapsed:.1f} s for the database"
    assert submit_waiting, "the submit did not wait for the lock: nothing was slow"
    # The waiting conversation was not lost: its ticket was created once the lock was free.
    assert submit_elapsed >= HOLD_SECONDS - 0.5
    assert responses(submitted)[0] == "utter_ticket_created"
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
    engine.dispose()
    assert count == 1


@pytest.fixture
def silent_postgres() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung PostgreSQL)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def _accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=_accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_hung_postgres_does_not_stall_other_conversations(
    tmp_path: Path, silent_postgres: int
) -> None:
    timeout = 4
    env = {
        "DATABASE_URL": f"postgresql://bot@127.0.0.1:{silent_postgres}/tickets",
        "DB_CONNECT_TIMEOUT": str(timeout),
        "VAR_DIR": str(tmp_path / "var"),
    }
    with action_server(tmp_path / "server.log", env) as (url, _):
        greet = [
            action_call("action_greet", tracker_state(f"returning-{n}", intent="greet"))
            for n in range(3)
        ]
        with ThreadPoolExecutor(3) as pool:
            started = time.monotonic()
            slow = [pool.submit(post, url, body) for body in greet]
            time.sleep(0.5)  # the greetings now wait for the database
            elapsed, answer = post(url, price_call("price-asker"))
            greeted = [future.result(timeout=60) for future in slow]
            total = time.monotonic() - started

    assert "utter_price_quote" in responses(answer)
    assert elapsed < FAST_SECONDS, f"the price answer waited {elapsed:.1f} s for the database"
    # Each greeting waited for its own connect timeout, side by side, not one after another,
    # and still greeted (without the open-ticket line).
    for greet_elapsed, result in greeted:
        assert greet_elapsed >= timeout - 0.5
        assert responses(result) == ["utter_greet"]
    assert total < 2 * timeout
