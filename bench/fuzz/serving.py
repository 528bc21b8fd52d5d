"""The inbound surfaces served in this process, as ``rasa run`` serves them.

- :func:`fuzz_environment`: a temporary ``VAR_DIR`` and migrated SQLite ticket store, an agent
  account and queued handoffs for the console, WeChat credentials, and a WeChat API address
  on which nothing listens (photo downloads fail at once, as when WeChat is unreachable).
- :func:`build_app`: the project's channels from a ``credentials.yml`` (``bot.serve``'s short
  keys), mounted by Rasa's own ``configure_app`` under ``/webhooks/``.
- :class:`BoundaryAgent`: what the channels call on the Rasa agent. ``handle_message`` is
  the channel boundary: it records the message and answers through the message's output
  channel (so the channels' output code runs too); the console gets Rasa's in-memory
  tracker and lock stores, the domain's NLG and a processor that records the action it is
  asked to run. NLU, policies and actions are not run: 10,000 inputs through a trained
  model would take hours, and they see only the text the channel hands over.
- :class:`LoopThread`: the Sanic servers and the clients on one event loop in a thread, so
  that hypothesis (synchronous) can drive them.
- :class:`SocketClient`: an Engine.IO v4 / socket.io v5 client over a websocket, speaking
  the protocol frame by frame (so that it can also send frames no library would).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import socket
import threading
import uuid
from collections.abc import Awaitable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import yaml

from bot.tickets.db import dispose_engines

T = TypeVar("T")

AGENT_USERNAME = "fuzzagent"
AGENT_PASSWORD = "fuzz-" + "correct-horse-battery"
WECHAT_TOKEN = "fuzztoken"
WECHAT_APP_ID = "wxfuzz0000000001"
WECHAT_ACCOUNT = "gh_fuzzaccount"
BOT_REPLY = "fuzz-bot-reply"


def closed_port() -> int:
    """A local port on which nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FuzzEnvironment:
    """Where the fuzzed servers keep their state."""

    root: Path
    database_url: str
    aes_key: str
    handoff_ids: list[int] = field(default_factory=list)
    next_sender: int = 0


@contextmanager
def fuzz_environment(root: Path) -> Iterator[FuzzEnvironment]:
    """Point the settings at ``root`` (restored afterwards) and prepare the stores."""
    from bot.console import accounts
    from bot.settings import get_settings
    from bot.tickets import upgrade

    database_url = f"sqlite:///{root / 'tickets.db'}"
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode()[:43]
    env = {
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(root / "var"),
        "WECHAT_API_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "WECHAT_HTTP_TIMEOUT": "1",
        "WECHAT_TOKEN": WECHAT_TOKEN,
        "WECHAT_APP_ID": WECHAT_APP_ID,
        "WECHAT_APP_SECRET": "fuzzsecret",
        # Configured as in production: REST needs its token, widget sessions a fixed key.
        "REST_TOKEN": secrets.token_hex(20),
        "WIDGET_SESSION_SECRET": secrets.token_hex(32),
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    get_settings.cache_clear()
    dispose_engines()
    try:
        upgrade(database_url)
        accounts.add_agent(AGENT_USERNAME, "Fuzz 坐席", AGENT_PASSWORD)
        environment = FuzzEnvironment(root, database_url, aes_key)
        for _ in range(20):
            open_handoff(environment)
        yield environment
    finally:
        dispose_engines()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def open_handoff(environment: FuzzEnvironment) -> int:
    """Queue a new widget conversation for the agents; its handoff id."""
    from bot.tickets import open_handoff as store_open_handoff
    from bot.tickets import session_scope

    environment.next_sender += 1
    sender = f"fuzz-sender-{environment.next_sender}"
    with session_scope() as session:
        handoff, _ = store_open_handoff(
            session, sender_id=sender, channel="socketio", reason="request_human",
            summary={"slots": {}, "last_messages": ["fuzz"]},
        )  # fmt: skip
        environment.handoff_ids.append(handoff.id)
        return int(handoff.id)


class RecordingProcessor:
    """Records the actions the console asks Rasa's processor to run."""

    def __init__(self) -> None:
        self.executed: list[tuple[str, str]] = []

    async def execute_action(
        self, sender_id: str, action_name: str, output: Any, nlg: Any, prediction: Any
    ) -> None:
        """Record the action (the action server is not part of these surfaces)."""
        self.executed.append((sender_id, action_name))


class BoundaryAgent:
    """What the channels and the console use of Rasa's ``Agent`` (see the module doc)."""

    def __init__(self) -> None:
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.nlg import TemplatedNaturalLanguageGenerator
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        from bot.trainer import paths

        self.domain = Domain.load(str(paths.DOMAIN))
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.lock_store = InMemoryLockStore()
        self.nlg = TemplatedNaturalLanguageGenerator(self.domain.responses)
        self.processor = RecordingProcessor()
        self.messages = 0

    async def handle_message(self, message: Any) -> None:
        """Record the message and answer through its output channel."""
        self.messages += 1
        await message.output_channel.send_text_message(message.sender_id, BOT_REPLY)


def write_credentials(path: Path, *, safe_mode: bool, aes_key: str) -> Path:
    """The project's ``credentials.yml`` plus its WeChat block, as ``scripts/run.sh`` builds it."""
    from bot.settings import PROJECT_ROOT

    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text()) or {}
    wechat = yaml.safe_load((PROJECT_ROOT / "credentials.wechat.yml").read_text())
    block = dict(wechat["wechat"])
    block["encoding_aes_key"] = aes_key if safe_mode else ""
    credentials["wechat"] = block
    path.write_text(yaml.safe_dump(credentials, allow_unicode=True), encoding="utf-8")
    return path


def build_app(credentials: Path, agent: BoundaryAgent) -> Any:
    """Rasa's app without its HTTP API (``rasa run``'s default) with the project's channels."""
    from rasa.core import run
    from sanic import Sanic

    from bot import serve

    Sanic.test_mode = True  # several apps of Rasa's one name in this process
    serve.register_channels()
    channels = run.create_http_input_channels(None, str(credentials))
    app = run.configure_app(channels, enable_api=False, route="/webhooks/", use_uvloop=False)
    app.config.ACCESS_LOG = False
    # The body limit `python -m bot.serve` puts on Rasa's app (its other guards concern the
    # action server), applied to this app only rather than by patching Rasa process-wide.
    from bot.runtime import accept_header, request_limits
    from bot.settings import get_settings

    request_limits.limit_app(app, get_settings().max_request_bytes)
    accept_header.install()
    app.ctx.agent = agent
    return app


class LoopThread:
    """An event loop in a daemon thread: servers run on it, coroutines are submitted to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()
        self._servers: list[tuple[Any, socket.socket]] = []
        self.http: aiohttp.ClientSession | None = None

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def serve(self, app: Any) -> str:
        """Serve ``app`` on a free local port; its base URL."""
        return self.call(self._serve(app))

    async def _serve(self, app: Any) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        served = await app.create_server(sock=sock, return_asyncio_server=True)
        assert served is not None
        await served.startup()
        await served.before_start()
        await served.start_serving()
        await served.after_start()
        self._servers.append((served, sock))
        if self.http is None:
            # A new connection per request: a server that answers before reading the whole
            # body (a refused upload) closes the connection, which must not fail the next one.
            self.http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True),
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return f"http://127.0.0.1:{port}"

    def close(self) -> None:
        """Stop the servers, the client and the loop."""
        self.call(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _close(self) -> None:
        if self.http is not None:
            await self.http.close()
        for served, sock in self._servers:
            await served.before_stop()
            await served.close()
            await served.after_stop()
            sock.close()

    def settle(self, seconds: float = 0.3) -> None:
        """Let background tasks the last inputs started finish."""
        self.call(asyncio.sleep(seconds))


class SocketClosed(Exception):
    """The server closed the websocket (or the socket.io namespace)."""


class SocketClient:
    """One widget connection: Engine.IO v4 over a websocket, socket.io v5 packets."""

    def __init__(self, http: aiohttp.ClientSession, base: str, path: str = "/socket.io/") -> None:
        self.http = http
        self.url = f"{base}{path}?EIO=4&transport=websocket"
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.session_id: str | None = None
        self.received: list[str] = []

    async def connect(self) -> None:
        """Open the websocket, join the default namespace, ask for a session."""
        await self.close()
        self.ws = await self.http.ws_connect(self.url, autoping=True)
        opened = await self.frame(5.0)
        if not opened.startswith("0"):
            raise SocketClosed(f"no Engine.IO open packet: {opened[:80]!r}")
        await self.send("40")
        while not (await self.frame(5.0)).startswith("40"):
            pass
        self.session_id = await self.request_session(None)

    async def close(self) -> None:
        """Close the websocket if open."""
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        self.ws = None

    async def send(self, frame: str | bytes) -> None:
        """Send one raw websocket frame."""
        if self.ws is None or self.ws.closed:
            raise SocketClosed("not connected")
        try:
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        except ConnectionResetError as error:
            # The server closed the socket while it was idle (no pong to its Engine.IO pings
            # while other targets ran); aiohttp reports it only when writing.
            raise SocketClosed("the connection was closed") from error

    async def emit(self, event: str, data: Any) -> None:
        """A socket.io EVENT packet, as the widget's client sends it."""
        await self.send("42" + json.dumps([event, data]))

    async def frame(self, timeout: float) -> str:
        """The next text frame from the server (answering Engine.IO pings)."""
        assert self.ws is not None
        while True:
            message = await self.ws.receive(timeout=timeout)
            if message.type == aiohttp.WSMsgType.TEXT:
                data = str(message.data)
                if data == "2":
                    await self.send("3")
                    continue
                if data.startswith("41"):
                    raise SocketClosed("namespace disconnected by the server")
                if data.startswith("1"):
                    raise SocketClosed("Engine.IO close packet")
                return data
            if message.type == aiohttp.WSMsgType.BINARY:
                continue
            raise SocketClosed(f"websocket {message.type.name}")

    async def until(self, predicate: Any, timeout: float = 10.0) -> str:
        """Read frames until one satisfies ``predicate`` (the others are kept in ``received``)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError("no answer from the socket.io server")
            data = await self.frame(left)
            if predicate(data):
                return data
            self.received.append(data)
            del self.received[:-50]

    async def request_session(self, asked: Any) -> str:
        """``session_request`` → the session id in ``session_confirm``."""
        await self.emit("session_request", {} if asked is None else {"session_id": asked})
        confirm = await self.until(lambda d: d.startswith('42["session_confirm"'))
        payload = json.loads(confirm[2:])
        return str(payload[1])

    async def barrier(self) -> None:
        """Wait until the server has read everything sent before.

        A connect to a namespace nobody serves is answered inline (``44/...``), after the
        packets before it were dispatched; a few loop turns let their handlers finish.
        """
        name = f"/barrier-{uuid.uuid4().hex[:8]}"
        await self.send(f"40{name},")
        await self.until(lambda d: d.startswith(f"44{name},"), timeout=3.0)
        for _ in range(3):
            await asyncio.sleep(0)


async def gather_quietly(*aws: Awaitable[Any]) -> None:
    """Await each, ignoring their errors (cleanup)."""
    await asyncio.gather(*aws, return_exceptions=True)
