"""What the fuzzing bench found on the inbound surfaces, each replayed as an attack.

Each input once gave a 500 or an unhandled exception logged with its traceback (a log any
visitor could flood): a huge handoff id, a lone surrogate as the username, an unparsable
``Accept`` header on any error, malformed socket.io frames, and broken multipart uploads.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import websockets

from bot.console import accounts
from bot.runtime import accept_header
from bot.settings import get_settings
from tests.security.console_app import PASSWORD, anyio_backend, console_db, serve_console
from tests.security.test_uploads import SIGNER, channel, photo_with_exif
from tests.security.widget_server import widget_server

__all__ = ["anyio_backend", "console_db"]

pytestmark = pytest.mark.anyio


@pytest.fixture
def agent(console_db: str) -> Iterator[None]:
    accounts.add_agent("zhang", "张三", PASSWORD)
    yield


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The records logged at ERROR or above so far (any logger)."""
    caplog.set_level(logging.WARNING)
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_huge_handoff_id_is_not_found(agent: None, errors: Callable[[], list[str]]) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # keeps the cookie of an IP-address host
    async with serve_console() as console, aiohttp.ClientSession(cookie_jar=jar) as http:
        login = {"username": "zhang", "password": PASSWORD}
        status, _, _ = await console.call("POST", "api/login", session=http, json=login)
        assert status == 200
        for handoff_id in ("10000000000000000000000", "-1180591620717411303424", "0"):
            for method, path in (("GET", "transcript"), ("POST", "ticket"), ("POST", "claim")):
                got, _, body = await console.call(
                    method, f"api/handoffs/{handoff_id}/{path}", session=http, json={}
                )
                assert got == 404, (handoff_id, path, body)
    assert errors() == []


async def test_a_lone_surrogate_username_is_a_failed_sign_in(
    agent: None, errors: Callable[[], list[str]]
) -> None:
    async with serve_console() as console, aiohttp.ClientSession() as http:
        body = b'{"username": "\\ud800", "password": ""}'
        async with http.post(
            console.base + "api/login",
            data=body,
            headers={"Content-Type": "application/json", "X-Requested-With": "shouhou-console"},
        ) as reply:
            assert reply.status == 401, await reply.text()
    assert errors() == []


async def test_an_unparsable_accept_header_still_gets_the_real_error(
    agent: None, errors: Callable[[], list[str]]
) -> None:
    accept_header.install()
    async with serve_console() as console, aiohttp.ClientSession() as http:
        for accept in ("<", "g", "Nz5%"):
            async with http.get(console.base + "no/such/page", headers={"Accept": accept}) as reply:
                assert reply.status == 404
            async with http.post(
                console.base + "api/login",
                data=b"{not json",
                headers={"Accept": accept, "X-Requested-With": "shouhou-console",
                         "Content-Type": "application/json"},
            ) as reply:  # fmt: skip
                assert reply.status == 400
    assert errors() == []


@pytest.fixture
def widget_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "uploads"
    get_settings.cache_clear()


MALFORMED_FRAMES: list[str | bytes] = [
    "",  # empty Engine.IO packet
    "9",  # unknown Engine.IO packet type
    '9[true, "x"]',
    b"\x00\x01binary where text is expected",
    "42",  # socket.io event without data
    "420",
    "41{",  # disconnect with bad JSON
    '42["user_uttered", {',
    "44",  # CONNECT_ERROR sent by a client
    "49",  # unknown socket.io packet type
    '42[{"a": 1}, "x"]',  # event name that is not a string (failed in a task of its own)
    "42[7]",
    '451-[{"a": 1}, {"_placeholder": true, "num": 0}]',  # the same, as a binary event
]


async def test_malformed_socketio_frames_close_the_socket_without_a_traceback(
    widget_env: Path, errors: Callable[[], list[str]]
) -> None:
    async with widget_server(channel(widget_env)) as server:
        url = server.base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        for frame in MALFORMED_FRAMES:
            async with websockets.connect(url) as ws:
                assert str(await ws.recv()).startswith("0")
                await ws.send("40")
                assert str(await ws.recv()).startswith("40")
                await ws.send(frame)
                # the server closes (or ignores) the socket; it never answers with an error
                with contextlib.suppress(asyncio.TimeoutError, websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 3)
            assert errors() == [], frame
        # the server still serves a well-behaved client
        async with websockets.connect(url) as ws:
            assert str(await ws.recv()).startswith("0")
            await ws.send("40")
            assert str(await ws.recv()).startswith("40")
        await asyncio.sleep(0.2)
    gc.collect()  # a task left pending by a closed websocket would be reported now
    await asyncio.sleep(0)
    assert errors() == []


BROKEN_FORMS: list[tuple[str, bytes]] = [
    (
        "multipart/form-data",
        b"--zz\r\nContent-Disposition: form-data; name=photo\r\n\r\nx\r\n--zz--",
    ),
    (
        "multipart/form-data; boundary=zz",
        b'--zz\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\nx\r\n--zz--\r\n',
    ),
    ("multipart/form-data; boundary=zz", b"--zz\r\nno header separator at all--zz--\r\n"),
]


async def test_broken_multipart_uploads_get_400_without_a_traceback(
    widget_env: Path, errors: Callable[[], list[str]]
) -> None:
    token = SIGNER.issue("owner-session-1")
    async with widget_server(channel(widget_env)) as server, aiohttp.ClientSession() as http:
        for content_type, body in BROKEN_FORMS:
            for headers in ({"X-Widget-Session": token}, {}):
                async with http.post(
                    server.widget + "upload",
                    data=body,
                    headers={"Content-Type": content_type, **headers},
                ) as reply:
                    assert reply.status in (400, 401), (content_type, reply.status)
        # a genuine upload still works
        form = aiohttp.FormData()
        form.add_field("photo", photo_with_exif(), filename="p.jpg", content_type="image/jpeg")
        async with http.post(
            server.widget + "upload", data=form, headers={"X-Widget-Session": token}
        ) as reply:
            assert reply.status == 201, await reply.text()
    assert errors() == []
