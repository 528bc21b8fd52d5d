"""socket.io events shared by several Rasa servers through Redis (``SOCKETIO_REDIS_URL``).

Behind a load balancer a widget's socket stays on one Rasa server (sticky routing), yet an
agent's reply from the console, or any other push, may be emitted by another server. With
``SOCKETIO_REDIS_URL`` set, the widget's socket.io server uses python-socketio's own
``AsyncRedisManager``: an emit is handled on the emitting process and published on a Redis
pub/sub channel to which every Rasa process (every server, every Sanic worker) subscribes, so
it reaches the socket wherever it is. This replaces the datagram bus of
:mod:`bot.runtime.socketio_bus`, which stays in use when the setting is empty (one machine).

Choices:

- **One channel per deployment:** ``shouhou:socketio:<digest>``, the digest an HMAC of the
  widget session key (:func:`channel_name`). Every server of a deployment holds that key (it
  must, to resume each other's sessions); two deployments on one Redis do not, so their emits
  never mix, even for equal room names (a brand's JWT subjects). The digest tells nothing of
  the key and is logged at start, to compare servers.
- **One id per process:** Sanic forks its workers after the channel was built; with the
  manager's one random id they would ignore each other's emits (:class:`ProcessHostId`).
- **Redis is never fatal.** A URL that is not ``redis://``, ``rediss://`` or ``unix://`` is
  logged and the datagram bus is used. An unreachable Redis, at start or later, is logged;
  emits still reach the sockets of the emitting process. Publishing uses its own client
  with short timeouts (:class:`RedisLink`) and, after a failure, leaves Redis alone for
  :data:`OUTAGE_PAUSE` seconds, so a bot answer waits at most one timeout per pause, never
  one per message. The subscriber is python-socketio's, which reconnects by itself (after
  1, 2, 4 … up to 60 s). Pub/sub keeps nothing: what is published while a process is not
  subscribed does not reach its sockets (the conversation's tracker still has it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from socketio.async_redis_manager import AsyncRedisManager

from bot.runtime.socketio_bus import ProcessHostId

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "shouhou:socketio"
"""The first part of the pub/sub channel (and of the other keys of the widget in Redis)."""
REDIS_TIMEOUT = 1.0
"""Seconds before connecting to Redis, or one command, fails (publishing, replay checks)."""
OUTAGE_PAUSE = 5.0
"""Seconds Redis is left alone after a failed call."""
SCHEMES = ("redis", "rediss", "unix")
"""URL schemes of ``SOCKETIO_REDIS_URL`` (those of ``redis.asyncio.Redis.from_url``)."""
_CHANNEL_PURPOSE = b"shouhou-socketio-channel\x00"
_KEEPALIVE = {
    getattr(socket, name): value
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3))
    if hasattr(socket, name)
}
"""TCP keepalive of the subscriber: a Redis host gone without a word is noticed in ~1 min."""

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed, or failed less than :data:`OUTAGE_PAUSE` seconds ago."""


def channel_name(key: bytes, prefix: str = CHANNEL_PREFIX) -> str:
    """The deployment's pub/sub channel, named after its widget session key."""
    digest = hmac.new(key, _CHANNEL_PURPOSE, hashlib.sha256).hexdigest()[:16]
    return f"{prefix}:{digest}"


def redis_location(url: str) -> str:
    """``url`` without its credentials, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def valid_redis_url(url: str) -> bool:
    """Whether ``url`` is a Redis URL the client can use (no connection is made)."""
    if urlsplit(url).scheme not in SCHEMES:
        return False
    try:
        aioredis.Redis.from_url(url)
    except (ValueError, TypeError):
        return False
    return True


class RedisLink:
    """Request/response calls to one Redis: a client per process and loop, an outage pause.

    Args:
        url: The Redis URL.
        timeout: Seconds before connecting, or one command, fails.
        pause: Seconds Redis is left alone after a failure.
        clock: Monotonic time (tests).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = REDIS_TIMEOUT,
        pause: float = OUTAGE_PAUSE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._timeout = timeout
        self._pause = pause
        self._clock = clock
        self._until = 0.0
        self._client: aioredis.Redis | None = None
        self._owner: tuple[int, asyncio.AbstractEventLoop] | None = None

    @property
    def paused(self) -> bool:
        """Whether Redis failed less than ``pause`` seconds ago."""
        return self._clock() < self._until

    def _redis(self) -> aioredis.Redis:
        # Connections belong to one process (Sanic forks its workers) and one event loop.
        owner = (os.getpid(), asyncio.get_running_loop())
        if self._client is None or self._owner != owner:
            self._client = aioredis.Redis.from_url(
                self.url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
            self._owner = owner
        return self._client

    async def call(self, what: str, command: Callable[[aioredis.Redis], Awaitable[T]]) -> T:
        """``command`` on the client, at most ``timeout`` seconds (plus the connection's).

        Raises:
            RedisUnavailable: Redis failed now (logged when an outage starts) or is paused.
        """
        if self.paused:
            raise RedisUnavailable(what)
        try:
            return await asyncio.wait_for(command(self._redis()), 2 * self._timeout)
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            starting = not self.paused
            self._until = self._clock() + self._pause
            if starting:
                logger.warning(
                    "socket.io: Redis at %s failed on %s (%s: %s); left alone for %.0f s",
                    redis_location(self.url),
                    what,
                    type(error).__name__,
                    error,
                    self._pause,
                )
            raise RedisUnavailable(what) from error

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(await self.call("ping", lambda redis: redis.ping()))
        except RedisUnavailable:
            return False


def subscriber_options(url: str) -> dict[str, Any]:
    """Connection options of the subscriber: a connect timeout, and TCP keepalive over TCP.

    No read timeout: the subscriber waits for messages as long as it takes.
    """
    options: dict[str, Any] = {"socket_connect_timeout": REDIS_TIMEOUT}
    if urlsplit(url).scheme != "unix":  # Unix sockets take no keepalive options
        options.update(socket_keepalive=True, socket_keepalive_options=dict(_KEEPALIVE))
    return options


class RedisBusManager(ProcessHostId, AsyncRedisManager):  # type: ignore[misc]  # untyped library
    """python-socketio's Redis client manager, one id per process, publishing via a link.

    Args:
        link: The Redis to publish to (and its outage pause).
        channel: The deployment's pub/sub channel (:func:`channel_name`).
    """

    name = "shouhou-redis"

    def __init__(self, link: RedisLink, channel: str) -> None:
        super().__init__(url=link.url, channel=channel, redis_options=subscriber_options(link.url))
        self.link = link

    async def _publish(self, data: Any) -> None:
        """Publish an emit (or room change) to the other processes; skipped while Redis is out."""
        payload = self.json.dumps(data)
        try:
            await self.link.call("publish", lambda redis: redis.publish(self.channel, payload))
        except RedisUnavailable:
            logger.debug("socket.io: %s not shared, Redis unavailable", data.get("method"))


def install(sio: Any, url: str, channel: str) -> RedisBusManager | None:
    """Make ``sio`` (a fresh ``socketio.AsyncServer``) share its emits through Redis.

    Returns:
        The manager, or None (error logged, ``sio`` untouched) when ``url`` is not a Redis URL.
    """
    if not valid_redis_url(url):
        logger.error(
            "SOCKETIO_REDIS_URL is not a redis://, rediss:// or unix:// URL: socket.io emits "
            "are not shared with other Rasa servers"
        )
        return None
    manager = RedisBusManager(RedisLink(url), channel)
    sio.manager = manager
    manager.set_server(sio)
    sio.manager_initialized = False
    logger.info(
        "socket.io emits shared through Redis at %s, channel %s", redis_location(url), channel
    )
    return manager
