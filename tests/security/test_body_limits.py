"""Attack: send bodies far larger than any request needs, declared or chunked.

Sanic buffers a request body up to ``REQUEST_MAX_SIZE``, 100 MB by default, before any handler
runs; Rasa and rasa_sdk keep that default. Now Rasa's app reads at most ``MAX_REQUEST_BYTES``
(1 MiB) and the action server ``ACTION_MAX_REQUEST_BYTES`` (8 MiB): a larger declared
``Content-Length`` is refused before the body is read, a chunked body once it passes the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import rasa.core.run
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime import request_limits
from bot.settings import get_settings
from tests.security.rasa_app import (
    ACTION_TOKEN,
    RecordingAgent,
    locked_action_server,
    raw_request,
    serve_rasa,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

MIB = 1024 * 1024


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def size(request: Request) -> HTTPResponse:
    """A plain (non-streaming) POST route: the body size Sanic handed it."""
    return response.json({"bytes": len(request.body)})


async def chunks(total: int, piece: int = 64 * 1024) -> AsyncIterator[bytes]:
    for _ in range(total // piece):
        yield b"x" * piece
        await asyncio.sleep(0)


def declared(port: int, path: str, length: int, *extra: str) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {length}", *extra, "", ""]
    return "\r\n".join(head).encode()


def test_bot_serve_installs_the_limit_in_rasas_app() -> None:
    request_limits.install()
    app = rasa.core.run.configure_app([], enable_api=False)
    assert app.config.REQUEST_MAX_SIZE == get_settings().max_request_bytes == MIB


async def test_rasa_refuses_a_declared_huge_body_before_reading_it() -> None:
    async with serve_rasa([], RecordingAgent(), routes=[(size, "/size")]) as url:
        port = int(url.rsplit(":", 1)[1])
        started = time.monotonic()
        answer = await raw_request(port, declared(port, "/size", 100 * 1000 * 1000))
        assert answer.startswith(b"HTTP/1.1 413")  # answered with no body sent
        assert b"at most 1048576 bytes" in answer
        assert time.monotonic() - started < 5


async def test_rasa_refuses_a_chunked_body_once_past_the_limit() -> None:
    async with (
        serve_rasa([], RecordingAgent(), routes=[(size, "/size")]) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.post(f"{url}/size", data=chunks(4 * MIB)) as answer:
            assert answer.status == 413
            assert "at most" in (await answer.json())["error"]
        async with session.post(f"{url}/size", data=b"x" * (MIB // 2)) as answer:
            assert (answer.status, await answer.json()) == (200, {"bytes": MIB // 2})


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with locked_action_server(tmp_path_factory.mktemp("limits")) as (url, _):
        yield url


async def test_the_action_server_refuses_huge_bodies(action_server: str) -> None:
    port = int(action_server.rsplit(":", 1)[1])
    huge = 100 * 1000 * 1000
    # Without the secret: refused before the body is read; with it: too large, unread.
    assert (await raw_request(port, declared(port, "/webhook", huge))).startswith(b"HTTP/1.1 403")
    bearer_line = f"Authorization: Bearer {ACTION_TOKEN}"
    answer = await raw_request(port, declared(port, "/webhook", huge, bearer_line))
    assert answer.startswith(b"HTTP/1.1 413")
    limit = get_settings().action_max_request_bytes
    bearer = {"Authorization": f"Bearer {ACTION_TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{action_server}/webhook", data=chunks(limit + MIB), headers=bearer) as r,
    ):
        assert r.status == 413
        assert "at most" in (await r.json())["error"]


def test_settings_refuse_a_limit_out_of_range(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    monkeypatch.setenv("MAX_REQUEST_BYTES", str(200 * MIB))
    with pytest.raises(ValidationError, match="max_request_bytes"):
        Settings()
