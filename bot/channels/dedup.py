"""Remember which messages were taken, so a retried or replayed message is processed once."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class SeenMessages:
    """An in-process TTL set of message keys (``MsgId``, or sender + time for events).

    WeChat retries a message it got no answer to within 5 s, up to three times, with the
    same ``MsgId``; the web widget gives each message a random id. One process sees all
    retries only on a single machine or with sticky routing; on several machines
    ``bot.channels.wechat.shared_state`` (WeChat) and ``bot.channels.web.replays`` (the
    widget) keep them in Redis.
    """

    def __init__(
        self, ttl: float, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._replies: dict[str, str] = {}

    def first_time(self, key: str) -> bool:
        """Record ``key``; ``True`` only the first time it is seen within the TTL."""
        now = self._clock()
        with self._lock:
            while self._keys:
                oldest, expires = next(iter(self._keys.items()))
                if expires > now and len(self._keys) < self._max_keys:
                    break
                del self._keys[oldest]
                self._replies.pop(oldest, None)
            if key in self._keys:
                return False
            self._keys[key] = now + self._ttl
            return True

    def remember_reply(self, key: str, body: str) -> None:
        """Keep the passive reply given to ``key``, to give it again to a retry."""
        with self._lock:
            if key in self._keys:
                self._replies[key] = body

    def reply_for(self, key: str) -> str | None:
        """The passive reply already given to ``key``, if any."""
        with self._lock:
            return self._replies.get(key)
