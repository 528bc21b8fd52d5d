"""Rasa's ``RedisLockStore`` with atomic tickets, for several Rasa servers.

Rasa serialises the messages of one conversation with a ticket lock (see
:mod:`bot.runtime.lock_store`). Its ``RedisLockStore`` keeps each conversation's lock as one
JSON value and changes it by reading it, changing it in Python and writing it back: two
servers that take a ticket at the same moment both read "no ticket", both write ticket 0
and both go ahead, and one server's clean-up can delete the other's ticket. Two messages
of one conversation sent to two servers at once then run together, and one of them is lost
from the stored conversation (``tests/cluster/test_cluster_live.py`` caught it).

``AtomicRedisLockStore`` keeps Rasa's class (its connection settings, ``key_prefix``, the
``type: redis`` options) and makes every change one Redis operation:

- a ticket is taken by a Lua script (atomic in Redis): its number comes from one counter
  per deployment, so numbers are never reused; it joins the conversation's sorted set with
  its expiry, in Redis's own clock (one clock for every server);
- a waiter asks another script whether its ticket is now the lowest live one; the script
  drops expired tickets (a crashed holder) first, and answers "expired" if the waiter's own
  ticket is gone, which raises ``LockError`` at once;
- giving a ticket back removes that ticket only; keys expire a minute after the last ticket
  would have, so nothing is left behind by a server that died;
- waiters look every ``poll_interval`` seconds (0.05) instead of Rasa's one second.

In ``endpoints.yml``: ``type: bot.runtime.redis_lock_store.AtomicRedisLockStore`` with the
options of ``type: redis`` (``url``, ``port``, ``db``, ``password``, ``key_prefix``, ...) and
``poll_interval``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

from bot.runtime.lock_store import PollingLock

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.05
"""Seconds between two looks at the queue while waiting for the lock."""

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

ISSUE = (
    _NOW
    + """
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], n, n)
redis.call('HSET', KEYS[2], n, string.format('%.6f', now + tonumber(ARGV[1])))
local ttl = math.ceil(tonumber(ARGV[1])) + 60
if redis.call('TTL', KEYS[1]) < ttl then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
end
return n
"""
)
"""KEYS: queue, expiries, counter; ARGV: lifetime. Returns the new ticket's number."""

ACQUIRE = (
    _NOW
    + """
local first = nil
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local e = redis.call('HGET', KEYS[2], m)
  if (not e) or tonumber(e) < now then
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], m)
  elseif not first then
    first = m
  end
end
if not redis.call('HGET', KEYS[2], ARGV[1]) then return -1 end
if first == ARGV[1] then return 0 end
return 1
"""
)
"""KEYS: queue, expiries; ARGV: ticket. 0: the lock is the ticket's, 1: wait, -1: expired."""

ACQUIRED, WAITING, EXPIRED = 0, 1, -1


class AtomicRedisLockStore(PollingLock, RedisLockStore):  # type: ignore[misc]  # Rasa is untyped
    """Ticket locks in Redis, every change atomic; built by Rasa from ``endpoints.yml``."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        options: dict[str, Any] = dict(getattr(endpoint_config, "kwargs", None) or {})
        options.update(kwargs)
        self.poll_interval = float(options.pop("poll_interval", None) or DEFAULT_POLL_INTERVAL)
        if self.poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        options.pop("type", None)
        host = options.pop("host", None) or getattr(endpoint_config, "url", None) or "localhost"
        super().__init__(host=host, **options)
        self._issue = self.red.register_script(ISSUE)
        self._acquire = self.red.register_script(ACQUIRE)

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        base = self.key_prefix + conversation_id
        return f"{base}:queue", f"{base}:expires"

    @property
    def _counter(self) -> str:
        return str(self.key_prefix) + "ticket-counter"  # conversations' keys end in :queue

    # ------------------------------------------------------------------ tickets
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Queue a new ticket for ``conversation_id`` (one atomic script)."""
        queue, expires = self._keys(conversation_id)
        try:
            number = self._issue(keys=[queue, expires, self._counter], args=[lock_lifetime])
        except Exception as error:  # redis errors: Rasa expects LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return int(number)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The live tickets of ``conversation_id`` as Rasa's ``TicketLock``, or ``None``."""
        queue, expires = self._keys(conversation_id)
        with self.red.pipeline(transaction=True) as pipe:
            pipe.zrange(queue, 0, -1)
            pipe.hgetall(expires)
            members, expiries = pipe.execute()
        now = time.time()
        tickets = []
        for member in members:
            expiry = expiries.get(member)
            if expiry is not None and float(expiry) >= now:
                tickets.append(Ticket(int(member), float(expiry)))
        return TicketLock(conversation_id, deque(tickets)) if tickets else None

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the conversation's tickets with ``lock``'s (not used by this class)."""
        queue, expires = self._keys(lock.conversation_id)
        with self.red.pipeline(transaction=True) as pipe:
            pipe.delete(queue, expires)
            for ticket in lock.tickets:
                pipe.zadd(queue, {str(ticket.number): ticket.number})
                pipe.hset(expires, str(ticket.number), f"{ticket.expires:.6f}")
            pipe.execute()

    def delete_lock(self, conversation_id: str) -> None:
        """Drop every ticket of ``conversation_id``."""
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, deletion_successful=deleted > 0)

    def update_lock(self, conversation_id: str) -> None:
        """Nothing to do: every look at the queue drops its expired tickets."""

    def is_someone_waiting(self, conversation_id: str) -> bool:
        """Whether ``conversation_id`` has a live ticket."""
        return self.get_lock(conversation_id) is not None

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Give ticket ``ticket_number`` back, and only it."""
        queue, expires = self._keys(conversation_id)
        with self.red.pipeline(transaction=True) as pipe:
            pipe.zrem(queue, str(ticket_number))
            pipe.hdel(expires, str(ticket_number))
            pipe.execute()

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; if Redis is unreachable it expires by itself."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except Exception:
            logger.exception("ticket %s of '%s' not given back", ticket_number, conversation_id)

    # ------------------------------------------------------------------ waiting
    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        queue, expires = self._keys(conversation_id)
        while True:
            try:
                state = int(self._acquire(keys=[queue, expires], args=[str(ticket)]))
            except Exception as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            if state == ACQUIRED:
                lock = self.get_lock(conversation_id)
                return lock or TicketLock(conversation_id)
            if state == EXPIRED:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}': "
                    f"ticket {ticket} expired while waiting."
                )
            await asyncio.sleep(wait_time_in_seconds)
