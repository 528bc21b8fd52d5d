"""The SQLite settings shared by the files the Rasa workers of one machine all write."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def use_wal(connection: Any, busy_timeout_s: float) -> str:
    """Set WAL, ``synchronous=NORMAL`` and a busy timeout on a DB-API SQLite connection.

    WAL lets readers go on while one process writes; with ``NORMAL`` a commit survives the
    process crashing and only a power cut can lose the last commits. A file system without
    shared memory keeps another journal mode, which is logged.

    Returns:
        The journal mode SQLite reports.
    """
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        mode = str(cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
    if mode.lower() != "wal":
        logger.warning("SQLite journal mode %s, not WAL", mode)
    return mode
