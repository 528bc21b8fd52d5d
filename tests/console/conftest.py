"""Fixtures of the console tests: a migrated ticket store, and the console on a Sanic server
with Rasa's in-memory tracker and lock stores standing in for the running assistant."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.channels import live
from bot.console.channel import CSRF_VALUE, ConsoleInput
from tests.channels.servers import CHROMIUM, CHROMIUM_ARGS, missing
from tests.conftest import ROOT, migrated_ticket_store


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite store for each test."""
    yield from migrated_ticket_store(monkeypatch, tmp_path)


@dataclass
class FakeProcessor:
    """Records the actions the console runs (Rasa's processor would run them)."""

    executed: list[tuple[str, str]] = field(default_factory=list)

    async def execute_action(
        self, sender_id: str, action_name: str, output: Any, nlg: Any, prediction: Any
    ) -> None:
        self.executed.append((sender_id, action_name))


class FakeRasaAgent:
    """What the console uses of Rasa's Agent: domain, stores, NLG and the processor."""

    def __init__(self) -> None:
        self.domain = Domain.load(str(ROOT / "domain.yml"))
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.lock_store = InMemoryLockStore()
        self.nlg = TemplatedNaturalLanguageGenerator(self.domain.responses)
        self.processor = FakeProcessor()


class FakeLiveChannel:
    """A channel that can push: what it pushed is in ``output.messages``."""

    def __init__(self, name: str) -> None:
        self._name = name
        self.output = CollectingOutputChannel()

    def name(self) -> str:
        return self._name

    def get_output_channel(self) -> CollectingOutputChannel:
        return self.output

    def texts(self, recipient: str) -> list[str]:
        return [m["text"] for m in self.output.messages if m["recipient_id"] == recipient]


@pytest.fixture
def web_channel(monkeypatch: pytest.MonkeyPatch) -> FakeLiveChannel:
    """A fake ``socketio`` channel registered as live (and nothing else)."""
    monkeypatch.setattr(live, "_channels", {})
    channel = FakeLiveChannel("socketio")
    live.register_live_channel(channel)
    return channel


class Console:
    """An HTTP client of the console API; ``post`` sends the CSRF header unless told not to."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.base + path) as reply:
            return reply.status, await reply.json(content_type=None)

    async def post(self, path: str, body: Any = None, *, csrf: bool = True) -> tuple[int, Any]:
        headers = {"X-Requested-With": CSRF_VALUE} if csrf else {}
        async with self.session.post(self.base + path, json=body or {}, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)

    async def login(self, username: str, password: str) -> int:
        status, _ = await self.post("api/login", {"username": username, "password": password})
        return status


@dataclass
class Server:
    base: str
    agent: FakeRasaAgent

    @asynccontextmanager
    async def client(self) -> AsyncIterator[Console]:
        """A browser of its own (its own cookie jar)."""
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            yield Console(session, self.base)


@pytest.fixture
async def server(web_channel: FakeLiveChannel) -> AsyncIterator[Server]:
    """The console mounted like Rasa mounts channels, on a free port."""
    Sanic.test_mode = True
    app = Sanic(f"console_test_{uuid.uuid4().hex[:8]}")
    app.config.ACCESS_LOG = False
    agent = FakeRasaAgent()
    app.ctx.agent = agent

    async def on_new_message(message: Any) -> None:  # the console receives no user messages
        raise AssertionError("unexpected message")

    app.blueprint(ConsoleInput().blueprint(on_new_message), url_prefix="/webhooks/console")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    served = await app.create_server(sock=sock, return_asyncio_server=True)
    assert served is not None
    await served.startup()
    await served.before_start()  # the console's listener applies the proxy settings
    await served.start_serving()
    try:
        yield Server(f"http://127.0.0.1:{port}/webhooks/console/", agent)
    finally:
        await served.close()
        sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's headless Chromium through Playwright's async API (the server shares the loop)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing("the playwright package is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()
