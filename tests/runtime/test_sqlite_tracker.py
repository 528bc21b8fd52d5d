"""The SQL tracker store on an SQLite file: WAL, NORMAL sync, pooled connections, same data."""

import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import NullPool, QueuePool

from bot.runtime import sqlite_tracker

DOMAIN = Domain.from_yaml("slots:\n  device_model:\n    type: text\n    mappings: []\n")


@pytest.fixture
def installed():
    sqlite_tracker.install()
    yield
    SQLTrackerStore.__init__ = sqlite_tracker.STOCK_INIT


def _journal(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_sqlite_file_store_uses_wal_normal_sync_and_a_pool(installed, tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert _journal(path) == "wal"


def test_events_round_trip_and_other_processes_read_them(installed, tmp_path):
    path = tmp_path / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "owner-1", [UserUttered("屏幕碎了", {"name": "fault_screen"}), SlotSet("device_model", "x")]
    )
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("owner-1"))
    assert again.get_slot("device_model") == "x"
    # A reader with its own connection (another worker, the inbox) sees the committed events.
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_rasas_store_is_unchanged_without_install(tmp_path):
    SQLTrackerStore.__init__ = sqlite_tracker.STOCK_INIT
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, NullPool)
    assert _journal(tmp_path / "tracker.db") == "delete"


def test_in_memory_sqlite_is_left_alone(installed):
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db="")
    assert not isinstance(store.engine.pool, QueuePool)


def test_install_is_idempotent_and_reported():
    SQLTrackerStore.__init__ = sqlite_tracker.STOCK_INIT
    try:
        assert not sqlite_tracker.installed()
        sqlite_tracker.install()
        sqlite_tracker.install()
        assert sqlite_tracker.installed()
    finally:
        SQLTrackerStore.__init__ = sqlite_tracker.STOCK_INIT
