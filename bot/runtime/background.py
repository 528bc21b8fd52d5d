"""A coroutine run in the background for as long as the Sanic server serves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


def run_while_serving(target: Any, name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Start ``work()`` once the server has started; cancel it when the server stops.

    Args:
        target: The Sanic app or blueprint whose server runs the task.
        name: Where the task is kept on ``app.ctx`` (one name per task).
        work: The coroutine function (usually a loop that never returns).
    """

    async def start(app: Any, _: Any) -> None:
        setattr(app.ctx, name, asyncio.ensure_future(work()))

    async def stop(app: Any, _: Any) -> None:
        task = getattr(app.ctx, name, None)
        if task is not None:
            task.cancel()

    target.listener("after_server_start")(start)
    target.listener("before_server_stop")(stop)
