"""socket.io events shared by the Rasa workers of one machine, over Unix datagram sockets.

With several Sanic workers, a widget's socket lives in one worker, yet an agent's reply from
the console (or a bot answer to a session open in two tabs) may be emitted by another. This
is python-socketio's ``AsyncPubSubManager`` with the machine's own processes as the pub/sub
backend, so no broker is needed: every worker that has socket.io clients binds a datagram
socket in a private directory (``VAR_DIR/sio``, mode 0700), and an emit is handled in the
emitting worker and sent, as JSON, to every other socket in that directory. A socket whose
worker is gone refuses the datagram and is removed.

Several Rasa servers (``SOCKETIO_REDIS_URL`` set) share their emits through Redis instead, with
python-socketio's own Redis manager (:mod:`bot.runtime.socketio_redis`); this bus is then not
used, the workers of one machine included.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from socketio.async_pubsub_manager import AsyncPubSubManager

logger = logging.getLogger(__name__)

MAX_DATAGRAM = 200_000
"""Bytes of one event (Linux's default datagram limit is about 208 KiB)."""
_MAX_PATH = 100
"""A Unix socket path must fit in 108 bytes."""
SEND_RETRY_SECONDS = 2.0
"""How long a datagram is retried while the receiving worker's queue is full."""


def bus_directory(var_dir: Path) -> Path:
    """``VAR_DIR/sio``, or a private directory in /tmp when that path is too long."""
    directory = var_dir.resolve() / "sio"
    if len(str(directory / "0123456789abcdef-4194304.sock")) > _MAX_PATH:
        digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
        directory = Path(tempfile.gettempdir()) / f"shouhou-sio-{digest}"
    return directory


class ProcessHostId:
    """Mixin for a pub/sub client manager: a ``host_id`` of its own in every process.

    Sanic forks its workers after the channel (and so the manager) was built: the host id that
    keeps a process from handling its own messages twice must be one per process, or the
    workers would ignore each other's messages. The id is the manager's random one (set by
    ``AsyncPubSubManager.__init__``) plus the process id.
    """

    _token = ""

    @property
    def host_id(self) -> str:
        """This process's id on the bus."""
        return f"{self._token}-{os.getpid()}"

    @host_id.setter
    def host_id(self, value: str) -> None:
        """Keep the base class's random id as this manager's part of the id."""
        self._token = value[:16]


class LocalBusManager(ProcessHostId, AsyncPubSubManager):  # type: ignore[misc]  # untyped library
    """A socket.io client manager whose pub/sub backend is this machine's worker processes."""

    name = "localbus"

    def __init__(self, directory: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = directory
        self._sender: socket.socket | None = None
        self._sender_pid = 0

    def _own_path(self) -> Path:
        return self.directory / f"{self.host_id}.sock"

    def _prepare_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.directory.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PermissionError(f"{self.directory} must be a private directory of this user")

    def _send_socket(self) -> socket.socket:
        if self._sender is None or self._sender_pid != os.getpid():
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
            self._sender_pid = os.getpid()
        return self._sender

    async def _publish(self, data: Any) -> None:
        payload = self.json.dumps(data).encode()
        if len(payload) > MAX_DATAGRAM:
            logger.error("socket.io event of %d bytes not sent to other workers", len(payload))
            return
        if not self.directory.is_dir():
            return
        own = self._own_path()
        for path in self.directory.glob("*.sock"):
            if path != own:
                await self._send(path, payload)

    async def _send(self, path: Path, payload: bytes) -> None:
        sender = self._send_socket()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SEND_RETRY_SECONDS
        while True:
            try:
                sender.sendto(payload, str(path))
                return
            except (ConnectionRefusedError, FileNotFoundError):  # its worker is gone
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                return
            except BlockingIOError:  # its queue is full: give it a moment
                if loop.time() > deadline:
                    logger.error("socket.io event dropped: %s does not read", path.name)
                    return
                await asyncio.sleep(0.005)
            except OSError:
                logger.exception("socket.io event not sent to %s", path.name)
                return

    async def _listen(self) -> AsyncIterator[str]:
        path = self._own_path()
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._prepare_directory()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            receiver.bind(str(path))
        except OSError:
            # Without its socket this worker still serves its own clients; emits made by
            # other workers do not reach them. (Returning would make socket.io retry at once.)
            logger.exception("socket.io bus: cannot listen on %s", path)
            receiver.close()
            await asyncio.Future()
        receiver.setblocking(False)
        logger.debug("socket.io bus: listening on %s", path)
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await loop.sock_recv(receiver, MAX_DATAGRAM + 1)
                yield data.decode()
        finally:
            receiver.close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def install(sio: Any, directory: Path) -> LocalBusManager:
    """Make ``sio`` (a fresh ``socketio.AsyncServer``) share its emits with the other workers."""
    manager = LocalBusManager(directory)
    sio.manager = manager
    manager.set_server(sio)
    sio.manager_initialized = False
    return manager
