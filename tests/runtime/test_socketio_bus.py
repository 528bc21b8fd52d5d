"""The widget's socket.io channel with several Sanic workers: websockets, and emits that
reach a socket whichever worker holds it (``bot.runtime.socketio_bus``)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websockets

from bot.runtime.socketio_bus import LocalBusManager, bus_directory
from tests.conftest import ROOT, free_port, wait_for_http


def _listen_once(directory: Path, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    manager = LocalBusManager(directory)

    async def main() -> None:
        listener = manager._listen()
        first = asyncio.ensure_future(listener.__anext__())
        while not list(directory.glob("*.sock")):
            await asyncio.sleep(0.01)
        queue.put(manager.host_id)
        queue.put(json.loads(await asyncio.wait_for(first, 20)))
        await listener.aclose()

    asyncio.run(main())


def test_a_message_reaches_another_process_and_stale_sockets_go(tmp_path: Path) -> None:
    directory = tmp_path / "sio"
    stale = directory / "dead-1.sock"
    queue: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()  # type: ignore[type-arg]
    child = multiprocessing.get_context("fork").Process(
        target=_listen_once, args=(directory, queue)
    )
    child.start()
    try:
        child_host = queue.get(timeout=20)
        import socket

        dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        dead.bind(str(stale))
        dead.close()  # a worker that died without removing its socket
        sender = LocalBusManager(directory)
        assert sender.host_id != child_host and sender.host_id.endswith(f"-{os.getpid()}")
        message = {"method": "emit", "event": "bot_uttered", "data": ["你好"], "room": "s1"}
        asyncio.run(sender._publish(message))
        assert queue.get(timeout=20) == message
    finally:
        child.join(timeout=20)
    assert child.exitcode == 0
    assert not stale.exists()
    assert list(directory.glob("*.sock")) == []  # the listener removed its own on the way out
    assert directory.stat().st_mode & 0o777 == 0o700


def test_the_bus_directory_fits_a_unix_socket_path(tmp_path: Path) -> None:
    assert bus_directory(tmp_path) == tmp_path.resolve() / "sio"
    deep = tmp_path / ("x" * 120)
    far = bus_directory(deep)
    assert len(str(far / "0123456789abcdef-4194304.sock")) < 108
    assert far == bus_directory(deep)  # the same for every worker


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port, var_dir = free_port(), tmp_path_factory.mktemp("bus") / "var"
    env = {**os.environ, "VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT)}
    env["SOCKETIO_REDIS_URL"] = ""  # the datagram bus, not Redis
    log = (var_dir.parent / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.runtime.widget_app", str(port), "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/pid", 120, process)
        pids = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(requests.get(f"{base}/pid", timeout=5).text)  # a new connection each time
        assert len(pids) == 2, "the two workers did not both answer"
        yield base, process, var_dir
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


class WebsocketClient:
    """socket.io over a websocket only, by hand: python-socketio's async client needs a newer
    aiohttp than Rasa's for websockets."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[tuple[str, object]] = asyncio.Queue()

    async def connect(self, base: str) -> None:
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await websockets.connect(url)
        assert str(await self.ws.recv()).startswith("0")  # Engine.IO open
        await self.ws.send("40")  # socket.io connect
        assert str(await self.ws.recv()).startswith("40")
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            if raw == "2":
                await self.ws.send("3")  # pong
            elif isinstance(raw, str) and raw.startswith("42"):
                event, data = json.loads(raw[2:])
                await self.events.put((event, data))

    async def emit(self, event: str, data: object) -> None:
        await self.ws.send("42" + json.dumps([event, data]))

    async def next(self, event: str, timeout: float = 20) -> object:
        while True:
            name, data = await asyncio.wait_for(self.events.get(), timeout)
            if name == event:
                return data

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


def test_widget_sessions_work_and_pushes_reach_them_from_any_worker(two_workers) -> None:
    base, _, var_dir = two_workers

    async def scenario() -> tuple[list[str], set[str]]:
        client = WebsocketClient()
        await client.connect(base)
        await client.emit("session_request", {"session_id": None})
        session = await client.next("session_confirm")  # the signed token
        session_id = str(session).rsplit(".", 2)[0]  # the Rasa sender id (room) inside it
        texts: list[str] = []
        for i in range(5):
            await client.emit("user_uttered", {"message": f"m{i}", "session_id": session})
            texts.append((await client.next("bot_uttered"))["text"])  # type: ignore[index]
        pushers: set[str] = set()
        # New connections: the kernel hands each to either worker, not in turn, so push until
        # both have pushed (at least 12 pushes, at most 60); the socket is in one of them.
        for i in range(60):
            answer = await asyncio.to_thread(
                requests.get, f"{base}/push/{session_id}", params={"text": f"agent {i}"}, timeout=10
            )
            pushers.add(answer.text)
            texts.append((await client.next("bot_uttered"))["text"])  # type: ignore[index]
            if i >= 11 and len(pushers) == 2:
                break
        await client.close()
        return texts, pushers

    texts, pushers = asyncio.run(scenario())
    assert len(pushers) == 2, "the pushes did not come from both workers"
    assert list(bus_directory(var_dir).glob("*.sock"))  # the socket's worker is on the bus
    echoes = texts[:5]
    assert [e.split(" pid ")[0] for e in echoes] == [f"echo m{i}" for i in range(5)]
    assert len({e.split(" pid ")[1] for e in echoes}) == 1  # one socket, one worker
    assert texts[5:] == [f"agent {i}" for i in range(len(texts) - 5)]
    assert len(texts) - 5 >= 12


def test_a_worker_that_cannot_listen_waits_instead_of_spinning(tmp_path: Path) -> None:
    shared = tmp_path / "sio"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # readable by others: not used for the bus
    manager = LocalBusManager(shared)

    async def first() -> object:
        return await asyncio.wait_for(manager._listen().__anext__(), 0.5)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(first())
    assert list(shared.glob("*.sock")) == []
