"""Runs every custom action in a worker thread, off the action server's event loop.

The actions are ``async`` but call the ticket store through the synchronous SQLAlchemy
session. Run on the action server's event loop, one slow database call (a PostgreSQL server
that does not answer, up to ``DB_CONNECT_TIMEOUT`` seconds; a SQLite file another process
writes, up to 30 s) would stall every other conversation's action. :func:`install` replaces
``rasa_sdk.executor.ActionExecutor.run`` (rasa-sdk 3.6, which ``rasa_sdk.endpoint.create_app``
calls for each ``POST /webhook``) with a version that runs the original in a thread of a
bounded pool (``ACTION_THREADS``), on an event loop of that thread's own. The event loop only
parses requests and sends answers, so an action that needs no database (prices, centres)
answers at once while others wait for theirs.

One place covers every action, present and future, and the actions stay plain code that
the tests run directly with ``asyncio.run``. An action that waits on the database holds a
thread meanwhile: at most ``ACTION_THREADS`` actions run at once, the others queue.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk.executor import ActionExecutor

from bot.settings import get_settings

logger = logging.getLogger(__name__)

_RunMethod = Callable[[ActionExecutor, Any], Awaitable[Any]]
_MARK = "_bot_runs_in_thread"
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _executor() -> ThreadPoolExecutor:
    """The process's pool of action threads (a forked worker builds its own)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(
                max_workers=get_settings().action_threads, thread_name_prefix="action"
            )
            _pool_pid = os.getpid()
        return _pool


def _threaded(original: _RunMethod) -> _RunMethod:
    """``original`` run to completion on a fresh event loop in an action thread."""

    def _blocking(executor: ActionExecutor, action_call: Any) -> Any:
        return asyncio.run(original(executor, action_call))  # type: ignore[arg-type]

    async def run(self: ActionExecutor, action_call: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_executor(), _blocking, self, action_call)

    run.__doc__ = "Run the action call in an action thread (bot.runtime.action_threads)."
    setattr(run, _MARK, True)
    return run


def installed() -> bool:
    """Whether :func:`install` has replaced ``ActionExecutor.run``."""
    return bool(getattr(ActionExecutor.run, _MARK, False))


def install() -> None:
    """Make the action server run each action in an action thread (idempotent).

    Call it in the action server process before it serves requests.

    Raises:
        RuntimeError: ``ActionExecutor.run`` is not the ``async run(self, action_call)``
            this patch was written for (another rasa-sdk version).
    """
    with _lock:
        if installed():
            return
        original = ActionExecutor.run
        parameters = list(inspect.signature(original).parameters)
        if not inspect.iscoroutinefunction(original) or parameters != ["self", "action_call"]:
            raise RuntimeError(
                "rasa_sdk's ActionExecutor.run is not 'async def run(self, action_call)': "
                "bot.runtime.action_threads supports rasa-sdk 3.6"
            )
        ActionExecutor.run = _threaded(original)  # type: ignore[method-assign]
    logger.info("custom actions run in up to %d worker threads", get_settings().action_threads)
