"""One place sets WAL, NORMAL sync and the busy timeout on the SQLite files workers share."""

import logging
import sqlite3

from bot.runtime.sqlite_wal import use_wal


def test_a_file_gets_wal_normal_sync_and_the_timeout(tmp_path):
    connection = sqlite3.connect(tmp_path / "x.db")
    assert use_wal(connection, 2.5) == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 2500


def test_a_database_without_wal_is_reported(caplog):
    connection = sqlite3.connect(":memory:")
    with caplog.at_level(logging.WARNING, logger="bot.runtime.sqlite_wal"):
        assert use_wal(connection, 1) == "memory"
    assert "not WAL" in caplog.text
