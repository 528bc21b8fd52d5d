"""Make Sanic 21.12's websockets work on Python 3.11, so the widget can use them.

Rasa 3.6 pins Sanic 21.12, whose websocket ``recv`` passes bare coroutines to
``asyncio.wait``; Python 3.11 refuses that ("Passing coroutines is forbidden"), so every
websocket the socket.io server accepted was closed at its first message (the widget saw
"Invalid frame header" on upgrade and fell back to long-polling). :func:`fix_sanic_websockets`
gives Sanic's websocket module an ``asyncio`` whose ``wait`` wraps coroutines in tasks first,
as ``asyncio.wait`` itself did before 3.11. Nothing else changes.

A websocket is one TCP connection, so it stays with the Sanic worker that accepted it; long
polling is a series of requests that several workers would share, and Engine.IO keeps its
sessions in the worker's memory. That is why the widget connects with a websocket first.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterable
from typing import Any

_MARK = "_shouhou_wait_fixed"


async def _wait(aws: Iterable[Any], **kwargs: Any) -> Any:
    return await asyncio.wait([asyncio.ensure_future(aw) for aw in aws], **kwargs)


def fix_sanic_websockets() -> None:
    """Patch ``sanic.server.websockets.impl`` once (a no-op when already patched)."""
    try:
        from sanic.server.websockets import impl
    except ImportError:  # another Sanic: nothing to fix
        return
    if getattr(impl.asyncio, _MARK, False):
        return
    shim = types.ModuleType("asyncio")
    shim.__dict__.update(asyncio.__dict__)
    shim.wait = _wait  # type: ignore[attr-defined]
    setattr(shim, _MARK, True)
    impl.asyncio = shim
