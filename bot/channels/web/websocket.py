"""Make Sanic 21.12's websockets work on Python 3.11, so the widget can use them.

Rasa 3.6 pins Sanic 21.12, whose websocket ``recv`` passes bare coroutines to
``asyncio.wait``; Python 3.11 refuses that ("Passing coroutines is forbidden"), so every
websocket the socket.io server accepted was closed at its first message (the widget saw
"Invalid frame header" on upgrade and fell back to long-polling). :func:`fix_sanic_websockets`
gives Sanic's websocket module an ``asyncio`` whose ``wait`` wraps coroutines in tasks first,
as ``asyncio.wait`` itself did before 3.11, and cancels those tasks when the wait is
cancelled (a closed connection), so none is left pending.

:func:`refuse_undecodable_frames` closes a websocket whose frame is not an Engine.IO packet
(an empty frame, a binary frame where text is expected ...) with a warning: python-engineio
decodes frames outside its error handling, so such a frame otherwise ended in an unhandled
exception logged with its traceback, which any visitor could repeat to flood the logs.

A websocket is one TCP connection, so it stays with the Sanic worker that accepted it; long
polling is a series of requests that several workers would share, and Engine.IO keeps its
sessions in the worker's memory. That is why the widget connects with a websocket first.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import types
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

_MARK = "_shouhou_wait_fixed"
_FRAMES_MARK = "_shouhou_frames_checked"


async def _wait(aws: Iterable[Any], **kwargs: Any) -> Any:
    awaitables = list(aws)
    created = [asyncio.ensure_future(aw) for aw in awaitables if inspect.iscoroutine(aw)]
    futures = iter(created)
    tasks = [next(futures) if inspect.iscoroutine(aw) else aw for aw in awaitables]
    try:
        return await asyncio.wait(tasks, **kwargs)
    except asyncio.CancelledError:
        for task in created:
            task.cancel()
        raise


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
    _keep_data_tasks(impl.WebsocketImplProtocol)


def _keep_data_tasks(protocol: Any) -> None:
    """Hold the tasks Sanic starts per received frame; cancel those left when the peer goes.

    Sanic 21.12's ``data_received`` starts a task per frame and keeps no reference to it;
    when the peer drops the connection while that task waits to write, the task is
    garbage-collected pending ("Task was destroyed but it is pending!").
    """
    connection_lost = protocol.connection_lost

    def tracked_data_received(self: Any, data: Any) -> None:
        # Sanic's data_received, with the task kept (the same three calls, then the task)
        self.connection.receive_data(data)
        data_to_send = self.connection.data_to_send()
        events_to_process = self.connection.events_received()
        if data_to_send or events_to_process:
            tasks: set[asyncio.Task[Any]] = self.__dict__.setdefault("_shouhou_tasks", set())
            task = asyncio.create_task(self.async_data_received(data_to_send, events_to_process))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    def cancelling_connection_lost(self: Any, exc: Any) -> None:
        connection_lost(self, exc)
        for task in list(self.__dict__.get("_shouhou_tasks", ())):
            task.cancel()

    protocol.data_received = tracked_data_received
    protocol.connection_lost = cancelling_connection_lost


def refuse_undecodable_frames() -> None:
    """Close, with a warning, websockets that send a frame Engine.IO cannot decode (once)."""
    try:
        from engineio.async_drivers import sanic as engineio_sanic
        from engineio.packet import Packet, packet_names
    except ImportError:  # no Engine.IO for Sanic: nothing to check
        return
    websocket = engineio_sanic.WebSocket
    if websocket is None or getattr(websocket, _FRAMES_MARK, False):
        return
    receive = websocket.wait

    async def wait(self: Any) -> Any:
        data = await receive(self)
        try:
            if Packet(encoded_packet=data).packet_type not in range(len(packet_names)):
                raise IndexError("unknown Engine.IO packet type")
        except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError) as error:
            logger.warning(
                "websocket frame that is not an Engine.IO packet (%s): connection closed",
                type(error).__name__,
            )
            raise OSError("undecodable Engine.IO frame") from None
        return data

    websocket.wait = wait
    setattr(websocket, _FRAMES_MARK, True)
