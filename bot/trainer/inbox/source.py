"""Conversations from the Rasa tracker store of an endpoints file, for the trainer's inbox.

Read with Rasa's own API (``TrackerStore.create``, ``keys``, ``retrieve_full_tracker``), so
any tracker store Rasa supports works. An SQL store is first tried with one plain connection:
Rasa's SQL store retries a failed connection forever, and creates a missing SQLite file (or
fails to, when its folder is missing) instead of reporting it.

Messages of the exceptions are in Chinese: the command line shows them to the trainer.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from bot.trainer.texts import trainer_text


class SourceError(Exception):
    """The endpoints file or its tracker store cannot be used."""


class NoConversations(Exception):
    """Nothing is stored yet: no database file, no events table or no conversations."""


def store_config(endpoints: Path) -> Any:
    """The ``tracker_store`` section of an endpoints file, as Rasa reads it.

    Raises:
        SourceError: The file is missing, not valid YAML or has no tracker store.
    """
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    if not endpoints.is_file():
        raise SourceError(trainer_text("inbox.source.no_endpoints", path=endpoints))
    try:
        config = read_endpoint_config(str(endpoints), "tracker_store")
    except (RasaException, ValueError, OSError) as error:
        message = trainer_text("inbox.source.bad_endpoints", path=endpoints, error=error)
        raise SourceError(message) from error
    if config is None or not config.type:
        raise SourceError(trainer_text("inbox.source.no_tracker_store", path=endpoints))
    return config


def sql_url(config: Any) -> sa.engine.URL:
    """The database URL Rasa's SQL tracker store builds from its endpoint config."""
    from rasa.core.tracker_store import SQLTrackerStore, validate_port

    options = config.kwargs
    url = SQLTrackerStore.get_db_url(
        dialect=options.get("dialect", "sqlite"),
        host=config.url,
        port=validate_port(options.get("port")),
        db=options.get("db", "rasa.db"),
        username=options.get("username"),
        password=options.get("password"),
        login_db=options.get("login_db"),
        query=options.get("query"),
    )
    return sa.engine.make_url(url)


def check_sql(url: sa.engine.URL) -> None:
    """Connect once to an SQL tracker store's database.

    Raises:
        NoConversations: An SQLite database that does not exist or has no events yet.
        SourceError: The database cannot be reached.
    """
    shown = url.render_as_string(hide_password=True)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise NoConversations(trainer_text("inbox.source.in_memory_sqlite"))
        path = Path(url.database)
        if not path.is_file():
            raise NoConversations(trainer_text("inbox.source.no_database", path=path.resolve()))
    elif url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
    try:
        engine = sa.create_engine(url, connect_args=connect_args)
        try:
            with engine.connect() as connection:
                has_events = sa.inspect(connection).has_table("events")
        finally:
            engine.dispose()
    except (SQLAlchemyError, ImportError) as error:
        message = trainer_text("inbox.source.unreachable", url=shown, error=error)
        raise SourceError(message) from error
    if not has_events and url.get_backend_name() == "sqlite":
        raise NoConversations(trainer_text("inbox.source.no_events_table", url=shown))


def _domain(path: Path) -> Any:
    """The domain, whose slots the stored trackers are rebuilt with."""
    from rasa.shared.core.domain import Domain

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # about the domain's content, not about reading it
        return Domain.load(str(path))


def open_store(endpoints: Path, *, domain: Path) -> Any:
    """The tracker store an endpoints file configures, checked to be reachable.

    Raises:
        NoConversations: Nothing stored yet.
        SourceError: The file or the store cannot be used.
    """
    from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
    from rasa.shared.exceptions import RasaException

    config = store_config(endpoints)
    try:
        if str(config.type).lower() == "sql":
            check_sql(sql_url(config))
        store = TrackerStore.create(config, domain=_domain(domain))
    except (RasaException, SQLAlchemyError) as error:
        message = trainer_text("inbox.source.cannot_open", path=endpoints, error=error)
        raise SourceError(message) from error
    inner = getattr(store, "_tracker_store", store)  # unwrap Rasa's AwaitableTrackerStore
    if isinstance(inner, InMemoryTrackerStore):
        message = trainer_text("inbox.source.unusable_type", path=endpoints, type=config.type)
        raise SourceError(message)
    return store


async def conversations(endpoints: Path, *, domain: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """Every stored conversation's events as dictionaries, oldest first, one at a time.

    Raises:
        NoConversations: Nothing stored yet.
        SourceError: The file or the store cannot be used.
    """
    store = open_store(endpoints, domain=domain)
    try:
        keys = sorted(await store.keys())
    except SQLAlchemyError as error:
        raise SourceError(trainer_text("inbox.source.unreadable_keys", error=error)) from error
    if not keys:
        raise NoConversations(trainer_text("inbox.source.empty"))
    for key in keys:
        try:
            tracker = await store.retrieve_full_tracker(key)
        except SQLAlchemyError as error:
            message = trainer_text("inbox.source.unreadable_conversation", key=key, error=error)
            raise SourceError(message) from error
        if tracker is not None:
            yield [event.as_dict() for event in tracker.events]
