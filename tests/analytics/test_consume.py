"""The consumer on the real RabbitMQ: Rasa's broker publishes, the consumer stores, exactly once.

Events are published with Rasa's own ``PikaEventBroker`` built from an endpoints file, as a
Rasa server does, to an exchange and a queue of the test's own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from bot.analytics.broker import BrokerConfig, read_broker_config
from bot.analytics.consumer import REASON_HEADER, Consumer, ConsumerOptions
from bot.analytics.messages import decode_message
from bot.analytics.store import folded_events, record_events
from bot.tickets import migrate
from bot.tickets.db import TicketStoreUnavailable, session_scope
from tests.analytics import dialogues as d
from tests.analytics import rabbit
from tests.analytics.expected import assert_stored_exactly
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def bodies_of(dialogues: list[d.Dialogue]) -> list[dict[str, Any]]:
    return [body for dialogue in dialogues for body in dialogue.bodies()]


def consumer_for(endpoints: Path, url: str, **options: Any) -> Consumer:
    config = read_broker_config(endpoints)
    queue = config.queues[0]
    values: dict[str, Any] = {
        "queue": queue,
        "dead_letter_queue": f"{queue}.rejected",
        "database_url": url,
        "idle_exit": 1.0,
        "min_backoff": 0.1,
        "max_backoff": 0.4,
        **options,
    }
    return Consumer(config, ConsumerOptions(**values))


def folded(url: str) -> int:
    try:
        with session_scope(url, readonly=True) as session:
            return folded_events(session)
    except TicketStoreUnavailable:
        return -1


async def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


def test_published_events_are_stored_once(
    endpoints: Path, names: rabbit.Names, db_url: str
) -> None:
    published = bodies_of(d.every_scenario("once"))
    asyncio.run(rabbit.publish_with_rasa(endpoints, published))
    consumer = consumer_for(endpoints, db_url)
    asyncio.run(consumer.run())
    assert (consumer.stored, consumer.refused) == (len(published), 0)
    assert_stored_exactly(db_url, published)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0


MALFORMED = [b"{not json", b"[1, 2]", b'{"event": "user", "text": "hi"}', b"\xff\xfe"]


def test_malformed_messages_are_dead_lettered_and_the_rest_stored(
    endpoints: Path, names: rabbit.Names, db_url: str
) -> None:
    first, second = bodies_of(d.every_scenario("bad")[:4]), bodies_of(d.every_scenario("bad")[4:])
    asyncio.run(rabbit.publish_with_rasa(endpoints, first))  # (declares the queue)
    asyncio.run(rabbit.publish_raw(names.exchange, MALFORMED))
    asyncio.run(rabbit.publish_with_rasa(endpoints, second))
    consumer = consumer_for(endpoints, db_url, batch_size=10)
    asyncio.run(consumer.run())
    assert consumer.refused == len(MALFORMED)
    assert_stored_exactly(db_url, first + second)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0
    letters = asyncio.run(rabbit.dead_letters(names.dead_letter))
    assert [body for body, _ in letters] == MALFORMED
    assert [headers[REASON_HEADER] for _, headers in letters] == [
        "body is not JSON",
        "body is a JSON list, not an object",
        "no sender_id",
        "body is not UTF-8",
    ]


def test_a_message_stored_but_not_acknowledged_is_not_counted_again(
    endpoints: Path, names: rabbit.Names, db_url: str
) -> None:
    published = bodies_of(d.every_scenario("redelivered"))
    asyncio.run(rabbit.publish_with_rasa(endpoints, published))

    async def store_without_ack(count: int) -> list[bool]:
        # A consumer that committed these messages and died before acknowledging them.
        connection = await aio_pika.connect(rabbit.RABBITMQ_URL)
        channel = await connection.channel()
        queue = await channel.declare_queue(names.queue, passive=True)
        messages = [await queue.get(no_ack=False, timeout=5) for _ in range(count)]
        events = [decode_message(message.body) for message in messages if message]
        with session_scope(db_url) as session:
            assert record_events(session, events=events) == count
        await connection.close()  # unacknowledged: RabbitMQ delivers them again
        return [bool(message and message.redelivered) for message in messages]

    assert asyncio.run(store_without_ack(15)) == [False] * 15
    consumer = consumer_for(endpoints, db_url)
    asyncio.run(consumer.run())
    assert consumer.stored == len(published) - 15
    assert_stored_exactly(db_url, published)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0


def test_the_consumer_waits_for_the_database(
    endpoints: Path, names: rabbit.Names, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet.db'}"  # not migrated: no tables yet
    published = bodies_of(d.every_scenario("db-down"))

    async def scenario() -> Consumer:
        consumer = consumer_for(endpoints, url, idle_exit=None, prefetch=len(published) + 100)
        task = asyncio.create_task(consumer.run())
        await rabbit.publish_with_rasa(endpoints, published)
        await asyncio.sleep(1.5)
        assert not task.done() and consumer.stored == 0
        assert await rabbit.ready_messages(names.queue) == 0  # delivered, held unacknowledged
        await asyncio.to_thread(migrate.upgrade, url)  # the database is back
        await until(lambda: folded(url) == len(published), 20, "all events stored")
        consumer.stop()
        await asyncio.wait_for(task, 10)
        return consumer

    with caplog.at_level(logging.ERROR, logger="bot.analytics.consumer"):
        consumer = asyncio.run(scenario())
    assert "ticket database unavailable" in caplog.text
    assert consumer.stored == len(published)
    assert_stored_exactly(url, published)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0


class Proxy:
    """A TCP relay to RabbitMQ that the test can cut and restore."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        self.writers.clear()
        await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", 5672)
        self.connections += 1
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


def test_the_consumer_reconnects_when_rabbitmq_goes_away(
    endpoints: Path, names: rabbit.Names, db_url: str, tmp_path: Path
) -> None:
    before, during = d.every_scenario("before"), d.every_scenario("during")
    published = bodies_of(before) + bodies_of(during)
    proxy = Proxy()
    through_proxy = names.endpoints(tmp_path / "proxy.yml", port=proxy.port)

    async def scenario() -> Consumer:
        await proxy.start()
        consumer = consumer_for(through_proxy, db_url, idle_exit=None)
        task = asyncio.create_task(consumer.run())
        await rabbit.publish_with_rasa(endpoints, bodies_of(before))
        await until(lambda: folded(db_url) == len(bodies_of(before)), 20, "first events")
        await proxy.cut()  # RabbitMQ unreachable for the consumer
        await rabbit.publish_with_rasa(endpoints, bodies_of(during))
        await asyncio.sleep(1.0)
        assert not task.done()
        assert folded(db_url) == len(bodies_of(before))
        await proxy.start()
        await until(lambda: folded(db_url) == len(published), 20, "events after reconnecting")
        consumer.stop()
        await asyncio.wait_for(task, 10)
        return consumer

    consumer = asyncio.run(scenario())
    assert proxy.connections >= 2
    assert consumer.stored == len(published)
    assert_stored_exactly(db_url, published)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0


def start_consumer(endpoints: Path, db_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.analytics.consume", "--endpoints", str(endpoints), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(step)


def test_nothing_is_lost_or_counted_twice_across_a_kill_and_a_restart(
    endpoints: Path, names: rabbit.Names, db_url: str
) -> None:
    # Conversations cut in two: their second halves are published while the consumer is down.
    dialogues = [
        dialogue for index in range(12) for dialogue in d.every_scenario(f"restart-{index}")
    ]
    first: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    for index, dialogue in enumerate(dialogues):
        bodies = dialogue.bodies()
        cut = len(bodies) if index % 3 == 0 else (index * 7) % len(bodies)
        first += bodies[:cut]
        later += bodies[cut:]
    later += bodies_of(d.every_scenario("restart-new"))
    asyncio.run(rabbit.publish_with_rasa(endpoints, first))

    consumer = start_consumer(endpoints, db_url, "--batch", "2", "--prefetch", "10")
    try:
        wait_for(lambda: folded(db_url) >= len(first) // 5, 60, "the consumer under way")
    finally:
        consumer.send_signal(signal.SIGKILL)
        output, _ = consumer.communicate(timeout=10)
    at_kill = folded(db_url)
    assert 0 < at_kill < len(first), f"not killed partway: {at_kill} of {len(first)}"
    # Once RabbitMQ has seen the consumer go, what it did not get an ack for is ready again:
    # every acknowledged message was stored first (some stored ones may be unacknowledged).
    wait_for(lambda: asyncio.run(rabbit.queue_state(names.queue))[1] == 0, 10, "no consumer")
    acknowledged = len(first) - asyncio.run(rabbit.ready_messages(names.queue))
    assert acknowledged <= at_kill

    asyncio.run(rabbit.publish_with_rasa(endpoints, later))  # while the consumer is down
    published = first + later

    consumer = start_consumer(endpoints, db_url)
    try:
        wait_for(lambda: folded(db_url) == len(published), 60, "every event", step=0.1)
        time.sleep(0.5)  # let a double count, if any, show
        consumer.send_signal(signal.SIGTERM)
        output, _ = consumer.communicate(timeout=15)
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.communicate()
    assert consumer.returncode == 0, output
    assert "stopped:" in output
    assert_stored_exactly(db_url, published)
    assert asyncio.run(rabbit.ready_messages(names.queue)) == 0


def test_postgresql_end_to_end(endpoints: Path, names: rabbit.Names, postgres_url: str) -> None:
    published = bodies_of(d.every_scenario("postgres"))
    asyncio.run(rabbit.publish_with_rasa(endpoints, published))
    consumer = consumer_for(endpoints, postgres_url, batch_size=25)
    asyncio.run(consumer.run())
    assert consumer.stored == len(published)
    assert_stored_exactly(postgres_url, published)


def test_the_command_refuses_an_unusable_endpoints_file(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text(json.dumps({"action_endpoint": {"url": "http://x"}}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.analytics.consume", "--endpoints", str(path)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "has no event_broker section" in result.stderr


def test_a_batch_that_is_not_full_waits_up_to_the_linger_for_more(tmp_path: Path) -> None:
    """One transaction per message costs the most: a short wait fills the batch."""
    config = BrokerConfig("h", 5672, "u", "p", ("q",))

    async def fill(linger: float, size: int, late: list[float]) -> tuple[list[object], float]:
        consumer = Consumer(
            config,
            ConsumerOptions(queue="q", dead_letter_queue="d", linger=linger, batch_size=size),
        )
        inbox: asyncio.Queue = asyncio.Queue()
        for delay in late:
            asyncio.get_running_loop().call_later(delay, inbox.put_nowait, f"m{delay}")
        inbox.put_nowait("m1")
        started = time.monotonic()
        batch = await consumer._fill([inbox.get_nowait()], inbox)
        return batch, time.monotonic() - started

    batch, waited = asyncio.run(fill(0.3, 100, [0.05, 0.1]))
    assert batch == ["m1", "m0.05", "m0.1"] and 0.25 <= waited < 1.0
    batch, waited = asyncio.run(fill(0.0, 100, [0.05]))
    assert batch == ["m1"] and waited < 0.05
    batch, waited = asyncio.run(fill(5.0, 2, [0.05, 0.1]))
    assert batch == ["m1", "m0.05"] and waited < 1.0  # full: stored at once
