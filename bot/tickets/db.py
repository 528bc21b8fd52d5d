"""Engines and sessions of the ticket store.

Nothing connects at import time: engines are built on first use from
:func:`bot.settings.get_settings` (or an explicit URL) and cached per URL.

SQLite notes: the parent directory of the database file is created on demand,
foreign keys are switched on for every connection, and every transaction of
:func:`session_scope` is opened with ``BEGIN IMMEDIATE`` (the pysqlite driver's
own transaction handling is disabled). That makes SAVEPOINTs work and serialises
writers, so concurrent ticket creators wait for each other instead of failing
with "database is locked". A read-only scope (``session_scope(readonly=True)``)
opens a deferred ``BEGIN`` instead: it takes no write lock, so it reads while
another connection holds a write transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from bot.settings import get_settings

#: Seconds a SQLite connection waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT = 30.0
#: Execution option marking the connections of a read-only scope.
_READONLY_OPTION = "ticket_store_readonly"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class TicketStoreUnavailable(RuntimeError):
    """The ticket database cannot be used: down, unreachable, locked, bad path or not migrated.

    Actions catch this to tell the user that tickets cannot be created right now.
    """


def resolve_url(url: str | None = None) -> str:
    """Return the database URL to use: ``url`` or the configured ticket store URL.

    ``postgres://`` (as printed by some hosting providers) is accepted as an
    alias of ``postgresql://``.

    Args:
        url: An explicit SQLAlchemy URL, or None for the settings.

    Returns:
        The URL as a string.
    """
    resolved = url or get_settings().ticket_database_url
    if resolved.startswith("postgres://"):
        resolved = "postgresql://" + resolved[len("postgres://") :]
    return resolved


#: PostgreSQL SQLSTATE of "undefined_table": the schema was never migrated.
_PG_UNDEFINED_TABLE = "42P01"


def is_connection_error(exc: BaseException) -> bool:
    """Tell whether a SQLAlchemy exception means the ticket store is unusable.

    That covers connection failures, lost connections, lock and pool timeouts,
    and a database without the schema (not migrated) on both backends.

    Args:
        exc: The exception raised by SQLAlchemy.

    Returns:
        True when the store is unavailable; False for errors caused by the
        statement or the data (constraint violations, bad SQL, ...).
    """
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    return getattr(exc.orig, "pgcode", None) == _PG_UNDEFINED_TABLE


def _sqlite_setup(engine: Engine, url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TicketStoreUnavailable(
                f"cannot create the directory of {database}: {exc}"
            ) from exc

    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Take transaction control away from pysqlite (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    def _on_begin(connection: Any) -> None:
        # A reader takes no write lock (deferred BEGIN); a writer takes it at once.
        readonly = connection.get_execution_options().get(_READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def build_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Build a new (uncached) engine for the ticket store.

    Args:
        url: SQLAlchemy URL; None uses the settings.
        **kwargs: Extra arguments for :func:`sqlalchemy.create_engine`.

    Returns:
        A future-style engine configured for SQLite or PostgreSQL.

    Raises:
        TicketStoreUnavailable: The SQLite directory cannot be created.
    """
    sa_url = make_url(resolve_url(url))
    backend = sa_url.get_backend_name()
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    # SQL parameters (phones, IMEIs) stay out of exception texts and logs.
    options: dict[str, Any] = {"future": True, "hide_parameters": True}
    if backend == "sqlite":
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT)
    elif backend == "postgresql":
        options["pool_pre_ping"] = True
        if sa_url.get_driver_name() == "psycopg2":
            connect_args.setdefault("connect_timeout", get_settings().db_connect_timeout)
    options.update(kwargs)
    engine = create_engine(sa_url, connect_args=connect_args, **options)
    if backend == "sqlite":
        _sqlite_setup(engine, sa_url)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """Return the cached engine for ``url`` (default: the configured ticket store).

    Args:
        url: SQLAlchemy URL; None uses the settings.

    Returns:
        The engine, built on first use.
    """
    key = resolve_url(url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = build_engine(key)
            _engines[key] = engine
        return engine


def dispose_engines() -> None:
    """Dispose and forget every cached engine (tests, forks, shutdown)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def _refuse_writes(session: Session, flush_context: Any, instances: Any) -> None:
    raise RuntimeError("a read-only ticket store session cannot write")


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """Yield a session inside one transaction, committed on success.

    The transaction is rolled back when the block raises. Connection failures are
    re-raised as :class:`TicketStoreUnavailable`; other errors pass through.

    A read-only scope is for blocks that only read: on SQLite its transaction is a
    deferred ``BEGIN`` (no write lock, so it is not held up by a writer), it is
    rolled back at the end, and flushing a change raises :class:`RuntimeError`.

    Args:
        url: SQLAlchemy URL; None uses the settings.
        readonly: Whether the block only reads.

    Yields:
        A :class:`~sqlalchemy.orm.Session` whose transaction has begun.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    engine = get_engine(url)
    try:
        if not readonly:
            with Session(engine, future=True) as session, session.begin():
                yield session
            return
        reader = engine.execution_options(**{_READONLY_OPTION: True})
        with Session(reader, future=True) as session:
            event.listen(session, "before_flush", _refuse_writes)
            session.begin()
            try:
                yield session
            finally:
                session.rollback()
    except DBAPIError as exc:
        if is_connection_error(exc):
            raise TicketStoreUnavailable(f"ticket store unavailable: {exc.orig}") from exc
        raise
    except PoolTimeoutError as exc:
        raise TicketStoreUnavailable(f"ticket store unavailable: {exc}") from exc
