"""``SQLiteLockStore``: Rasa's ticket lock shared by the processes of one machine."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import number_of_sanic_workers
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.runtime.lock_store import SQLiteLockStore
from tests.conftest import ROOT


@pytest.fixture
def store(tmp_path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(db=tmp_path / "locks.db")


def test_tickets_are_numbered_in_order_and_never_reused(store: SQLiteLockStore) -> None:
    first = store.issue_ticket("c1")
    second = store.issue_ticket("c1")
    other = store.issue_ticket("c2")
    assert first < second < other
    lock = store.get_lock("c1")
    assert lock is not None and [t.number for t in lock.tickets] == [first, second]
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("c1", first)
    store.cleanup("c1", second)
    assert store.get_lock("c1") is None and not store.is_someone_waiting("c1")
    # The conversation has no ticket left, yet its next ticket is a new number: a late
    # cleanup of an old ticket can never give back someone else's.
    again = store.issue_ticket("c1")
    assert again > other
    store.cleanup("c1", first)
    assert store.is_someone_waiting("c1")


def test_the_second_message_waits_for_the_first(store: SQLiteLockStore) -> None:
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with store.lock("c1"):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    async def main() -> None:
        first = asyncio.create_task(hold("a", 0.3))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(hold("b", 0))
        await asyncio.sleep(0.05)
        third = asyncio.create_task(hold("c", 0))
        await asyncio.gather(first, second, third)

    asyncio.run(main())
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert store.get_lock("c1") is None


def test_an_expired_ticket_stops_blocking(store: SQLiteLockStore) -> None:
    store.issue_ticket("c1", lock_lifetime=0.3)  # its holder crashed: never given back

    async def take() -> float:
        start = time.monotonic()
        async with store.lock("c1"):
            return time.monotonic() - start

    waited = asyncio.run(take())
    assert 0.2 < waited < 2
    assert store.get_lock("c1") is None


def test_a_waiter_whose_ticket_expired_gets_a_lock_error(store: SQLiteLockStore) -> None:
    store.issue_ticket("c1", lock_lifetime=5)  # a slow holder

    async def take() -> None:
        async with store.lock("c1", lock_lifetime=0.2):
            pass

    with pytest.raises(LockError):
        asyncio.run(take())


def test_expired_tickets_are_removed_on_the_next_ticket(store: SQLiteLockStore) -> None:
    store.issue_ticket("gone", lock_lifetime=0.01)
    time.sleep(0.05)
    store.issue_ticket("c1")
    with store._connection() as conn:
        left = conn.execute("SELECT conversation_id FROM lock_tickets").fetchall()
    assert left == [("c1",)]


def test_other_conversations_are_not_blocked(store: SQLiteLockStore) -> None:
    async def main() -> float:
        async with store.lock("c1"):
            start = time.monotonic()
            async with store.lock("c2"):
                return time.monotonic() - start

    assert asyncio.run(main()) < 0.5


def test_endpoints_yml_configures_it_and_allows_several_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        config = read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store")
        assert config is not None
        store = LockStore.create(config)
        assert isinstance(store, SQLiteLockStore)
        assert store.path == tmp_path / "locks.db"
        monkeypatch.setenv("SANIC_WORKERS", "3")
        assert number_of_sanic_workers(config) == 3
    finally:
        get_settings.cache_clear()


def test_settings_come_from_the_endpoint_config(tmp_path: Path) -> None:
    config = EndpointConfig(
        type="bot.runtime.lock_store.SQLiteLockStore",
        db=str(tmp_path / "x.db"),
        busy_timeout=3,
        poll_interval=0.2,
    )
    store = LockStore.create(config)
    assert isinstance(store, SQLiteLockStore)
    assert (store.path, store.busy_timeout, store.poll_interval) == (tmp_path / "x.db", 3, 0.2)


# ---------------------------------------------------------------------- several processes
ROUNDS = 25


def _worker(db: str, log: str, name: str, rounds: int, start_at: float) -> None:
    """Take the lock of one conversation ``rounds`` times; log entering and leaving."""
    store = SQLiteLockStore(db=db)

    async def main() -> None:
        while time.time() < start_at:
            await asyncio.sleep(0.005)
        for i in range(rounds):
            async with store.lock("shared"):
                with open(log, "a") as out:
                    out.write(f"in {name} {i} {time.time()}\n")
                await asyncio.sleep(0.002)
                with open(log, "a") as out:
                    out.write(f"out {name} {i} {time.time()}\n")
            await asyncio.sleep(0.001)

    asyncio.run(main())


def _holder(db: str, conversation: str, seconds: float, ready: str) -> None:
    store = SQLiteLockStore(db=db)

    async def main() -> None:
        async with store.lock(conversation):
            Path(ready).touch()
            await asyncio.sleep(seconds)

    asyncio.run(main())


def test_processes_take_turns(tmp_path: Path) -> None:
    db, log = str(tmp_path / "locks.db"), str(tmp_path / "log.txt")
    SQLiteLockStore(db=db)  # the schema, before the race
    ctx = multiprocessing.get_context("fork")  # as Sanic starts its workers
    names = [f"p{i}" for i in range(4)]
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=_worker, args=(db, log, n, ROUNDS, start_at)) for n in names]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    lines = [line.split() for line in Path(log).read_text().splitlines()]
    assert len(lines) == 2 * ROUNDS * len(names)
    # Mutual exclusion: every "in" is followed by the same holder's "out".
    for entered, left in zip(lines[::2], lines[1::2], strict=True):
        assert entered[0] == "in" and left[0] == "out"
        assert entered[1:3] == left[1:3]
    # Every process progressed: each one's rounds are all there, in order, and none waited
    # for the others to finish before its first turn (FIFO-ish, no starvation).
    holders = [entered[1] for entered in lines[::2]]
    for name in names:
        rounds = [int(entered[2]) for entered in lines[::2] if entered[1] == name]
        assert rounds == list(range(ROUNDS))
        assert holders.index(name) < len(holders) // 2
    assert SQLiteLockStore(db=db).get_lock("shared") is None


def test_a_lock_held_in_another_process_blocks_only_its_conversation(tmp_path: Path) -> None:
    db, ready = str(tmp_path / "locks.db"), tmp_path / "ready"
    store = SQLiteLockStore(db=db)
    holder = multiprocessing.get_context("fork").Process(
        target=_holder, args=(db, "c1", 1.5, str(ready))
    )
    holder.start()
    try:
        deadline = time.monotonic() + 10
        while not ready.exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)

        async def take(conversation: str) -> float:
            start = time.monotonic()
            async with store.lock(conversation):
                return time.monotonic() - start

        assert asyncio.run(take("c2")) < 0.5  # another conversation: at once
        assert asyncio.run(take("c1")) > 0.8  # the same one: after the holder
    finally:
        holder.join(timeout=10)
    assert holder.exitcode == 0
    assert os.path.exists(db)
