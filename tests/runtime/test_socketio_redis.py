"""socket.io emits shared by several Rasa servers through Redis (``bot.runtime.socketio_redis``).

Two widget servers (``tests.runtime.widget_app``: the widget's channel, installed as Rasa does)
run as separate processes with their own ``VAR_DIR`` (so the datagram bus cannot carry
anything between them) and one ``SOCKETIO_REDIS_URL``: A with one worker reaches Redis
through a TCP relay the test opens and cuts, B with two Sanic workers straight. Runs against
the Redis on ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); every run has its
own widget key, hence its own channel and keys, removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests
import socketio

from bot.channels.web.replays import ReplayGuard
from bot.runtime import socketio_redis
from bot.runtime.socketio_redis import (
    RedisBusManager,
    RedisLink,
    RedisUnavailable,
    channel_name,
    redis_location,
    valid_redis_url,
)
from tests.conftest import ROOT, free_port, wait_for_http
from tests.runtime.test_socketio_bus import WebsocketClient


def remove_keys(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def down_url() -> str:
    """A Redis URL on a local port where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


class Relay:
    """A TCP relay to Redis that the test opens and cuts, as a network would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._server: socket.socket | None = None

    def open(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        server.settimeout(0.1)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            client.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def ensure_open(self) -> bool:
        """Open the relay if it is cut; whether it was."""
        if self._server is not None:
            return False
        self.open()
        return True

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    var_dir: Path
    log: Path

    def push(self, session_id: str, text: str) -> str:
        """An agent's reply to a widget session, emitted by this server; the emitting pid."""
        answer = requests.get(f"{self.base}/push/{session_id}", params={"text": text}, timeout=10)
        answer.raise_for_status()
        return answer.text


def start_server(tmp: Path, name: str, workers: int, **env: str) -> Server:
    port, var_dir = free_port(), tmp / name / "var"
    var_dir.mkdir(parents=True)
    log = tmp / name / "app.log"
    variables = {**os.environ, "PYTHONPATH": str(ROOT), "VAR_DIR": str(var_dir), **env}
    variables["SANIC_WORKERS"] = str(workers)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.runtime.widget_app", str(port), str(workers)],
            cwd=ROOT, env=variables, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return Server(f"http://127.0.0.1:{port}", process, var_dir, log)


def stop_server(server: Server) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGINT)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


@dataclass
class Cluster:
    a: Server  # one worker, Redis through the relay (closed when it starts)
    b: Server  # two workers, Redis straight
    relay: Relay
    channel: str


@pytest.fixture(scope="module")
def cluster(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    secret = secrets.token_hex(32)  # this run's deployment: its own channel
    parts = urlsplit(redis_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 6379))
    relayed = f"redis://127.0.0.1:{relay.port}{parts.path}"
    common = {"WIDGET_SESSION_SECRET": secret}
    a = start_server(tmp, "a", 1, SOCKETIO_REDIS_URL=relayed, **common)
    b = start_server(tmp, "b", 2, SOCKETIO_REDIS_URL=redis_url, **common)
    channel = channel_name(secret.encode())
    try:
        for server in (a, b):
            wait_for_http(f"{server.base}/pid", 120, server.process)
        yield Cluster(a, b, relay, channel)
    finally:
        relay.cut()
        for server in (a, b):
            stop_server(server)
        remove_keys(redis_url, channel)


class PollingClient:
    """python-socketio's own client (long-polling: its websocket needs a newer aiohttp)."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.texts: asyncio.Queue[str] = asyncio.Queue()
        self.confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.sio.on("bot_uttered", self._bot)
        self.sio.on("session_confirm", self.confirmed.put)

    async def _bot(self, data: dict[str, str]) -> None:
        await self.texts.put(data["text"])

    async def connect(self, base: str) -> str:
        """Connect, ask for a session (its socket joins the session's room); the session id."""
        await self.sio.connect(base, transports=["polling"], wait_timeout=20)
        await self.sio.emit("session_request", {"session_id": None})
        self.token = await asyncio.wait_for(self.confirmed.get(), 20)
        return self.token.rsplit(".", 2)[0]

    async def say(self, text: str) -> str:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.token})
        return await self.next_text()

    async def next_text(self, timeout: float = 20) -> str:
        return await asyncio.wait_for(self.texts.get(), timeout)

    async def close(self) -> None:
        """Disconnect without waiting for the pending long-poll to end."""
        await self.sio.eio.disconnect(abort=True)

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.texts.get(), seconds)
        except asyncio.TimeoutError:
            return True
        return False


async def push(server: Server, session_id: str, text: str) -> str:
    return await asyncio.to_thread(server.push, session_id, text)


async def until_delivered(client: PollingClient, server: Server, session_id: str) -> list[str]:
    """Push from ``server`` every half second until one arrives; the pushes that arrived."""
    sent: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent.append(f"again {len(sent)}")
        await push(server, session_id, sent[-1])
        with contextlib.suppress(asyncio.TimeoutError):
            arrived = [await client.next_text(0.5)]
            with contextlib.suppress(asyncio.TimeoutError):
                while True:  # one sent just before may still come
                    arrived.append(await client.next_text(0.3))
            assert set(arrived) <= set(sent) and len(set(arrived)) == len(arrived)
            return arrived
    raise AssertionError(f"no push from {server.base} arrived within 30 s")


def test_an_agent_reply_through_either_server_reaches_the_socket_wherever_it_is(
    cluster: Cluster,
) -> None:
    a, b, relay = cluster.a, cluster.b, cluster.relay

    async def scenario() -> None:
        client = PollingClient()
        # Redis unreachable when A started and when the socket connects: A serves it alone.
        session_id = await client.connect(a.base)
        a_pid = (await client.say("你好")).split(" pid ")[1]
        assert await push(a, session_id, "local 1") == a_pid
        assert await client.next_text() == "local 1"

        relay.open()  # Redis comes back: A subscribes again by itself
        await until_delivered(client, b, session_id)
        pushers = set()
        for i in range(8):  # each request may land on either of B's workers
            pushers.add(await push(b, session_id, f"from b {i}"))
            assert await client.next_text() == f"from b {i}"  # once, in order
        assert a_pid not in pushers
        assert await push(a, session_id, "local 2") == a_pid
        assert await client.next_text() == "local 2"
        assert await client.nothing_within(1.0)  # nothing twice (A's own emits come back)

        relay.cut()  # Redis gone again: A's sockets still get A's emits, at once
        started = time.monotonic()
        for i in range(3):
            await push(a, session_id, f"alone {i}")
            assert await client.next_text() == f"alone {i}"
        assert time.monotonic() - started < 5
        await push(b, session_id, "lost")
        assert await client.nothing_within(1.0)

        relay.open()
        await until_delivered(client, b, session_id)
        await push(b, session_id, "after")
        assert await client.next_text() == "after"
        await client.close()

    asyncio.run(scenario())
    log = a.log.read_text(errors="replace")
    assert "Redis at redis://127.0.0.1" in log  # the outage was logged, A kept serving
    assert a.process.poll() is None
    assert not (a.var_dir / "sio").exists()  # no datagram bus


def test_the_workers_of_one_server_share_emits_through_redis(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    cluster.relay.ensure_open()

    async def scenario() -> tuple[set[str], list[str]]:
        client = WebsocketClient()  # B has two workers: websockets only
        await client.connect(b.base)
        await client.emit("session_request", {"session_id": None})
        session_id = str(await client.next("session_confirm")).rsplit(".", 2)[0]
        pushers: set[str] = set()
        texts: list[str] = []
        for i in range(40):  # until both of B's workers have pushed (at least 10 pushes)
            pushers.add(await push(b, session_id, f"b {i}"))
            texts.append(str((await client.next("bot_uttered"))["text"]))  # type: ignore[index]
            if i >= 9 and len(pushers) == 2:
                break
        for i in range(60):  # A publishes through the relay: it may be pausing after an outage
            await push(a, session_id, f"from a {i}")
            with contextlib.suppress(asyncio.TimeoutError):
                texts.append(str((await client.next("bot_uttered", 0.5))["text"]))  # type: ignore[index]
                break
        await client.close()
        return pushers, texts

    pushers, texts = asyncio.run(scenario())
    assert len(pushers) == 2, "the pushes did not come from both of B's workers"
    assert texts[:-1] == [f"b {i}" for i in range(len(texts) - 1)]
    assert texts[-1].startswith("from a ")
    assert not (b.var_dir / "sio").exists()  # no datagram bus between them either


def test_a_message_id_is_taken_once_whichever_server_gets_it(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    if cluster.relay.ensure_open():  # run alone: A left Redis alone after it failed at start
        time.sleep(socketio_redis.OUTAGE_PAUSE + 0.5)

    async def scenario() -> None:
        on_a = PollingClient()
        await on_a.connect(a.base)
        on_b = WebsocketClient()  # the same session in another tab, on the other server
        await on_b.connect(b.base)
        await on_b.emit("session_request", {"session_id": on_a.token})
        assert await on_b.next("session_confirm")
        message_id = secrets.token_hex(16)
        said = {"message": "第一次", "session_id": on_a.token, "message_id": message_id}
        await on_a.sio.emit("user_uttered", said)
        echo = await on_a.next_text()
        assert echo.startswith("echo 第一次 pid ")
        assert (await on_b.next("bot_uttered"))["text"] == echo  # type: ignore[index]  # both tabs
        await on_b.emit("user_uttered", said)  # replayed on B: refused
        fresh = {**said, "message": "第二次", "message_id": secrets.token_hex(16)}
        await on_b.emit("user_uttered", fresh)
        answer = await on_b.next("bot_uttered")  # B's echo of the replay would come first
        assert str(answer["text"]).startswith("echo 第二次 pid ")  # type: ignore[index]
        # B's answer reaches the tab on A too, and nothing before it
        assert await on_a.next_text() == answer["text"]  # type: ignore[index]
        await on_b.close()
        await on_a.close()

    asyncio.run(scenario())


# --- in-process: naming, URLs, the link and the replay guard ---------------------------------


def test_each_deployment_has_its_own_channel() -> None:
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    assert channel_name(first) == channel_name(first)
    assert channel_name(first) != channel_name(second)
    assert channel_name(first).startswith("shouhou:socketio:")
    assert first.hex()[:16] not in channel_name(first)


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("redis://127.0.0.1:6379/1", True),
        ("rediss://user:pw@cache:6380/0", True),
        ("unix:///run/redis.sock", True),
        ("http://127.0.0.1:6379", False),
        ("127.0.0.1:6379", False),
        ("redis://127.0.0.1:port/0", False),
    ],
)
def test_only_redis_urls_are_used(url: str, valid: bool) -> None:
    assert valid_redis_url(url) is valid


def test_logs_show_where_redis_is_without_the_password() -> None:
    assert redis_location("redis://:s3cret@cache:6380/1") == "redis://cache:6380/1"


def test_a_url_that_is_not_redis_keeps_the_server_as_it_was() -> None:
    sio = socketio.AsyncServer(async_mode="asgi")
    before = sio.manager
    assert socketio_redis.install(sio, "http://127.0.0.1:6379", "shouhou:socketio:x") is None
    assert sio.manager is before


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "unix:///run/redis.sock"])
def test_the_subscriber_client_accepts_its_options(url: str) -> None:
    manager = RedisBusManager(RedisLink(url), "shouhou:socketio:test")
    manager._redis_connect()  # python-socketio's own connect, with our options
    connection = manager.redis.connection_pool.make_connection()  # not connected yet
    assert connection.socket_connect_timeout == socketio_redis.REDIS_TIMEOUT
    assert connection.socket_timeout is None  # waits for messages as long as it takes


def _host_id_in_child(manager: RedisBusManager, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(manager.host_id)


def test_forked_workers_have_their_own_id() -> None:
    manager = RedisBusManager(RedisLink(down_url()), "shouhou:socketio:test")
    assert manager.host_id.endswith(f"-{os.getpid()}")
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    child = context.Process(target=_host_id_in_child, args=(manager, queue))
    child.start()
    child_id = queue.get(timeout=20)
    child.join(timeout=20)
    assert child_id != manager.host_id
    assert child_id.split("-")[0] == manager.host_id.split("-")[0]
    assert child_id.endswith(f"-{child.pid}")


def test_publishing_to_an_unreachable_redis_is_skipped_for_a_while() -> None:
    clock = [100.0]
    link = RedisLink(down_url(), pause=5.0, clock=lambda: clock[0])

    async def scenario() -> None:
        with pytest.raises(RedisUnavailable):
            await link.call("publish", lambda r: r.publish("c", "x"))
        assert link.paused
        clock[0] += 4.9
        with pytest.raises(RedisUnavailable):  # not tried: no connection attempted
            await link.call("publish", lambda r: r.publish("c", "x"))
        clock[0] += 0.2
        assert not link.paused

    asyncio.run(scenario())


def test_a_redis_that_does_not_answer_costs_one_timeout_per_pause() -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        link = RedisLink(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.3)

        async def scenario() -> tuple[float, float]:
            started = time.monotonic()
            with pytest.raises(RedisUnavailable):
                await link.call("publish", lambda r: r.publish("c", "x"))
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(20):
                with pytest.raises(RedisUnavailable):
                    await link.call("publish", lambda r: r.publish("c", "x"))
            return first, time.monotonic() - started

        first, next_twenty = asyncio.run(scenario())
        assert 0.25 < first < 1.5
        assert next_twenty < 0.1
    finally:
        silent.close()


@pytest.fixture
def guard_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"test:socketio:{secrets.token_hex(8)}"
    yield prefix
    remove_keys(redis_url, prefix)


def test_a_replayed_message_id_is_refused_on_every_server(
    redis_url: str, guard_prefix: str
) -> None:
    async def scenario() -> list[bool]:
        first = ReplayGuard(600, RedisLink(redis_url), guard_prefix)  # two servers
        second = ReplayGuard(600, RedisLink(redis_url), guard_prefix)
        return [
            await first.first_time("s1:ab"),
            await second.first_time("s1:ab"),
            await first.first_time("s1:ab"),
            await second.first_time("s2:ab"),
        ]

    assert asyncio.run(scenario()) == [True, False, False, True]
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{guard_prefix}:seen:*"))
    assert len(keys) == 2 and b"s1" not in keys[0]  # digests, no session ids
    assert 0 < client.pttl(keys[0]) <= 600_000
    client.close()


def test_replays_are_still_refused_in_the_process_when_redis_is_down() -> None:
    async def scenario() -> list[bool]:
        guard = ReplayGuard(600, RedisLink(down_url()), "test:socketio:down")
        return [await guard.first_time("s1:ab"), await guard.first_time("s1:ab")]

    assert asyncio.run(scenario()) == [True, False]
