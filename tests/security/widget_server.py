"""The web widget's channel on a real Sanic server (no model), and socket.io clients.

Rasa's agent is replaced by one that records what reached it and answers ``echo <text>``:
what the attacks below try is whether a message gets into (or out of) a conversation, so
what Rasa would answer does not matter.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import websockets
from rasa.core.channels.channel import UserMessage, register
from rasa.server import configure_cors
from sanic import Sanic

from bot.channels.live import push_output
from bot.channels.web import WebChatInput


@dataclass
class EchoAgent:
    """Stands in for Rasa's agent: records each message, answers ``echo <text>``."""

    received: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")

    def senders(self) -> list[str]:
        return [m.sender_id for m in self.received]


@dataclass
class WidgetServer:
    base: str  # http://127.0.0.1:PORT
    agent: EchoAgent
    channel: WebChatInput
    served: Any

    @property
    def widget(self) -> str:
        return f"{self.base}/webhooks/socketio/"

    async def push(self, session_id: str, text: str) -> None:
        """What an agent's reply from the console does: emit to the session's room."""
        output = push_output("socketio")
        assert output is not None
        await output.send_text_message(session_id, text)


@asynccontextmanager
async def widget_server(
    channel: WebChatInput, *, request_max_size: int | None = None
) -> AsyncIterator[WidgetServer]:
    """``channel`` mounted the way Rasa mounts it, on a free port, listeners run."""
    Sanic.test_mode = True
    app = Sanic(f"widget_security_{uuid.uuid4().hex[:8]}")
    app.config.ACCESS_LOG = False
    if request_max_size is not None:
        app.config.REQUEST_MAX_SIZE = request_max_size
    configure_cors(app, None)  # what `rasa run` does without --cors
    agent = EchoAgent()
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    served = await app.create_server(sock=sock, return_asyncio_server=True)
    assert served is not None
    await served.startup()
    await served.before_start()
    await served.start_serving()
    await served.after_start()
    try:
        yield WidgetServer(f"http://127.0.0.1:{port}", agent, channel, served)
    finally:
        await served.before_stop()
        await served.close()
        sock.close()


class SocketClient:
    """socket.io over a websocket, by hand (python-socketio's client needs a newer aiohttp)."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.texts: list[str] = []

    async def connect(self, base: str, auth: dict[str, Any] | None = None) -> bool:
        """Open the socket; False when the server refuses the socket.io connection."""
        url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await websockets.connect(url)
        assert str(await self.ws.recv()).startswith("0")  # Engine.IO open
        await self.ws.send("40" + (json.dumps(auth) if auth is not None else ""))
        answer = str(await self.ws.recv())
        if answer.startswith("44"):  # connect_error
            await self.ws.close()
            return False
        assert answer.startswith("40"), answer
        self.reader = asyncio.ensure_future(self._read())
        return True

    async def _read(self) -> None:
        async for raw in self.ws:
            if raw == "2":
                await self.ws.send("3")  # pong
            elif isinstance(raw, str) and raw.startswith("42"):
                event, data = json.loads(raw[2:])
                if event == "bot_uttered" and isinstance(data, dict):
                    self.texts.append(str(data.get("text")))
                await self.events.put((event, data))

    async def emit(self, event: str, data: object) -> None:
        await self.ws.send("42" + json.dumps([event, data]))

    async def next(self, event: str, timeout: float = 10) -> Any:
        while True:
            name, data = await asyncio.wait_for(self.events.get(), timeout)
            if name == event:
                return data

    async def session(self, asked: object = None) -> str:
        """``session_request`` → the signed token of ``session_confirm``."""
        await self.emit("session_request", {"session_id": asked})
        return str(await self.next("session_confirm"))

    async def say(self, text: str, session: object, timeout: float = 2) -> list[str]:
        """Send a message; the texts that arrive within ``timeout`` s."""
        before = len(self.texts)
        await self.emit("user_uttered", {"message": text, "session_id": session})
        await asyncio.sleep(timeout)
        return self.texts[before:]

    async def wait_for_text(self, text: str, timeout: float = 10) -> bool:
        """Whether a bot message ``text`` arrives within ``timeout`` s."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.texts and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        return text in self.texts

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


def session_of(token: str) -> str:
    """The session id (Rasa sender id) inside a signed token."""
    return token.rsplit(".", 2)[0]
