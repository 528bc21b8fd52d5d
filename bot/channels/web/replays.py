"""Widget message ids already taken, so a replayed message is processed once on any server.

The widget gives each message a random id. In one process an in-memory TTL set is enough
(a socket stays with one worker); behind a load balancer a socket that reconnects after its
server went away lands on another, so with ``SOCKETIO_REDIS_URL`` set the ids are kept in
Redis (``SET NX PX``, atomic across servers) under ``<channel>:seen:<digest>``, the digest a
SHA-256 of session and message id (no session id in Redis). When Redis fails the in-process
set takes over (:class:`bot.runtime.socketio_redis.RedisLink` logs the outage and leaves Redis
alone for a few seconds): a replay across servers then gets through, a message is never lost.
"""

from __future__ import annotations

import hashlib

from bot.channels.dedup import SeenMessages
from bot.runtime.socketio_redis import RedisLink, RedisUnavailable


class ReplayGuard:
    """Which ``session:message id`` keys were seen within ``ttl`` seconds.

    Args:
        ttl: Seconds a key is remembered.
        link: The Redis shared by the servers, or None to keep the keys in the process.
        prefix: Key prefix in Redis (the deployment's socket.io channel).
    """

    def __init__(self, ttl: float, link: RedisLink | None = None, prefix: str = "") -> None:
        self._local = SeenMessages(ttl=ttl)
        self._link = link
        self._prefix = f"{prefix}:seen"
        self._ttl_ms = max(1, int(ttl * 1000))

    @property
    def shared(self) -> bool:
        """Whether the keys are kept in Redis."""
        return self._link is not None

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._prefix}:{digest}"

    async def first_time(self, key: str) -> bool:
        """Record ``key``; ``True`` only the first time any server sees it within the TTL."""
        if self._link is not None:
            name, ttl_ms = self._key(key), self._ttl_ms
            try:
                return bool(
                    await self._link.call(
                        "replay check", lambda redis: redis.set(name, b"", nx=True, px=ttl_ms)
                    )
                )
            except RedisUnavailable:
                pass
        return self._local.first_time(key)
