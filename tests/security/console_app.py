"""The agent console inside Rasa's own Sanic app, as ``python -m bot.serve run`` mounts it.

``rasa.core.run.configure_app`` builds the app (with ``--cors`` when asked: Sanic-CORS),
registers the console channel under ``/webhooks/console`` and the server runs its
``before_server_start`` listeners (Sanic-CORS and the console's proxy settings), on a free
port, against a migrated SQLite ticket store.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import rasa.core.run
from sanic import Sanic

from bot.console.channel import CSRF_VALUE, ConsoleInput
from tests.conftest import migrated_ticket_store
from tests.console.conftest import FakeRasaAgent

PASSWORD = "correct horse battery"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def console_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated SQLite store; settings re-read after each test's env changes."""
    yield from migrated_ticket_store(monkeypatch, tmp_path)


@dataclass
class Console:
    """The console's URL prefix, its port, and a way to make plain HTTP calls."""

    base: str
    port: int

    @property
    def origin(self) -> str:
        """The console's own origin."""
        return f"http://127.0.0.1:{self.port}"

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
        session: aiohttp.ClientSession | None = None,
    ) -> tuple[int, dict[str, str], object]:
        """One request; returns status, headers (lower-case names; Set-Cookie joined), body."""
        sent = {"X-Requested-With": CSRF_VALUE} if csrf else {}
        sent.update(headers or {})
        own = session is None
        client = session or aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        try:
            async with client.request(method, self.base + path, json=json, headers=sent) as reply:
                text = await reply.text()
                got = {k.lower(): v for k, v in reply.headers.items()}
                got["set-cookie"] = "\n".join(reply.headers.getall("Set-Cookie", []))
                try:
                    body: object = await reply.json(content_type=None)
                except ValueError:
                    body = text
                return reply.status, got, body
        finally:
            if own:
                await client.close()

    async def login(
        self, username: str, password: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], object]:
        """POST api/login."""
        body = {"username": username, "password": password}
        return await self.call("POST", "api/login", json=body, headers=headers)


@asynccontextmanager
async def serve_console(cors: str | None = None) -> AsyncIterator[Console]:
    """Rasa's app with the console channel (and ``--cors cors``); yields the console."""
    Sanic.test_mode = True
    app = rasa.core.run.configure_app([ConsoleInput()], cors=cors, enable_api=False)
    app.config.ACCESS_LOG = False
    app.ctx.agent = FakeRasaAgent()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.start_serving()
    try:
        yield Console(f"http://127.0.0.1:{port}/webhooks/console/", port)
    finally:
        await server.close()
        sock.close()
