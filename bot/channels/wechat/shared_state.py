"""WeChat channel state in Redis, shared by several Rasa servers behind a load balancer.

WeChat retries a message on whichever server the load balancer picks, a user's number reply
can reach another server than the one that offered the choices, and every server must use
the same access token. With ``WECHAT_REDIS_URL`` set, :func:`build_state` keeps all three
in Redis; without it, in the process (one machine, or sticky routing by openid).

Redis failures never fail the webhook: each call falls back to this process's state and
logs a warning, and Redis is left alone for a few seconds so that an unreachable server
costs one timeout, not one per call. A retry may then be processed twice: a duplicate is
better than a lost message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import redis
from redis.exceptions import RedisError

from bot.channels.dedup import SeenMessages
from bot.channels.wechat.api import MemoryTokenCache, TokenCache
from bot.channels.wechat.render import Choice, ChoiceMemory
from bot.settings import Settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "shouhou:wechat"
"""The first part of every key; :func:`build_state` adds the app id."""

REDIS_TIMEOUT = 1.0
"""Seconds before connecting to Redis, or one Redis command, fails."""

OUTAGE_PAUSE = 10.0
"""Seconds Redis is skipped (in-process state used) after a failed call."""

_SEEN = ""
_REPLY = "r:"
"""Value of a seen key: empty until its passive reply is stored after this marker."""

_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def _milliseconds(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


class RedisOutage:
    """Remembers that Redis failed, so callers use their in-process state for a while."""

    def __init__(
        self, pause: float = OUTAGE_PAUSE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._pause = pause
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    @property
    def active(self) -> bool:
        """Whether Redis failed less than ``pause`` seconds ago."""
        return self._clock() < self._until

    def report(self, what: str, error: Exception) -> None:
        """Record a failed Redis call; log a warning when an outage starts."""
        with self._lock:
            starting = not self.active
            self._until = self._clock() + self._pause
        if starting:
            logger.warning(
                "wechat: Redis failed on %s (%s: %s); using in-process state for %.0f s",
                what,
                type(error).__name__,
                error,
                self._pause,
            )


class _RedisKeys:
    """Keys of one kind in Redis, under a prefix, that expire; an outage is shared."""

    _client: redis.Redis
    _prefix: str
    _ttl_ms: int
    _outage: RedisOutage

    def _use_redis(
        self, client: redis.Redis, ttl: float, prefix: str, outage: RedisOutage | None
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl_ms = _milliseconds(ttl)
        self._outage = outage or RedisOutage()

    def _key(self, name: str) -> str:
        return f"{self._prefix}:{name}"


class RedisSeenMessages(_RedisKeys, SeenMessages):
    """:class:`SeenMessages` in Redis: a retry is recognised on any machine.

    One key per message, set with ``SET NX PX`` (atomic across processes); its value later
    holds the passive reply. If Redis fails, the in-process set takes over (warning logged)
    and the message is processed: a duplicate is better than a lost message.
    """

    def __init__(
        self,
        client: redis.Redis,
        ttl: float,
        prefix: str = f"{KEY_PREFIX}:seen",
        *,
        outage: RedisOutage | None = None,
    ) -> None:
        super().__init__(ttl)
        self._use_redis(client, ttl, prefix, outage)

    def first_time(self, key: str) -> bool:
        """Record ``key``; ``True`` only the first time any machine sees it within the TTL."""
        if not self._outage.active:
            try:
                return bool(self._client.set(self._key(key), _SEEN, nx=True, px=self._ttl_ms))
            except RedisError as error:
                self._outage.report("first_time", error)
        return super().first_time(key)

    def remember_reply(self, key: str, body: str) -> None:
        """Keep the passive reply given to ``key`` (if still remembered), for retries."""
        super().remember_reply(key, body)  # stored only if the in-process set took ``key``
        if not self._outage.active:
            try:
                self._client.set(self._key(key), _REPLY + body, xx=True, keepttl=True)
            except RedisError as error:
                self._outage.report("remember_reply", error)

    def reply_for(self, key: str) -> str | None:
        """The passive reply already given to ``key`` by any machine, if any."""
        if not self._outage.active:
            try:
                value = _text(self._client.get(self._key(key)))
            except RedisError as error:
                self._outage.report("reply_for", error)
            else:
                if value is not None and value.startswith(_REPLY):
                    return value[len(_REPLY) :]
        return super().reply_for(key)


def _dump(choice: Choice) -> str:
    return json.dumps(dataclasses.asdict(choice), ensure_ascii=False)


def _load(raw: Any) -> Choice | None:
    try:
        fields = json.loads(_text(raw) or "")
        return Choice(
            number=int(fields["number"]), title=str(fields["title"]), payload=str(fields["payload"])
        )
    except (ValueError, TypeError, KeyError) as error:
        logger.warning("wechat: unreadable choice in Redis ignored: %s", error)
        return None


class RedisChoiceMemory(_RedisKeys, ChoiceMemory):
    """:class:`ChoiceMemory` in Redis: a number reply works on any machine.

    One list of JSON choices per user; ``RPUSH`` makes two button messages of one turn both
    land. If Redis fails, the in-process memory takes over (warning logged).
    """

    def __init__(
        self,
        client: redis.Redis,
        ttl: float,
        prefix: str = f"{KEY_PREFIX}:choices",
        *,
        outage: RedisOutage | None = None,
    ) -> None:
        super().__init__(ttl)
        self._use_redis(client, ttl, prefix, outage)

    def offer(self, user: str, choices: Sequence[Choice]) -> None:
        """Remember ``choices`` as what ``user`` may answer now (replacing older ones)."""
        if not self._outage.active:
            try:
                with self._client.pipeline(transaction=True) as pipe:
                    pipe.delete(self._key(user))
                    if choices:
                        pipe.rpush(self._key(user), *[_dump(c) for c in choices])
                        pipe.pexpire(self._key(user), self._ttl_ms)
                    pipe.execute()
                return
            except RedisError as error:
                self._outage.report("offer", error)
        super().offer(user, choices)

    def extend(self, user: str, choices: Sequence[Choice]) -> None:
        """Add ``choices`` to what ``user`` was offered in the same turn."""
        if not self._outage.active:
            try:
                with self._client.pipeline(transaction=True) as pipe:
                    if choices:
                        pipe.rpush(self._key(user), *[_dump(c) for c in choices])
                    pipe.pexpire(self._key(user), self._ttl_ms)
                    pipe.execute()
                return
            except RedisError as error:
                self._outage.report("extend", error)
        super().extend(user, choices)

    def current(self, user: str) -> list[Choice]:
        """The choices ``user`` may answer now (none once they expired)."""
        if not self._outage.active:
            try:
                raw = self._client.lrange(self._key(user), 0, -1)
            except RedisError as error:
                self._outage.report("current", error)
            else:
                return [choice for choice in map(_load, raw) if choice is not None]
        return super().current(user)


class RedisTokenCache:
    """A :class:`~bot.channels.wechat.api.TokenCache` in Redis, shared by every machine.

    The fetch is guarded by a Redis lock, so one machine fetches and the others read its
    token. If Redis fails, an in-process copy is used (warning logged); that machine may
    then fetch its own token, which WeChat accepts alongside the old one for a few minutes.
    """

    def __init__(
        self,
        client: redis.Redis,
        app_id: str,
        prefix: str = KEY_PREFIX,
        *,
        lock_timeout: float = 15.0,
        outage: RedisOutage | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._key = f"{prefix}:{app_id}:token"
        self._lock_timeout = lock_timeout
        self._outage = outage or RedisOutage()
        self._local = MemoryTokenCache(clock)
        self._delete_if_equal = client.register_script(_DELETE_IF_EQUAL)

    def get(self) -> str | None:
        """The shared token, or ``None`` if there is none or it expired."""
        if not self._outage.active:
            try:
                return _text(self._client.get(self._key))
            except RedisError as error:
                self._outage.report("token get", error)
        return self._local.get()

    def put(self, token: str, ttl_seconds: float) -> None:
        """Share ``token`` for ``ttl_seconds`` (and keep a copy in the process)."""
        self._local.put(token, ttl_seconds)
        if not self._outage.active:
            try:
                self._client.set(self._key, token, px=_milliseconds(ttl_seconds))
            except RedisError as error:
                self._outage.report("token put", error)

    def invalidate(self, token: str) -> None:
        """Drop ``token`` if it is still the shared one (atomic compare and delete)."""
        self._local.invalidate(token)
        if not self._outage.active:
            try:
                self._delete_if_equal(keys=[self._key], args=[token])
            except RedisError as error:
                self._outage.report("token invalidate", error)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """A Redis lock (expires after ``lock_timeout``) around reading and renewing."""
        held = None
        if not self._outage.active:
            lock = self._client.lock(
                f"{self._key}:lock", timeout=self._lock_timeout, blocking_timeout=self._lock_timeout
            )
            try:
                if lock.acquire():
                    held = lock
                else:
                    logger.warning("wechat: token lock still busy, going on without it")
            except RedisError as error:
                self._outage.report("token lock", error)
        try:
            yield
        finally:
            if held is not None:
                try:
                    held.release()
                except RedisError as error:  # LockError too: it expired meanwhile
                    logger.warning("wechat: token lock not released: %s", error)


class SharedState(NamedTuple):
    """The channel's state: retried messages, numbered choices, access token."""

    seen: SeenMessages
    choices: ChoiceMemory
    tokens: TokenCache


def redis_client(url: str) -> redis.Redis:
    """A Redis client for ``url`` with short timeouts (it is called from the webhook)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        decode_responses=True,
    )


def build_state(settings: Settings, app_id: str, *, prefix: str = KEY_PREFIX) -> SharedState:
    """The channel state: in Redis if ``WECHAT_REDIS_URL`` is set, else in the process.

    Keys start with ``<prefix>:<app_id>:``. An unreachable Redis is logged, not fatal.
    """
    if not settings.wechat_redis_url:
        return SharedState(
            SeenMessages(ttl=settings.wechat_dedup_ttl),
            ChoiceMemory(ttl=settings.wechat_choice_ttl),
            MemoryTokenCache(),
        )
    client = redis_client(settings.wechat_redis_url)
    outage = RedisOutage()
    try:
        client.ping()
    except RedisError as error:
        outage.report("ping at start", error)
    base = f"{prefix}:{app_id}"
    return SharedState(
        RedisSeenMessages(client, settings.wechat_dedup_ttl, f"{base}:seen", outage=outage),
        RedisChoiceMemory(client, settings.wechat_choice_ttl, f"{base}:choices", outage=outage),
        RedisTokenCache(
            client,
            app_id,
            prefix,
            lock_timeout=2 * settings.wechat_http_timeout + 5,
            outage=outage,
        ),
    )
