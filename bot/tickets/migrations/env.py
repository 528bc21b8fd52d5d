"""Alembic environment of the ticket store.

The URL is taken, in order, from the ``connection`` config attribute (an open
connection), the ``url`` config attribute (set by :mod:`bot.tickets.migrate`),
``-x url=...`` on the alembic command line, and finally the settings
(``DATABASE_URL`` or SQLite under ``VAR_DIR``). The ini file never holds a URL.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from bot.tickets.db import build_engine, resolve_url
from bot.tickets.models import metadata

config = context.config
target_metadata = metadata

# Only configure logging when run by the alembic command line, never when
# called from the application (that would replace the application's logging).
if config.config_file_name is not None and not config.attributes.get("programmatic"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return resolve_url(url)


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys_off(dbapi_connection: Any, connection_record: Any) -> None:
    # Batch mode on SQLite copies a table and drops the original: with foreign keys on,
    # that drop deletes (ON DELETE CASCADE) every row of the tables referring to it.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) migrations that leave rows pointing at missing parents (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"migration broke foreign keys of {', '.join(tables)}")


def _run_with(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
        _check_foreign_keys(connection)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = build_engine(_url(), poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        # Runs after the store's own connect hook, which switches foreign keys on.
        event.listen(engine, "connect", _sqlite_foreign_keys_off)
    try:
        with engine.connect() as connection:
            _run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
