"""Servers of the "server edge" attack tests.

- Rasa's own Sanic app (``rasa.core.run.configure_app``) with project channels, on a free
  port: what ``python -m bot.serve run`` serves, without a model; the agent is a recorder
  that keeps every ``UserMessage`` Rasa hands it and answers through its output channel.
- The locked action server (``python -m bot.runtime.action_server``) in its own process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import rasa.core.run
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from bot.runtime import request_limits
from tests.conftest import ROOT, free_port, wait_for_http


class RecordingAgent:
    """Stands where Rasa's ``Agent`` is: records messages, answers with ``reply(text)``."""

    def __init__(self, reply: Callable[[str], str] = lambda text: f"收到：{text}") -> None:
        self.received: list[UserMessage] = []
        self.reply = reply

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_text_message(message.sender_id, self.reply(message.text))


@asynccontextmanager
async def serve_rasa(
    channels: Sequence[InputChannel],
    agent: Any,
    *,
    routes: Sequence[tuple[Callable[..., Awaitable[Any]], str]] = (),
) -> AsyncIterator[str]:
    """Rasa's app for ``channels`` (body limits installed as bot.serve does); yields its URL."""
    Sanic.test_mode = True
    request_limits.install()
    app = rasa.core.run.configure_app(list(channels), enable_api=False)
    app.config.ACCESS_LOG = False
    app.ctx.agent = agent
    for handler, uri in routes:
        app.add_route(handler, uri, methods=["POST"], name=f"test_{uuid.uuid4().hex[:8]}")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.start_serving()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.close()
        sock.close()


async def raw_request(port: int, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    """Send ``head`` (and ``body``) on a plain socket; the server's answer until it closes."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), timeout)
    finally:
        writer.close()


#: The secret of the action servers these tests start.
ACTION_TOKEN = "action-secret-0123456789abcdef"


@contextmanager
def locked_action_server(tmp: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m bot.runtime.action_server`` on a free port; yields its base URL and process."""
    from bot.tickets.migrate import upgrade

    database = f"sqlite:///{tmp / 'tickets.db'}"
    upgrade(database)
    port = free_port()
    variables = {
        **os.environ,
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "DATABASE_URL": database,
        "VAR_DIR": str(tmp / "var"),
        **env,
    }
    if "ACTION_HOST" not in env:
        variables.pop("ACTION_HOST", None)
    log = ROOT / "test-output" / f"security-action-server-{tmp.name}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.action_server", "--actions", "bot.actions",
             "--port", str(port)],
            cwd=ROOT, env=variables, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", 120, process)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            process.wait(timeout=30)
