"""Run the ticket store's Alembic migrations from Python.

Production databases are created and upgraded only through these migrations
(``python -m bot.tickets.cli migrate``); ``metadata.create_all`` is for tests.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.tickets.db import TicketStoreUnavailable, build_engine, is_connection_error, resolve_url

#: The package's alembic.ini (its script_location is relative to the file).
ALEMBIC_INI = Path(__file__).resolve().with_name("alembic.ini")


def alembic_config(url: str | None = None) -> Config:
    """Return the Alembic configuration for ``url`` (default: the settings).

    Args:
        url: SQLAlchemy URL of the ticket store.

    Returns:
        A config whose ``url`` attribute is read by the migration environment.
    """
    config = Config(str(ALEMBIC_INI))
    config.attributes["url"] = resolve_url(url)
    config.attributes["programmatic"] = True
    return config


def head_revision() -> str | None:
    """Return the newest revision shipped with the code.

    Returns:
        The head revision id.
    """
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Upgrade the ticket store to ``revision`` (``alembic upgrade head``).

    Args:
        url: SQLAlchemy URL; None uses the settings.
        revision: Target revision.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    try:
        command.upgrade(alembic_config(url), revision)
    except DBAPIError as exc:
        if is_connection_error(exc):
            raise TicketStoreUnavailable(f"ticket store unavailable: {exc.orig}") from exc
        raise


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Downgrade the ticket store to ``revision`` (development and tests only).

    Args:
        url: SQLAlchemy URL; None uses the settings.
        revision: Target revision.
    """
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    """Return the revision the database is at (None when never migrated).

    Args:
        url: SQLAlchemy URL; None uses the settings.

    Returns:
        The revision id or None.

    Raises:
        TicketStoreUnavailable: The database cannot be reached.
    """
    engine = build_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    except DBAPIError as exc:
        if is_connection_error(exc):
            raise TicketStoreUnavailable(f"ticket store unavailable: {exc.orig}") from exc
        raise
    finally:
        engine.dispose()
