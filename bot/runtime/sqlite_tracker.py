"""Rasa's SQL tracker store on an SQLite file: WAL journal and open connections kept.

With Rasa's settings every tracker save on SQLite is a rollback-journal commit with a full
sync, and every read or save opens a new connection (SQLAlchemy 1.4's ``NullPool`` for SQLite
files): under load the save alone was about a third of a Rasa worker's time. :func:`install`
makes every ``SQLTrackerStore`` on an SQLite file use:

- the WAL journal (readers never wait for the writer; the workers of one machine share the
  file safely) with ``synchronous=NORMAL``: a commit survives the process crashing, and only a
  power cut can lose the last commits (conversations, never tickets: the ticket store is a
  database of its own and keeps its settings);
- a small pool of open connections per worker, and a 30 s busy timeout.

Other databases (PostgreSQL, an in-memory SQLite) are left as Rasa makes them, except that
every tracker store engine hides SQL parameters (user texts, phones) in its exceptions.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.runtime.sqlite_wal import use_wal

BUSY_TIMEOUT_S = 30
POOL_SIZE = 4

#: Rasa's own constructor, kept for comparisons.
STOCK_INIT = SQLTrackerStore.__init__


def _on_connect(connection: Any, _record: Any) -> None:
    use_wal(connection, BUSY_TIMEOUT_S)


def is_sqlite_file(url: sa.engine.URL) -> bool:
    """Whether ``url`` names an SQLite database in a file."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def wal_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine for the SQLite file ``url``: WAL, ``synchronous=NORMAL``, pooled connections."""
    engine = sa.create_engine(
        url,
        poolclass=QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
        # A pooled connection is used by one session at a time, possibly from another thread.
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        hide_parameters=True,
    )
    sa.event.listen(engine, "connect", _on_connect)
    return engine


def _init(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    STOCK_INIT(self, *args, **kwargs)
    url = self.engine.url
    if is_sqlite_file(url):
        self.engine.dispose()
        self.engine = wal_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
    else:  # Rasa's own engine: only keep SQL parameters out of exception texts and logs
        self.engine.hide_parameters = True


def install() -> None:
    """Make every SQL tracker store on an SQLite file use :func:`wal_engine` (idempotent)."""
    SQLTrackerStore.__init__ = _init  # type: ignore[method-assign]


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return SQLTrackerStore.__init__ is _init
