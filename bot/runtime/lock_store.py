"""A Rasa ``LockStore`` shared by the processes of one machine, in a SQLite file.

Rasa serialises the messages of one conversation with a ticket lock: each message takes a
ticket, waits until its ticket is the lowest live one, is processed, then gives the ticket
back. Rasa's ``InMemoryLockStore`` keeps the tickets in one process, so Rasa runs a single
Sanic worker with it; its ``RedisLockStore`` needs a Redis server. ``SQLiteLockStore`` keeps
them in ``VAR_DIR/locks.db`` (WAL mode), so several Sanic workers on one machine share them
with no new service.

Differences from the base class, whose ``issue_ticket`` and ``cleanup`` read a whole lock,
change it and write it back (a race between processes):

- every change is one statement or one ``BEGIN IMMEDIATE`` transaction;
- ticket numbers come from an ``AUTOINCREMENT`` key, so they are never reused, even after a
  conversation's last ticket is gone (a late ``cleanup`` cannot remove someone else's ticket);
- expired tickets (a crashed or stuck holder) are ignored by every read and deleted on the
  next ticket issued, so they hold the queue up for at most their lifetime;
- a waiter whose own ticket expired gets ``LockError`` at once instead of polling on;
- waiters poll every ``poll_interval`` seconds (default 0.05 s) instead of every second.

The database calls are synchronous, like ``RedisLockStore``'s: each is a few statements on a
table that only holds the live tickets, so it returns in well under a millisecond unless
another process holds the write lock for its own equally short transaction.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.runtime.sqlite_wal import use_wal
from bot.settings import get_settings

logger = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "locks.db"
DEFAULT_BUSY_TIMEOUT = 10.0
"""Seconds a statement waits for another process's write transaction before failing."""
DEFAULT_POLL_INTERVAL = 0.05
"""Seconds between two looks at the queue while waiting for the lock."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lock_tickets (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS lock_tickets_by_conversation
    ON lock_tickets (conversation_id, number);
"""


def _ticket_lock(conversation_id: str, queue: list[tuple[int, float]]) -> TicketLock:
    """Rasa's ``TicketLock`` of live ``(number, expires)`` tickets, lowest first."""
    return TicketLock(conversation_id, deque(Ticket(n, e) for n, e in queue))


class PollingLock:
    """``LockStore.lock`` that waits ``poll_interval`` seconds between looks, not one second.

    Mixed into lock stores whose ``issue_ticket``, ``_acquire_lock`` and ``cleanup`` are their
    own (atomic) versions.
    """

    poll_interval: float

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncIterator[TicketLock]:
        """Hold the lock of ``conversation_id`` (see ``LockStore.lock``)."""
        store: Any = self
        ticket = store.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await store._acquire_lock(
                conversation_id, ticket, wait_time_in_seconds or self.poll_interval
            )
        finally:
            store.cleanup(conversation_id, ticket)


class SQLiteLockStore(PollingLock, LockStore):  # type: ignore[misc]  # Rasa is untyped
    """Ticket locks in a SQLite file that every process on the machine opens.

    In ``endpoints.yml``::

        lock_store:
          type: bot.runtime.lock_store.SQLiteLockStore
          # db: var/locks.db        (default: VAR_DIR/locks.db)
          # busy_timeout: 10        (seconds)
          # poll_interval: 0.05     (seconds)

    Rasa builds a custom lock store as ``cls(endpoint_config=...)``; the settings are the
    endpoint's extra keys.
    """

    def __init__(
        self,
        endpoint_config: Any = None,
        *,
        db: str | Path | None = None,
        busy_timeout: float | None = None,
        poll_interval: float | None = None,
    ) -> None:
        settings: dict[str, Any] = dict(getattr(endpoint_config, "kwargs", None) or {})
        path = db or settings.get("db") or get_settings().var_dir / DEFAULT_FILE_NAME
        self.path = Path(path)
        self.busy_timeout = float(
            busy_timeout or settings.get("busy_timeout") or DEFAULT_BUSY_TIMEOUT
        )
        self.poll_interval = float(
            poll_interval or settings.get("poll_interval") or DEFAULT_POLL_INTERVAL
        )
        if self.busy_timeout <= 0 or self.poll_interval <= 0:
            raise ValueError("busy_timeout and poll_interval must be positive")
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.executescript(_SCHEMA)
        super().__init__()

    # ------------------------------------------------------------------ connection
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=True
        )
        use_wal(conn, self.busy_timeout)  # locks need not survive a power cut
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened anew in a forked child (Sanic's workers)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.conn = self._connect()
            local.pid = os.getpid()
        yield local.conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: other processes' writers wait until it commits."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # ------------------------------------------------------------------ tickets
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Queue a new ticket for ``conversation_id``; expired tickets are dropped first."""
        now = time.time()
        try:
            with self._transaction() as conn:
                conn.execute("DELETE FROM lock_tickets WHERE expires < ?", (now,))
                cursor = conn.execute(
                    "INSERT INTO lock_tickets (conversation_id, expires) VALUES (?, ?)",
                    (conversation_id, now + lock_lifetime),
                )
                number = cursor.lastrowid
        except sqlite3.Error as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        assert number is not None
        logger.debug("ticket %s issued for conversation '%s'", number, conversation_id)
        return int(number)

    def _queue(self, conversation_id: str) -> list[tuple[int, float]]:
        """The live tickets of ``conversation_id``, lowest (now serving) first."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT number, expires FROM lock_tickets "
                "WHERE conversation_id = ? AND expires >= ? ORDER BY number",
                (conversation_id, time.time()),
            ).fetchall()
        return [(int(number), float(expires)) for number, expires in rows]

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The live tickets of ``conversation_id`` as Rasa's ``TicketLock``, or ``None``."""
        queue = self._queue(conversation_id)
        return _ticket_lock(conversation_id, queue) if queue else None

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the conversation's tickets with ``lock``'s (not used by this class)."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM lock_tickets WHERE conversation_id = ?", (lock.conversation_id,)
            )
            conn.executemany(
                "INSERT INTO lock_tickets (number, conversation_id, expires) VALUES (?, ?, ?)",
                [(t.number, lock.conversation_id, t.expires) for t in lock.tickets],
            )

    def delete_lock(self, conversation_id: str) -> None:
        """Drop every ticket of ``conversation_id``."""
        with self._connection() as conn:
            deleted = conn.execute(
                "DELETE FROM lock_tickets WHERE conversation_id = ?", (conversation_id,)
            ).rowcount
        self._log_deletion(conversation_id, deletion_successful=deleted > 0)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets of ``conversation_id``."""
        with self._connection() as conn:
            conn.execute(
                "DELETE FROM lock_tickets WHERE conversation_id = ? AND expires < ?",
                (conversation_id, time.time()),
            )

    def is_someone_waiting(self, conversation_id: str) -> bool:
        """Whether ``conversation_id`` has a live ticket."""
        return bool(self._queue(conversation_id))

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Give ticket ``ticket_number`` back (one atomic delete)."""
        with self._connection() as conn:
            conn.execute(
                "DELETE FROM lock_tickets WHERE number = ? AND conversation_id = ?",
                (ticket_number, conversation_id),
            )

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Give the ticket back; a conversation with no ticket left has no row left."""
        try:
            self.finish_serving(conversation_id, ticket_number)
        except sqlite3.Error:  # the ticket then expires by itself
            logger.exception("ticket %s of '%s' not given back", ticket_number, conversation_id)

    # ------------------------------------------------------------------ waiting
    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            queue = self._queue(conversation_id)
            numbers = [number for number, _ in queue]
            if ticket not in numbers:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}': "
                    f"ticket {ticket} expired while waiting."
                )
            if numbers[0] == ticket:
                logger.debug("acquired lock for conversation '%s'", conversation_id)
                return _ticket_lock(conversation_id, queue)
            await asyncio.sleep(wait_time_in_seconds)
