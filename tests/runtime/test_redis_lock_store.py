"""bot/runtime/redis_lock_store.py on the real Redis of this machine (127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.redis_lock_store import AtomicRedisLockStore
from tests.channels.servers import missing

HOST, PORT = "127.0.0.1", 6379


@pytest.fixture
def prefix() -> Iterator[str]:
    client = redis.Redis(HOST, PORT)
    try:
        client.ping()
    except redis.RedisError:
        missing("Redis does not answer on 127.0.0.1:6379")
    name = f"locktest{uuid.uuid4().hex[:8]}"
    yield name
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


def store(prefix: str, **options) -> AtomicRedisLockStore:
    config = EndpointConfig(url=HOST, port=PORT, key_prefix=prefix, **options)
    return AtomicRedisLockStore(endpoint_config=config)


def test_rasa_builds_it_from_the_endpoints_file(prefix):
    config = EndpointConfig(
        url=HOST,
        type="bot.runtime.redis_lock_store.AtomicRedisLockStore",
        port=str(PORT),
        db="0",
        password="",
        key_prefix=prefix,
        poll_interval=0.02,
    )
    built = LockStore.create(config)
    assert isinstance(built, AtomicRedisLockStore)
    assert built.poll_interval == 0.02
    assert built.key_prefix == f"{prefix}:lock:"


def test_two_servers_taking_the_lock_at_once_never_hold_it_together(prefix):
    """Two stores (two servers' connections), each in its own thread and event loop."""
    counter = redis.Redis(HOST, PORT)
    key = f"{prefix}:counter"
    counter.set(key, 0)
    holders, most = [0], [0]
    guard = threading.Lock()

    async def work(lock_store: AtomicRedisLockStore, rounds: int) -> None:
        for _ in range(rounds):
            async with lock_store.lock("conversation-1"):
                with guard:
                    holders[0] += 1
                    most[0] = max(most[0], holders[0])
                value = int(counter.get(key) or 0)  # read, wait, write: unsafe without the lock
                await asyncio.sleep(0.002)
                counter.set(key, value + 1)
                with guard:
                    holders[0] -= 1

    async def server(rounds: int) -> None:
        lock_store = store(prefix)
        await asyncio.gather(*(work(lock_store, rounds) for _ in range(3)))

    threads = [threading.Thread(target=asyncio.run, args=(server(10),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert int(counter.get(key) or 0) == 60
    assert most[0] == 1
    # every ticket was given back: nothing is left for the conversation
    assert store(prefix).get_lock("conversation-1") is None


def test_ticket_numbers_grow_and_are_never_reused(prefix):
    lock_store = store(prefix)
    first = lock_store.issue_ticket("c", 30)
    lock_store.finish_serving("c", first)
    second = lock_store.issue_ticket("c", 30)
    third = lock_store.issue_ticket("other", 30)
    assert first < second < third
    lock = lock_store.get_lock("c")
    assert lock is not None and [t.number for t in lock.tickets] == [second]
    assert lock_store.is_someone_waiting("c")
    lock_store.cleanup("c", second)
    assert not lock_store.is_someone_waiting("c")


def test_a_dead_holders_ticket_expires_and_the_next_message_goes_ahead(prefix):
    lock_store = store(prefix)
    lock_store.issue_ticket("c", 0.4)  # its server died: the ticket is never given back

    async def take() -> float:
        started = time.monotonic()
        async with lock_store.lock("c", lock_lifetime=30):
            return time.monotonic() - started

    waited = asyncio.run(take())
    assert 0.2 < waited < 5


def test_a_waiter_whose_own_ticket_expired_gets_lock_error(prefix):
    lock_store = store(prefix)
    lock_store.issue_ticket("c", 30)  # someone holds the lock for long

    async def take() -> None:
        async with lock_store.lock("c", lock_lifetime=0.3):
            raise AssertionError("the lock was taken while its holder was alive")

    with pytest.raises(LockError):
        asyncio.run(take())


def test_redis_unreachable_is_a_lock_error_not_a_crash():
    config = EndpointConfig(url="127.0.0.1", port=1, key_prefix="x", socket_timeout=1)
    lock_store = AtomicRedisLockStore(endpoint_config=config)
    with pytest.raises(LockError):
        lock_store.issue_ticket("c", 30)
