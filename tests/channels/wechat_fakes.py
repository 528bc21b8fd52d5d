"""Test doubles for the WeChat channel: WeChat's API server and WeChat's webhook client.

``FakeWeChatApi`` answers ``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` the way
WeChat does (error codes included) and records what the channel sent; it also takes template
messages (``/cgi-bin/message/template/send``, the owners' notices of ``bot.notify``).
``WeChatClient`` signs, and in safe mode encrypts, webhook requests the way WeChat's servers
do, using wechatpy's crypto, and decrypts safe-mode replies.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import xmltodict
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels.wechat import WeChatInput
from bot.channels.wechat.shared_state import SharedState
from tests.local_http import LocalHttpServer

TOKEN = "shouhou-test-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-app-secret-0123456789abcdef"
AES_KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode().rstrip("=")
ACCOUNT = "gh_0123456789ab"
OPENID = "oUser-0123456789"


# --- WeChat's API ---------------------------------------------------------------------------


@dataclass
class FakeWeChatState:
    """What the fake WeChat API issued and received."""

    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    invalid_token_code: int = 40001  # 42001 once tokens "expired"
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_requests: list[str] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)  # template messages sent
    unfollowed: set[str] = field(default_factory=set)  # openids refused with 43004
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        """Invalidate every token issued so far (as when another server fetched a token)."""
        with self.lock:
            self.valid_tokens.clear()

    def texts(self) -> list[str]:
        with self.lock:
            return [message["text"]["content"] for message in self.sent]


class _Handler(BaseHTTPRequestHandler):
    server: Any  # tests.local_http: the fake's state is self.server.state

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _json(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(200)  # WeChat answers errors with 200 and an errcode
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        state = self.server.state
        if url.path == "/cgi-bin/media/get":
            self._media(query)
            return
        if url.path != "/cgi-bin/token":
            self._json({"errcode": 40066, "errmsg": "invalid url"})
            return
        with state.lock:
            state.token_requests.append(query)
        if query.get("grant_type") != ["client_credential"]:
            self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
        elif query.get("appid") != [APP_ID]:
            self._json({"errcode": 40013, "errmsg": "invalid appid"})
        elif query.get("secret") != [APP_SECRET]:
            self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        else:
            with state.lock:
                token = f"ACCESS_TOKEN_{next(state.counter)}"
                state.valid_tokens.add(token)
            self._json({"access_token": token, "expires_in": 7200})

    def _media(self, query: dict[str, list[str]]) -> None:
        """``/cgi-bin/media/get``: the file's bytes, or a JSON error as WeChat gives it."""
        state = self.server.state
        token = (query.get("access_token") or [""])[0]
        media_id = (query.get("media_id") or [""])[0]
        with state.lock:
            state.media_requests.append(media_id)
            known = token in state.valid_tokens
            found = state.media.get(media_id)
        if not known:
            self._json({"errcode": state.invalid_token_code, "errmsg": "invalid credential"})
            return
        if found is None:
            self._json({"errcode": 40007, "errmsg": "invalid media_id"})
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Disposition", f'attachment; filename="{media_id}.jpg"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path == "/cgi-bin/message/template/send":
            self._template(query, raw)
            return
        if url.path != "/cgi-bin/message/custom/send":
            self._json({"errcode": 40066, "errmsg": "invalid url"})
            return
        token = (query.get("access_token") or [""])[0]
        try:
            message = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._json({"errcode": 47001, "errmsg": "data format error"})
            return
        with state.lock:
            known = token in state.valid_tokens
        content = message.get("text", {}).get("content")
        if not known:
            code = state.invalid_token_code
            error = {"errcode": code, "errmsg": "invalid credential or access_token expired"}
        elif message.get("msgtype") != "text" or not isinstance(content, str) or not content:
            error = {"errcode": 47001, "errmsg": "data format error"}
        elif not message.get("touser"):
            error = {"errcode": 40003, "errmsg": "invalid openid"}
        elif len(content.encode("utf-8")) > 2048:
            error = {"errcode": 45002, "errmsg": "content size out of limit"}
        else:
            with state.lock:
                state.sent.append(message)
            self._json({"errcode": 0, "errmsg": "ok"})
            return
        with state.lock:
            state.rejected.append({**message, **error})
        self._json(error)

    def _template(self, query: dict[str, list[str]], raw: bytes) -> None:
        """``/cgi-bin/message/template/send``: a template message, checked as WeChat does."""
        state = self.server.state
        token = (query.get("access_token") or [""])[0]
        try:
            message = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._json({"errcode": 47001, "errmsg": "data format error"})
            return
        data = message.get("data") if isinstance(message, dict) else None
        with state.lock:
            known = token in state.valid_tokens
        if not known:
            error = {"errcode": state.invalid_token_code, "errmsg": "invalid credential"}
        elif not message.get("touser"):
            error = {"errcode": 40003, "errmsg": "invalid openid"}
        elif not message.get("template_id"):
            error = {"errcode": 40037, "errmsg": "invalid template_id"}
        elif not isinstance(data, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("value"), str) for v in data.values()
        ):
            error = {"errcode": 47001, "errmsg": "data format error"}
        elif message["touser"] in state.unfollowed:
            error = {"errcode": 43004, "errmsg": "require subscribe"}
        else:
            with state.lock:
                msgid = next(state.counter)
                state.templates.append(message)
            self._json({"errcode": 0, "errmsg": "ok", "msgid": msgid})
            return
        with state.lock:
            state.rejected.append({**message, **error})
        self._json(error)


class FakeWeChatApi(LocalHttpServer):
    """A local stand-in for WeChat's API on 127.0.0.1, in a thread."""

    state: FakeWeChatState

    def __init__(self) -> None:
        super().__init__(_Handler, FakeWeChatState())

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[str]:
        """Customer-service texts received, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.state.texts()
            if len(texts) >= count:
                return texts
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {self.state.texts()}")


# --- WeChat's webhook client -------------------------------------------------------------


def _signature(*values: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*values)
    return str(signer.signature)


def message_xml(
    msg_type: str, *, openid: str = OPENID, msg_id: str | None = None, **fields: str
) -> str:
    """A message as WeChat posts it (``Content``, ``Event``, ``MediaId`` ... as keywords)."""
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{fields.pop('CreateTime', str(int(time.time())))}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    parts += [f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items()]
    if msg_id is None and msg_type != "event":
        msg_id = str(uuid.uuid4().int % 10**19)
    if msg_id:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Reply:
    """A webhook answer: status, raw body, and the reply's fields once decrypted/parsed."""

    status: int
    body: str
    fields: dict[str, Any] | None

    @property
    def content(self) -> str | None:
        return None if self.fields is None else self.fields.get("Content")


class WeChatClient:
    """Talks to the channel the way WeChat's servers do."""

    def __init__(self, session: aiohttp.ClientSession, url: str, *, safe: bool) -> None:
        self._session = session
        self.url = url
        self.safe = safe
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    def signed_query(self, token: str = TOKEN, **extra: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = base64.b16encode(os.urandom(5)).decode()
        query = {
            "signature": _signature(token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": OPENID,
        }
        query.update(extra)
        return query

    async def verify(self, echostr: str, token: str = TOKEN) -> tuple[int, str]:
        query = self.signed_query(token, echostr=echostr)
        async with self._session.get(self.url + "?" + urlencode(query)) as response:
            return response.status, await response.text()

    async def post_raw(
        self, body: bytes | str, query: dict[str, str], *, expect100: bool = False
    ) -> Reply:
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"Content-Type": "text/xml"}
        async with self._session.post(
            self.url + "?" + urlencode(query), data=data, headers=headers, expect100=expect100
        ) as response:
            text = await response.text()
            return Reply(response.status, text, self._read_reply(response.status, text))

    async def post(self, xml: str, *, token: str = TOKEN) -> Reply:
        """Post a message, encrypted and signed in safe mode."""
        if not self.safe:
            return await self.post_raw(xml, self.signed_query(token))
        query = self.signed_query(token, encrypt_type="aes")
        envelope = xmltodict.parse(
            self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        )
        encrypted = envelope["xml"]["Encrypt"]
        query["msg_signature"] = _signature(token, query["timestamp"], query["nonce"], encrypted)
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        return await self.post_raw(body, query)

    def _read_reply(self, status: int, text: str) -> dict[str, Any] | None:
        if status != 200 or not text.startswith("<xml>"):
            return None
        fields = dict(xmltodict.parse(text)["xml"])
        if not self.safe:
            return fields
        # check the reply's signature the way WeChat does, then decrypt it
        assert fields["MsgSignature"] == _signature(
            TOKEN, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
        ), "reply signature"
        plain = self.crypto.decrypt_message(
            text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
        )
        return dict(xmltodict.parse(plain)["xml"])


# --- the channel mounted on a Sanic app ----------------------------------------------------


@dataclass
class StubBot:
    """Stands in for Rasa's agent: records messages and answers with ``respond``."""

    respond: Callable[[Any], Awaitable[None]]
    received: list[Any] = field(default_factory=list)

    async def __call__(self, message: Any) -> None:
        self.received.append(message)
        await self.respond(message)


async def echo(message: Any) -> None:
    """Answer ``你说：<text>``."""
    await message.output_channel.send_response(message.sender_id, {"text": f"你说：{message.text}"})


@asynccontextmanager
async def serve_channel(
    channel: WeChatInput, bot: StubBot, *, safe: bool
) -> AsyncIterator[WeChatClient]:
    """Run ``channel`` under Sanic on a free local port, with ``bot`` behind it."""
    Sanic.test_mode = True
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}")
    app.config.ACCESS_LOG = False
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/wechat")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.start_serving()
    try:
        async with aiohttp.ClientSession() as session:
            yield WeChatClient(
                session, f"http://127.0.0.1:{port}/webhooks/wechat/webhook", safe=safe
            )
    finally:
        await server.close()
        sock.close()


def wechat_input(
    api: FakeWeChatApi, *, safe: bool = False, state: SharedState | None = None, **options: Any
) -> WeChatInput:
    """The test account's channel, talking to ``api``; in safe mode (encrypted) or plain.

    Args:
        api: The fake WeChat API the channel calls.
        safe: Whether the account has an ``encoding_aes_key`` (safe mode).
        state: Where retried messages, numbered choices and the token are kept (default: in
            the process).
        **options: More of ``WeChatInput``'s settings (``reply_deadline``, ``upload_dir``...).
    """
    if state is not None:
        options.update(seen=state.seen, choices=state.choices, token_cache=state.tokens)
    return WeChatInput(
        token=TOKEN,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        encoding_aes_key=AES_KEY if safe else None,
        api_base_url=api.base_url,
        **options,
    )


def wechat_environment(api: FakeWeChatApi) -> dict[str, str]:
    """The settings of a server whose WeChat channel is the test account on ``api``, safe mode."""
    return {
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE_URL": api.base_url,
    }


WeChatChannel = Callable[..., WeChatInput]
"""The ``wechat_channel`` fixture: ``wechat_input`` on the test's fake API."""
WeChatServer = Callable[..., AbstractAsyncContextManager[WeChatClient]]
"""The ``wechat_server`` fixture: ``(bot, *, safe=False, channel=None, **options)``."""
