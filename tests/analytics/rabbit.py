"""The real RabbitMQ of the tests: unique names, Rasa's publisher, counts, clean-up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiormq
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import read_endpoint_config

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Names:
    """An exchange and a queue of one test, and the consumer's dead-letter queue."""

    exchange: str
    queue: str

    @classmethod
    def unique(cls) -> Names:
        tag = uuid.uuid4().hex[:12]
        return cls(exchange=f"test-analytics-{tag}", queue=f"test-analytics-{tag}")

    @property
    def dead_letter(self) -> str:
        return f"{self.queue}.rejected"

    def endpoints(self, path: Path, port: int = 5672) -> Path:
        """An endpoints file with Rasa's pika broker on these names (``${VAR}`` for the host)."""
        path.write_text(
            "event_broker:\n"
            "  type: pika\n"
            "  url: ${TEST_RABBITMQ_HOST}\n"
            f"  port: {port}\n"
            "  username: guest\n"
            "  password: guest\n"
            f"  exchange_name: {self.exchange}\n"
            "  queues:\n"
            f"    - {self.queue}\n",
            encoding="utf-8",
        )
        return path


async def publish_with_rasa(endpoints: Path, bodies: Iterable[dict[str, Any]]) -> None:
    """Publish with Rasa's own ``PikaEventBroker``, built from the endpoints file as Rasa does."""
    config = read_endpoint_config(str(endpoints), "event_broker")
    broker = await PikaEventBroker.from_endpoint_config(config, asyncio.get_running_loop())
    assert broker is not None
    try:
        for body in bodies:
            broker.publish(body)
        # publish() is fire-and-forget: wait for Rasa's own publishing tasks.
        await asyncio.gather(*list(broker._background_tasks))
        assert not broker._unpublished_events
    finally:
        await broker.close()


async def publish_raw(exchange: str, bodies: Sequence[bytes]) -> None:
    """Publish bodies as they are (persistent) to the fanout exchange."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        target = await channel.get_exchange(exchange)
        for body in bodies:
            await target.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), ""
            )


async def queue_state(queue: str) -> tuple[int, int]:
    """Messages ready in a queue (not those delivered and unacknowledged), and consumers."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        result = declared.declaration_result
        return int(result.message_count or 0), int(result.consumer_count or 0)


async def ready_messages(queue: str) -> int:
    """Messages ready in a queue (not those delivered and unacknowledged)."""
    return (await queue_state(queue))[0]


async def dead_letters(queue: str) -> list[tuple[bytes, dict[str, Any]]]:
    """Every message of the dead-letter queue (acknowledged, so it is emptied)."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    found: list[tuple[bytes, dict[str, Any]]] = []
    async with connection:
        channel = await connection.channel()
        source = await channel.declare_queue(queue, passive=True)
        while (message := await source.get(no_ack=True, fail=False, timeout=5)) is not None:
            found.append((message.body, dict(message.headers or {})))
    return found


async def delete(names: Names) -> None:
    """Delete the test's queues and exchange (whichever exist)."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        for queue in (names.queue, names.dead_letter):
            channel = await connection.channel()
            with contextlib.suppress(aiormq.exceptions.ChannelClosed):  # (never declared)
                await channel.queue_delete(queue)
        channel = await connection.channel()
        with contextlib.suppress(aiormq.exceptions.ChannelClosed):
            await channel.exchange_delete(names.exchange)


def encoded(bodies: Iterable[dict[str, Any]]) -> list[bytes]:
    """Bodies as Rasa's broker encodes them."""
    return [json.dumps(body).encode("utf-8") for body in bodies]
