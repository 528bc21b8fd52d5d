"""Tickets kept while the ticket store was down, in a local SQLite file that survives restarts.

When the ticket store cannot be reached, the submit action tells the owner that the request
is kept and will be submitted. Rasa's reminder (the automatic retry inside the conversation)
lives in the Rasa server's memory and is gone after a restart, so the request is also written
here first: ``VAR_DIR/ticket_spool.db``, a file of its own (the ticket database is the one that
is down), WAL with ``synchronous=FULL`` so that a kept request survives a crash or a power
cut, readable by its owner only (it holds phone numbers and IMEIs).

Each row is one intake (``intake_id`` is the key, as in the ticket store, so keeping the same
intake twice keeps it once). States:

- ``pending``: not created yet; the retrier (:mod:`bot.tickets.retrier`) tries it again;
- ``created``: the retrier created the ticket; the owner has not been told its number yet.
  The submit action tells them (the conversation's reminder, or the owner's "重新提交") and
  then discards the row; rows nobody asked for are purged after :data:`CREATED_KEEP`;
- ``failed``: the ticket store refused the values (not a connection problem); not retried.

No SQLAlchemy, no SDK: plain :mod:`sqlite3` on a small table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import get_settings
from bot.tickets.draft import TicketDraft, parse_date, ticket_fields

FILE_NAME = "ticket_spool.db"
#: Seconds a statement waits for another process's write before failing.
BUSY_TIMEOUT = 10.0
#: How long a ticket the retrier created waits for its owner to be told before it is purged.
CREATED_KEEP = dt.timedelta(days=30)
#: Longest error text kept for a row.
ERROR_MAX = 500

PENDING = "pending"
CREATED = "created"
FAILED = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kept_tickets (
    intake_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    ticket_no TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    kept_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class SpoolUnavailable(RuntimeError):
    """The spool file cannot be written or read (disk full, permissions, corrupt file)."""


@dataclass(frozen=True)
class KeptTicket(TicketDraft):
    """The ticket draft of one confirmed intake, as kept in the spool."""

    def to_json(self) -> str:
        """The fields as JSON (dates in ISO format)."""
        fields = {name: _json_value(value) for name, value in self.values().items()}
        return json.dumps(fields, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> KeptTicket:
        """The ticket :meth:`to_json` wrote.

        A field the row lacks (kept before the field was added) is None; a key that is no
        field (kept by a newer version) is ignored.
        """
        fields: dict[str, Any] = json.loads(text)
        values: dict[str, Any] = {
            spec.name: parse_date(fields.get(spec.name))
            if spec.column.type == "date"
            else fields.get(spec.name)
            for spec in ticket_fields()
        }
        return cls(**values)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class SpoolEntry:
    """One row of the spool."""

    ticket: KeptTicket
    state: str
    ticket_no: str | None
    attempts: int
    last_error: str | None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


class TicketSpool:
    """The kept tickets of one file; every method opens and closes its own connection."""

    def __init__(self, path: Path) -> None:
        """Use the spool at ``path`` (created on the first write)."""
        self.path = path

    @contextmanager
    def _connect(self, create: bool = True) -> Iterator[sqlite3.Connection | None]:
        if not create and not self.path.exists():
            yield None
            return
        try:
            if create and not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Owner-only; SQLite gives the -wal and -shm files the same mode.
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SpoolUnavailable(f"ticket spool {self.path}: {exc}") from exc
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.executescript(_SCHEMA)
            yield connection
        except sqlite3.Error as exc:
            raise SpoolUnavailable(f"ticket spool {self.path}: {exc}") from exc
        finally:
            connection.close()

    def keep(self, ticket: KeptTicket) -> None:
        """Write ``ticket`` durably; a row of the same intake is left as it is.

        Raises:
            SpoolUnavailable: The file cannot be written: the request is not kept.
        """
        now = _now()
        with self._connect() as connection:
            assert connection is not None
            connection.execute(
                "INSERT INTO kept_tickets (intake_id, payload, kept_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (intake_id) DO NOTHING",
                (ticket.intake_id, ticket.to_json(), now, now),
            )

    def get(self, intake_id: str) -> SpoolEntry | None:
        """The row of ``intake_id``, or None."""
        with self._connect(create=False) as connection:
            if connection is None:
                return None
            row = connection.execute(
                "SELECT payload, state, ticket_no, attempts, last_error FROM kept_tickets "
                "WHERE intake_id = ?",
                (intake_id,),
            ).fetchone()
        return None if row is None else _entry(row)

    def pending(self) -> list[SpoolEntry]:
        """The rows still to be created, oldest first."""
        with self._connect(create=False) as connection:
            if connection is None:
                return []
            rows = connection.execute(
                "SELECT payload, state, ticket_no, attempts, last_error FROM kept_tickets "
                "WHERE state = ? ORDER BY kept_at",
                (PENDING,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def mark_created(self, intake_id: str, ticket_no: str) -> None:
        """Record that the ticket of ``intake_id`` now exists (its owner still to be told)."""
        self._update(intake_id, "state = ?, ticket_no = ?", (CREATED, ticket_no))

    def record_attempt(self, intake_id: str, error: str, *, failed: bool = False) -> None:
        """Count a failed attempt; ``failed`` stops the retries (the store refused the values)."""
        state = FAILED if failed else PENDING
        self._update(
            intake_id,
            "attempts = attempts + 1, last_error = ?, state = ?",
            (error[:ERROR_MAX], state),
        )

    def discard(self, intake_id: str) -> None:
        """Forget ``intake_id`` (its owner was told the ticket number)."""
        with self._connect(create=False) as connection:
            if connection is not None:
                connection.execute("DELETE FROM kept_tickets WHERE intake_id = ?", (intake_id,))

    def purge_created(self, older_than: dt.timedelta = CREATED_KEEP) -> int:
        """Delete created rows whose owner was not told within ``older_than``."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - older_than).isoformat()
        with self._connect(create=False) as connection:
            if connection is None:
                return 0
            cursor = connection.execute(
                "DELETE FROM kept_tickets WHERE state = ? AND updated_at < ?", (CREATED, cutoff)
            )
            return int(cursor.rowcount or 0)

    def _update(self, intake_id: str, assignments: str, values: tuple[Any, ...]) -> None:
        with self._connect() as connection:
            assert connection is not None
            connection.execute(
                f"UPDATE kept_tickets SET {assignments}, updated_at = ? WHERE intake_id = ?",
                (*values, _now(), intake_id),
            )


def _entry(row: tuple[Any, ...]) -> SpoolEntry:
    payload, state, ticket_no, attempts, last_error = row
    return SpoolEntry(KeptTicket.from_json(payload), state, ticket_no, int(attempts), last_error)


def default_spool() -> TicketSpool:
    """The spool of this machine: ``VAR_DIR/ticket_spool.db``."""
    return TicketSpool(get_settings().var_dir / FILE_NAME)
