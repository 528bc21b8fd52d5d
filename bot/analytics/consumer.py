"""The analytics consumer: batches of Rasa's events from RabbitMQ into the ticket database.

Nothing lost, nothing counted twice: messages are taken in batches and acknowledged only
after their effect (with each message's key) is committed; a message delivered again after
a crash between the commit and the acknowledgement has its key stored already and is only
acknowledged. A malformed message, or one the database refuses, is logged, copied to the
dead-letter queue (``<queue>.rejected``) and acknowledged. When RabbitMQ or the database
goes away the consumer waits (doubling the delay up to 30 s) and carries on. The command
that runs it is :mod:`bot.analytics.consume`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from bot.analytics.broker import BrokerConfig, declare
from bot.analytics.messages import BrokerEvent, MalformedMessage, decode_message
from bot.analytics.missed import forget_missed
from bot.analytics.store import forget_keys, record_events
from bot.tickets.db import TicketStoreUnavailable, session_scope

logger = logging.getLogger(__name__)

#: Seconds between two looks at the stop flag and the connection while no message comes.
POLL_SECONDS = 0.5
#: Seconds between two deletions of old event keys (done when the queue is drained).
PRUNE_INTERVAL = 3600.0
#: Header of a dead-lettered message: why it was refused.
REASON_HEADER = "x-analytics-refused"
#: Broker trouble: the connection or channel failed, or the broker cannot be reached.
BROKER_ERRORS = (
    aiormq.exceptions.AMQPError,
    aiormq.exceptions.ChannelInvalidStateError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


@dataclass(frozen=True)
class ConsumerOptions:
    """How the consumer works.

    Attributes:
        queue: The queue to consume (one of the broker's).
        dead_letter_queue: Where refused messages are copied.
        database_url: The ticket database; ``None``: the settings'.
        batch_size: Most messages stored in one transaction.
        linger: Seconds to wait for more messages before storing a batch that is not full:
            one transaction per message costs the most when the queue is not behind.
        prefetch: Most unacknowledged messages RabbitMQ sends ahead.
        idle_exit: Stop after this many seconds without a message (``None``: never).
        key_retention: How long the keys of folded events are kept.
        message_retention: How long the missed messages are kept (by the time they were
            sent; the dashboard's periods reach back at most 366 days).
        min_backoff: First wait after a failure, in seconds (doubled up to ``max_backoff``).
        max_backoff: Longest wait after failures, in seconds.
        connect_timeout: Seconds before a connection attempt to RabbitMQ fails.
    """

    queue: str
    dead_letter_queue: str
    database_url: str | None = None
    batch_size: int = 100
    linger: float = 0.25
    prefetch: int = 200
    idle_exit: float | None = None
    key_retention: dt.timedelta = dt.timedelta(days=7)
    message_retention: dt.timedelta = dt.timedelta(days=400)
    min_backoff: float = 0.5
    max_backoff: float = 30.0
    connect_timeout: float = 10.0


def _refused_by_data(exc: BaseException) -> bool:
    """Whether a failed store was the events' fault (a value the database refuses, a bug).

    Anything else the database raises (down, failing over, not migrated) is waited out.
    """
    if isinstance(exc, TicketStoreUnavailable):
        return False
    if isinstance(exc, DataError | IntegrityError):
        return True
    return not isinstance(exc, DBAPIError)


class Consumer:
    """Consumes one of Rasa's event queues into the analytics tables until stopped."""

    def __init__(self, config: BrokerConfig, options: ConsumerOptions) -> None:
        self.config = config
        self.options = options
        self._stop = asyncio.Event()
        self._lost = asyncio.Event()
        self._next_prune = 0.0
        self.stored = 0
        self.refused = 0

    def stop(self) -> None:
        """Stop after the batch in hand (safe from a signal handler)."""
        self._stop.set()

    async def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless stopped (or the broker is lost); True if neither."""
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return not self._lost.is_set()
        return False

    async def run(self) -> None:
        """Consume until stopped or idle for ``idle_exit``; reconnect after broker trouble."""
        delay = self.options.min_backoff
        while not self._stop.is_set():
            try:
                if await self._consume():
                    return
                delay = self.options.min_backoff
            except BROKER_ERRORS as exc:
                logger.warning(
                    "RabbitMQ at %s unavailable (%s: %s); retrying in %.1f s",
                    self.config.where(),
                    type(exc).__name__,
                    exc,
                    delay,
                )
                self._lost.clear()
                if not await self._wait(delay):
                    return
                delay = min(delay * 2, self.options.max_backoff)

    async def _consume(self) -> bool:
        """One connection's worth of consuming; True when done (stopped or idle)."""
        self._lost.clear()
        connection = await aio_pika.connect(self.config.url(), timeout=self.options.connect_timeout)
        connection.close_callbacks.add(self._on_lost)
        try:
            channel = await connection.channel()
            channel.close_callbacks.add(self._on_lost)
            await channel.set_qos(prefetch_count=self.options.prefetch)
            _, queues = await declare(channel, self.config)
            await channel.declare_queue(self.options.dead_letter_queue, durable=True)
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            await queues[self.options.queue].consume(inbox.put)
            logger.info("consuming queue %s at %s", self.options.queue, self.config.where())
            return await self._loop(channel, inbox)
        finally:
            connection.close_callbacks.discard(self._on_lost)
            if not connection.is_closed:
                try:
                    await asyncio.wait_for(connection.close(), timeout=5)
                except (*BROKER_ERRORS, RuntimeError):
                    logger.debug("closing the lost RabbitMQ connection failed", exc_info=True)

    def _on_lost(self, *_: Any) -> None:
        self._lost.set()

    async def _loop(
        self, channel: AbstractChannel, inbox: asyncio.Queue[AbstractIncomingMessage]
    ) -> bool:
        loop = asyncio.get_running_loop()
        last_message = loop.time()
        while not self._stop.is_set():
            if self._lost.is_set():
                raise ConnectionError("connection to RabbitMQ lost")
            try:
                first = await asyncio.wait_for(inbox.get(), timeout=POLL_SECONDS)
            except asyncio.TimeoutError:
                idle = loop.time() - last_message
                if self.options.idle_exit is not None and idle >= self.options.idle_exit:
                    logger.info("no message for %.1f s: stopping", idle)
                    return True
                if loop.time() >= self._next_prune:
                    await self._prune()
                    self._next_prune = loop.time() + PRUNE_INTERVAL
                continue
            batch = await self._fill([first], inbox)
            if not await self._handle(channel, batch):
                return True
            last_message = loop.time()
        return True

    async def _fill(
        self, batch: list[AbstractIncomingMessage], inbox: asyncio.Queue[AbstractIncomingMessage]
    ) -> list[AbstractIncomingMessage]:
        """``batch`` topped up from ``inbox``, waiting up to ``linger`` seconds for more."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.linger
        while len(batch) < self.options.batch_size and not self._stop.is_set():
            if not inbox.empty():
                batch.append(inbox.get_nowait())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(inbox.get(), timeout=remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _handle(
        self, channel: AbstractChannel, batch: Sequence[AbstractIncomingMessage]
    ) -> bool:
        """Store a batch, dead-letter what cannot be stored, then acknowledge it all.

        Returns:
            False when stopped (or the connection lost) before the batch was stored: it is
            left unacknowledged, for RabbitMQ to deliver again.
        """
        events: list[BrokerEvent] = []
        refused: list[tuple[AbstractIncomingMessage, str]] = []
        by_key: dict[str, AbstractIncomingMessage] = {}
        for message in batch:
            try:
                event = decode_message(message.body)
            except MalformedMessage as exc:
                refused.append((message, str(exc)))
                continue
            events.append(event)
            by_key.setdefault(event.key, message)
        failed = await self._store(events)
        if failed is None:
            if self._lost.is_set():
                raise ConnectionError("connection to RabbitMQ lost")
            return False
        refused += [(by_key[event.key], reason) for event, reason in failed]
        for message, reason in refused:
            await self._dead_letter(channel, message, reason)
        await batch[-1].ack(multiple=True)
        self.refused += len(refused)
        return True

    async def _store(self, events: list[BrokerEvent]) -> list[tuple[BrokerEvent, str]] | None:
        """Commit ``events``, waiting out database trouble.

        Returns:
            The events the database refused, with why (stored apart: one bad event never
            holds up the others); ``None`` when stopped or the broker was lost meanwhile.
        """
        if not events:
            return []
        delay = self.options.min_backoff
        refusals = 0
        while True:
            try:
                self.stored += await asyncio.to_thread(self._commit, events)
                return []
            except Exception as exc:  # classified below: wait it out, or isolate the culprit
                if not _refused_by_data(exc):
                    logger.error(
                        "ticket database unavailable (%s); %d event(s) wait, retrying in "
                        "%.1f s (is it migrated? python -m bot.tickets.cli migrate)",
                        exc,
                        len(events),
                        delay,
                    )
                    if not await self._wait(delay):
                        return None
                    delay = min(delay * 2, self.options.max_backoff)
                    continue
                refusals += 1
                if refusals == 1:
                    continue  # a key or a row another consumer stored meanwhile: once more
                if len(events) > 1:
                    return await self._store_each(events)
                reason = f"refused by the database ({type(exc).__name__})"
                logger.error("event %s of a conversation %s", events[0].key[:12], reason)
                return [(events[0], reason)]

    async def _store_each(self, events: list[BrokerEvent]) -> list[tuple[BrokerEvent, str]] | None:
        failed: list[tuple[BrokerEvent, str]] = []
        for event in events:
            result = await self._store([event])
            if result is None:
                return None
            failed += result
        return failed

    def _commit(self, events: list[BrokerEvent]) -> int:
        with session_scope(self.options.database_url) as session:
            return record_events(session, events=events)

    async def _dead_letter(
        self, channel: AbstractChannel, message: AbstractIncomingMessage, reason: str
    ) -> None:
        logger.warning(
            "refused message (%d bytes, delivery %s): %s; copied to %s",
            len(message.body),
            message.delivery_tag,
            reason,
            self.options.dead_letter_queue,
        )
        copy = aio_pika.Message(
            message.body,
            headers={REASON_HEADER: reason},
            content_type=message.content_type,
            app_id=message.app_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await channel.default_exchange.publish(copy, routing_key=self.options.dead_letter_queue)

    async def _prune(self) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        before = now - self.options.key_retention
        sent_before = now - self.options.message_retention

        def forget() -> tuple[int, int]:
            with session_scope(self.options.database_url) as session:
                keys = forget_keys(session, before=before)
                return keys, forget_missed(session, before=sent_before)

        try:
            forgotten, messages = await asyncio.to_thread(forget)
        except TicketStoreUnavailable as exc:
            logger.warning("old event keys not deleted now: %s", exc)
            return
        if forgotten:
            logger.info("deleted %d event key(s) older than %s", forgotten, before.isoformat())
        if messages:
            logger.info(
                "deleted %d missed message(s) sent before %s", messages, sent_before.isoformat()
            )
