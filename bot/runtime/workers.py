"""How many Sanic workers Rasa may run with a given endpoints file.

``scripts/run.sh`` asks for one Rasa worker per core (``RASA_WORKERS`` overrides) through the
``SANIC_WORKERS`` variable Rasa reads. Rasa itself allows more than one only with a lock store
other than its in-memory one (``rasa.core.utils.number_of_sanic_workers``), such as the
project's ``SQLiteLockStore``, and otherwise silently runs one. :func:`settle_workers` says so
out loud, and also keeps one worker when the tracker store is in memory: each worker would
then hold its own copy of every conversation.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

logger = logging.getLogger(__name__)

ENV = "SANIC_WORKERS"


def _endpoints_path(argv: Sequence[str]) -> str:
    """The ``--endpoints`` file of a ``rasa run`` command line (Rasa's default otherwise)."""
    for i, arg in enumerate(argv):
        if arg == "--endpoints" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--endpoints="):
            return arg.split("=", 1)[1]
    return "endpoints.yml"


def why_single_worker(endpoints: str) -> str | None:
    """Why the endpoints file cannot be served by several workers, or ``None`` if it can."""
    from rasa.core.utils import _lock_store_is_multi_worker_compatible
    from rasa.utils.endpoints import read_endpoint_config

    lock_store = read_endpoint_config(endpoints, "lock_store")
    if not _lock_store_is_multi_worker_compatible(lock_store):
        return "its lock store keeps conversation locks in one process"
    tracker_store = read_endpoint_config(endpoints, "tracker_store")
    if tracker_store is None or tracker_store.type in (None, "in_memory"):
        return "its tracker store keeps conversations in one process"
    return None


def requested_workers() -> int:
    """The worker count ``SANIC_WORKERS`` asks for (1 when unset or not a number)."""
    try:
        return int(os.environ.get(ENV, "1"))
    except ValueError:
        return 1


def settle_workers(argv: Sequence[str]) -> int:
    """Check ``SANIC_WORKERS`` against the endpoints of ``argv``; return the worker count.

    Leaves ``SANIC_WORKERS`` at 1 (with a message on stderr) when the endpoints file needs a
    single process. Only ``rasa run`` is concerned; other commands are left alone.
    """
    asked = requested_workers()
    if not argv or argv[0] != "run" or asked <= 1:
        return max(asked, 1)
    endpoints = _endpoints_path(argv)
    reason = why_single_worker(endpoints) if os.path.isfile(endpoints) else "it is missing"
    if reason is None:
        return asked
    print(
        f"{asked} Rasa workers asked for, but {endpoints}: {reason}. Running 1 worker "
        "(configure the lock store bot.runtime.lock_store.SQLiteLockStore and an SQL or "
        "Redis tracker store for several; docs/operations.md).",
        file=sys.stderr,
    )
    os.environ[ENV] = "1"
    return 1
