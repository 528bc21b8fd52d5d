"""Fuzz targets for the inbound surfaces: REST, socket.io, uploads, WeChat, the console.

Every driver first does what a legitimate client does (asks for a widget session, signs its
WeChat request with the current time, signs in to the console and sends its CSRF header) and
then sends generated values in its place or beside it: other JSON, other types, garbage
bytes, broken framing, stale or forged signatures. A 5xx, a dropped connection or a server
that stops answering is a :class:`~bench.fuzz.harness.Finding`; a refusal (4xx) is fine.
"""

from __future__ import annotations

import io
import json
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from http.cookies import CookieError
from typing import Any
from urllib.parse import parse_qsl, quote

import aiohttp
import xmltodict
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from bench.fuzz.harness import Finding, Target
from bench.fuzz.inputs import (
    any_text,
    chat_text,
    garbage_bytes,
    headers_noise,
    json_bytes,
    json_values,
)
from bench.fuzz.serving import (
    AGENT_PASSWORD,
    AGENT_USERNAME,
    WECHAT_ACCOUNT,
    WECHAT_APP_ID,
    WECHAT_TOKEN,
    BoundaryAgent,
    FuzzEnvironment,
    LoopThread,
    SocketClient,
    SocketClosed,
    build_app,
    open_handoff,
    write_credentials,
)
from bot.channels.wechat.security import sign

SOCKET_PREFIX = "/webhooks/socketio"
SESSION_HEADER = "X-Widget-Session"
CONSOLE_API = "/webhooks/console/api"
CSRF = {"X-Requested-With": "shouhou-console"}
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff\xe0"
_WEBP = b"RIFF\x00\x00\x00\x00WEBP"


def _strip_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers aiohttp can send (no CR/LF, which it refuses before sending)."""
    return {k: v for k, v in headers.items() if "\r" not in v and "\n" not in v}


@dataclass
class Surfaces:
    """The served apps and what the drivers share (sessions, cookie, photo ids)."""

    loop: LoopThread
    env: FuzzEnvironment
    base: str
    safe_base: str
    agent: BoundaryAgent
    socket: SocketClient | None = None
    photo_ids: tuple[str, ...] = ()
    photo_links: tuple[str, ...] = ()
    signed_in: bool = False

    @property
    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP client (on the servers' loop)."""
        assert self.loop.http is not None
        return self.loop.http

    async def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """One request; a 5xx or a dropped connection is a :class:`Finding`.

        A generated ``Cookie`` header that aiohttp cannot merge with the request's cookies
        (it parses the header to add them, and refuses keys such as ``?``) cannot be sent
        by this client: the request goes without it.
        """
        sent = _strip_headers(headers or {})
        try:
            try:
                status, body = await self._send(method, url, data, sent, params, cookies)
            except CookieError:
                sent = {k: v for k, v in sent.items() if k.lower() != "cookie"}
                status, body = await self._send(method, url, data, sent, params, cookies)
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as error:
            raise Finding(f"{method} {url}: connection dropped ({error!r})") from error
        if status >= 500:
            raise Finding(f"{method} {url}: HTTP {status} {body[:300]!r}")
        return status, body

    async def _send(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        params: dict[str, str] | None,
        cookies: dict[str, str] | None,
    ) -> tuple[int, bytes]:
        async with self.http.request(
            method, url, data=data, headers=headers, params=params, cookies=cookies,
            allow_redirects=False,
        ) as reply:  # fmt: skip
            return reply.status, await reply.read()

    async def widget(self) -> SocketClient:
        """The shared widget connection, (re)connected with a fresh session."""
        if self.socket is None:
            self.socket = SocketClient(self.http, self.base, "/socket.io/")
        if self.socket.ws is None or self.socket.ws.closed or self.socket.session_id is None:
            try:
                await self.socket.connect()
            except (SocketClosed, TimeoutError, aiohttp.ClientError) as error:
                raise Finding(f"socket.io connection refused: {error!r}") from error
        return self.socket

    async def sign_in(self) -> None:
        """Sign the fuzz agent in (the cookie stays in the shared jar)."""
        status, body = await self.request(
            "POST", f"{self.base}{CONSOLE_API}/login", headers=CSRF,
            data=json.dumps({"username": AGENT_USERNAME, "password": AGENT_PASSWORD}).encode(),
        )  # fmt: skip
        self.signed_in = status == 200
        if not self.signed_in:
            raise Finding(f"the fuzz agent cannot sign in: {status} {body[:200]!r}")


def start_surfaces(loop: LoopThread, env: FuzzEnvironment) -> Surfaces:
    """Serve the channels (plain WeChat) and a second app with WeChat in safe mode."""
    agent = BoundaryAgent()
    plain = write_credentials(env.root / "credentials.yml", safe_mode=False, aes_key=env.aes_key)
    safe = write_credentials(env.root / "credentials.safe.yml", safe_mode=True, aes_key=env.aes_key)
    base = loop.serve(build_app(plain, agent))
    safe_base = loop.serve(build_app(safe, agent))
    surfaces = Surfaces(loop, env, base, safe_base, agent)
    loop.call(_seed_photos(surfaces))
    return surfaces


async def _seed_photos(s: Surfaces) -> None:
    """Two photos uploaded the legitimate way, for metadata and GET uploads/<id>."""
    sock = await s.widget()
    ids, links = [], []
    for _ in range(2):
        body, content_type = multipart(
            [("session_id", (sock.session_id or "").encode(), None, None),
             ("photo", sample_images()[0], "a.png", "image/png")]
        )  # fmt: skip
        status, body = await s.request(
            "POST", f"{s.base}{SOCKET_PREFIX}/upload", data=body,
            headers={"Content-Type": content_type},
        )  # fmt: skip
        if status != 201:
            raise Finding(f"a legitimate upload was refused: {status} {body[:200]!r}")
        stored = json.loads(body)
        ids.append(str(stored["id"]))
        links.append(str(stored["url"]).partition("?")[2])
    s.photo_ids, s.photo_links = tuple(ids), tuple(links)


# --- REST -------------------------------------------------------------------------------------


_CHANNELS = ["socketio", "wechat", "console"]
_SENDERS = st.from_regex(r"[A-Za-z0-9_.:@+=-]{1,130}", fullmatch=True)


def _rest_strategy() -> st.SearchStrategy[Any]:
    body = st.one_of(
        st.fixed_dictionaries(
            {"sender": st.one_of(_SENDERS, _SENDERS, any_text(), json_values()),
             "message": st.one_of(chat_text(), chat_text(), json_values())},
            optional={
                "metadata": json_values(),
                "input_channel": st.one_of(st.sampled_from(_CHANNELS), any_text()),
                "stream": json_values(),
            },
        ).map(json_bytes),
        json_values().map(json_bytes),
        garbage_bytes(),
    )  # fmt: skip
    params: st.SearchStrategy[dict[str, str]] = st.one_of(
        st.just({}),
        st.fixed_dictionaries({"stream": st.sampled_from(["true", "false", "1", "yes", "x"])}),
        st.dictionaries(st.sampled_from(["stream", "token", "sender"]), chat_text(), max_size=2),
    )
    auth = st.sampled_from(["legit", "legit", "none", "garbage"])
    return st.tuples(body, params, auth, headers_noise())


def _rest(s: Surfaces) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        body, params, auth, headers = value
        headers = {"Content-Type": "application/json", **headers}
        token = _rest_token()
        if auth == "legit" and token:
            headers["Authorization"] = f"Bearer {token}"
        elif auth == "garbage":
            headers["Authorization"] = "Bearer " + secrets.token_hex(8)
        params = {k: v for k, v in params.items() if "\x00" not in v}
        status, _ = s.loop.call(
            s.request("POST", f"{s.base}/webhooks/rest/webhook", data=body, headers=headers,
                      params=params)
        )  # fmt: skip
        return str(status)

    return check


def _rest_token() -> str | None:
    """The REST channel's token if the settings have one (server-to-server REST)."""
    from bot.settings import get_settings

    settings = get_settings()
    for name in ("rest_token", "rest_channel_token", "rest_api_token"):
        value = getattr(settings, name, None)
        if value:
            return str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)
    return None


# --- socket.io --------------------------------------------------------------------------------


def _session_request_strategy() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries({"session_id": st.one_of(any_text(), json_values())}),
        st.fixed_dictionaries({"session_id": st.just("current")}),
        json_values(),
    )


def _session_request(s: Surfaces) -> Callable[[Any], str]:
    async def drive(value: Any) -> str:
        sock = await s.widget()
        if isinstance(value, dict) and value.get("session_id") == "current":
            value = {"session_id": sock.session_id}
        try:
            await sock.emit("session_request", value)
            await sock.barrier()
        except (SocketClosed, TimeoutError, aiohttp.ClientError) as error:
            await sock.close()
            return _closed(error)
        confirmed = [d for d in sock.received if d.startswith('42["session_confirm"')]
        sock.received.clear()
        if confirmed:
            sock.session_id = str(json.loads(confirmed[-1][2:])[1])
            return "confirmed"
        return "refused"

    return lambda value: s.loop.call(drive(value))


def _closed(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        raise Finding("the socket.io server stopped answering") from error
    return "closed_by_server"


def _user_uttered_strategy() -> st.SearchStrategy[Any]:
    hexid = st.text(alphabet="0123456789abcdef", min_size=16, max_size=64)
    metadata = st.one_of(
        json_values(),
        st.fixed_dictionaries({"photo_id": st.sampled_from(["seed0", "seed1"])}),
        st.fixed_dictionaries(
            {"photo_id": st.one_of(hexid, any_text(), json_values())},
            optional={"photo": json_values(), "extra": json_values()},
        ),
    )
    message = st.fixed_dictionaries(
        {"message": st.one_of(chat_text(), json_values()),
         "session_id": st.one_of(st.just("current"), st.just("current"), any_text(),
                                 json_values())},
        optional={"message_id": st.one_of(hexid, any_text(), json_values()), "metadata": metadata,
                  "customData": json_values()},
    )  # fmt: skip
    return st.one_of(message, message, json_values())


def _user_uttered(s: Surfaces) -> Callable[[Any], str]:
    async def drive(value: Any) -> str:
        sock = await s.widget()
        if isinstance(value, dict):
            value = dict(value)
            if value.get("session_id") == "current":
                value["session_id"] = sock.session_id
            meta = value.get("metadata")
            if (
                isinstance(meta, dict)
                and meta.get("photo_id") in ("seed0", "seed1")
                and s.photo_ids
            ):
                meta = {
                    **meta,
                    "photo_id": s.photo_ids[int(meta["photo_id"][-1]) % len(s.photo_ids)],
                }
                value["metadata"] = meta
        before = s.agent.messages
        try:
            await sock.emit("user_uttered", value)
            await sock.barrier()
        except (SocketClosed, TimeoutError, aiohttp.ClientError) as error:
            await sock.close()
            return _closed(error)
        sock.received.clear()
        return "to_assistant" if s.agent.messages > before else "answered_by_channel"

    return lambda value: s.loop.call(drive(value))


def _frames_strategy() -> st.SearchStrategy[Any]:
    prefix = st.sampled_from(["", "4", "42", "42/", "43", "44", "45", "451-", "40", "41", "2",
                              "3", "6", "5", "420", "42[", "4[", "9"])  # fmt: skip
    text_frame = st.tuples(prefix, st.one_of(chat_text(), json_values().map(json.dumps)))
    return st.one_of(
        text_frame.map(lambda p: p[0] + p[1]),
        st.binary(max_size=200),
        st.builds(lambda e, d: "42" + json.dumps([e, d]),
                  st.one_of(st.sampled_from(["session_request", "user_uttered", "connect",
                                             "disconnect", "message"]), any_text()),
                  json_values()),
    )  # fmt: skip


def _frames(s: Surfaces) -> Callable[[Any], str]:
    async def drive(frame: Any) -> str:
        sock = await s.widget()
        try:
            await sock.send(frame)
            await sock.barrier()
        except (SocketClosed, aiohttp.ClientError) as error:
            await sock.close()
            return _closed(error)
        except TimeoutError:
            # A frame may leave this connection waiting (a binary event "45..." makes the
            # server wait for its attachments): a finding only if a new connection hangs too.
            await sock.close()
            sock = await s.widget()
            try:
                await sock.barrier()
            except (SocketClosed, TimeoutError, aiohttp.ClientError) as error:
                raise Finding("the socket.io server stopped answering new connections") from error
            return "connection_left_waiting"
        sock.received.clear()
        return "kept_open"

    return lambda value: s.loop.call(drive(value))


# --- uploads ----------------------------------------------------------------------------------


def sample_images() -> list[bytes]:
    """Small valid PNG, JPEG (with EXIF) and WebP photos, made with Pillow."""
    from PIL import Image

    images = []
    for fmt, mode in (("PNG", "RGB"), ("PNG", "P"), ("JPEG", "RGB"), ("WEBP", "RGB")):
        image = Image.new(mode, (3, 2), color=7)
        buffer = io.BytesIO()
        if fmt == "JPEG":
            exif = Image.Exif()
            exif[0x0112] = 6  # orientation
            exif[0x010F] = "fuzz camera"
            image.save(buffer, fmt, exif=exif)
        else:
            image.save(buffer, fmt)
        images.append(buffer.getvalue())
    return images


def _mutated(value: tuple[bytes, int, int, int, bytes]) -> bytes:
    image, at, byte, cut, tail = value
    data = bytearray(image)
    data[at % len(data)] = byte
    return bytes(data[: max(cut, 1)]) + tail


def _photos() -> st.SearchStrategy[bytes]:
    images = st.sampled_from(sample_images())
    return st.one_of(
        images,
        st.tuples(images, st.integers(0, 10**6), st.integers(0, 255),
                  st.integers(0, 4000), st.binary(max_size=40)).map(_mutated),
        st.tuples(st.sampled_from([_PNG, _JPEG, _WEBP, b""]), st.binary(max_size=400)).map(
            lambda p: p[0] + p[1]
        ),
        st.binary(max_size=400),
    )  # fmt: skip


def _upload_strategy() -> st.SearchStrategy[Any]:
    photo = _photos()
    session = st.sampled_from(["form", "form", "header", "both", "none", "garbage_form",
                               "garbage_header"])  # fmt: skip
    multipart = st.fixed_dictionaries(
        {"kind": st.just("form"), "photo": st.one_of(photo, photo, st.none()),
         "session": session, "session_text": any_text(), "filename": any_text(),
         "content_type": st.sampled_from(["image/png", "image/jpeg", "text/html",
                                          "application/octet-stream", ""])},
        optional={"extra": st.dictionaries(st.text(max_size=8), any_text(), max_size=3)},
    )  # fmt: skip
    raw = st.fixed_dictionaries(
        {"kind": st.just("raw"), "body": garbage_bytes(), "headers": headers_noise(),
         "session": session, "session_text": any_text()}
    )  # fmt: skip
    fetch = st.fixed_dictionaries(
        {"kind": st.just("get"),
         "photo_id": st.one_of(st.sampled_from(["seed0", "seed1"]), any_text()),
         "session": st.sampled_from(["header", "link", "link_other_id", "none", "garbage_header",
                                     "garbage_link"]),
         "session_text": any_text()}
    )  # fmt: skip
    return st.one_of(multipart, multipart, raw, fetch)


def _upload(s: Surfaces) -> Callable[[Any], str]:
    url = f"{s.base}{SOCKET_PREFIX}"

    async def drive(value: dict[str, Any]) -> str:
        sock = await s.widget()
        token, mode, garbage = sock.session_id or "", value["session"], _utf8(value["session_text"])
        headers: dict[str, str] = {}
        if mode in ("header", "both"):
            headers[SESSION_HEADER] = token
        elif mode == "garbage_header":
            headers[SESSION_HEADER] = garbage
        if value["kind"] == "get":
            photo_id = value["photo_id"]
            params: dict[str, str] = {}
            if photo_id in ("seed0", "seed1") and s.photo_ids:
                number = int(photo_id[-1]) % len(s.photo_ids)
                photo_id = s.photo_ids[number]
                if mode in ("link", "link_other_id"):
                    params = dict(parse_qsl(s.photo_links[number]))
                if mode == "link_other_id":
                    photo_id = s.photo_ids[(number + 1) % len(s.photo_ids)]
            if mode == "garbage_link":
                params = {"exp": garbage, "sig": garbage[::-1]}
            status, _ = await s.request(
                "GET", f"{url}/uploads/{_segment(photo_id)}", params=params, headers=headers
            )
            return f"get_{status}"
        if value["kind"] == "raw":
            headers = {"Content-Type": "multipart/form-data; boundary=zz", **value["headers"],
                       **headers}  # fmt: skip
            status, _ = await s.request(
                "POST", f"{url}/upload", data=value["body"], headers=headers
            )
            return f"raw_{status}"
        parts: list[tuple[str, bytes, str | None, str | None]] = []
        if mode in ("form", "both"):
            parts.append(("session_id", token.encode(), None, None))
        elif mode == "garbage_form":
            parts.append(("session_id", _raw(value["session_text"]), None, None))
        for name, text in (value.get("extra") or {}).items():
            parts.append((name, _raw(text), None, None))
        if value["photo"] is not None:
            parts.append(("photo", value["photo"], value["filename"], value["content_type"]))
        body, content_type = multipart(parts)
        headers["Content-Type"] = content_type
        status, _ = await s.request("POST", f"{url}/upload", data=body, headers=headers)
        return f"post_{status}"

    return lambda value: s.loop.call(drive(value))


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def multipart(parts: list[tuple[str, bytes, str | None, str | None]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its ``Content-Type``, written byte by byte.

    Names and file names are not escaped, as a hostile client may send them.
    """
    boundary = secrets.token_hex(12)
    chunks = []
    for name, data, filename, content_type in parts:
        disposition = b'Content-Disposition: form-data; name="' + _raw(name) + b'"'
        if filename is not None:
            disposition += b'; filename="' + _raw(filename) + b'"'
        head = disposition + (b"\r\nContent-Type: " + _raw(content_type) if content_type else b"")
        chunks.append(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n")
    chunks.append(b"--" + boundary.encode() + b"--\r\n")
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _utf8(text: str) -> str:
    """``text`` without lone surrogates (multipart fields are encoded as UTF-8 by the client)."""
    return text.encode("utf-8", "replace").decode("utf-8")


# --- WeChat -----------------------------------------------------------------------------------


_MSG_TYPES = ["text", "image", "voice", "event", "location", "link", "video", "shortvideo", "TEXT"]
_EVENTS = ["subscribe", "unsubscribe", "CLICK", "VIEW", "SCAN", "LOCATION", "click"]


def _wechat_fields() -> st.SearchStrategy[dict[str, Any]]:
    def field(values: list[str] | None = None) -> st.SearchStrategy[str]:
        fuzzed = chat_text()
        return st.one_of(st.sampled_from(values), fuzzed) if values else fuzzed

    return st.fixed_dictionaries(
        {"ToUserName": field([WECHAT_ACCOUNT]),
         "FromUserName": field(["o-fuzz-user-1", "o-fuzz-user-2"]),
         "MsgType": field(_MSG_TYPES),
         "CreateTime": st.one_of(st.just("now"), field())},
        optional={"MsgId": st.one_of(st.integers(0, 2**64).map(str), st.sampled_from(["1", "2"]),
                                     field()),
                  "Content": chat_text(), "Event": field(_EVENTS),
                  "EventKey": field(["MENU_REPAIR", "MENU_PROGRESS", "MENU_HUMAN", ""]),
                  "MediaId": field(), "PicUrl": field(), "Recognition": chat_text(),
                  "Nested": st.just("<a><b>1</b></a>"), "Content ": field()},
    )  # fmt: skip


def _xml(fields: dict[str, Any]) -> bytes:
    parts = ["<xml>"]
    for name, value in fields.items():
        if name == "Nested":
            parts.append(f"<Content>{value}</Content>")
            continue
        if value == "now":
            value = str(int(time.time()))
        tag = name.strip() or "x"
        parts.append(f"<{tag}><![CDATA[{value}]]></{tag}>")
    parts.append("</xml>")
    return "".join(parts).encode("utf-8", "surrogatepass")


_CLOCK = st.sampled_from(["now", "now", "now", "old", "future", "garbage", "missing"])
_SIGNATURE = st.sampled_from(["legit", "legit", "legit", "bad", "missing"])


def _wechat_query(clock: str, signature: str) -> dict[str, str]:
    now = int(time.time())
    timestamp = {"now": str(now), "old": str(now - 86_400), "future": str(now + 86_400),
                 "garbage": "tomorrow", "missing": ""}[clock]  # fmt: skip
    nonce = secrets.token_hex(6)
    query = {"timestamp": timestamp, "nonce": nonce}
    if signature == "legit":
        query["signature"] = sign(WECHAT_TOKEN, timestamp, nonce)
    elif signature == "bad":
        query["signature"] = secrets.token_hex(20)
    return {k: v for k, v in query.items() if v}


def _plain_strategy() -> st.SearchStrategy[Any]:
    body = st.one_of(_wechat_fields().map(_xml), _wechat_fields().map(_xml), garbage_bytes())
    encrypt_type = st.sampled_from([None, None, None, "raw", "aes", "AES", "x"])
    return st.tuples(body, _CLOCK, _SIGNATURE, encrypt_type)


def _wechat_plain(s: Surfaces) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        body, clock, signature, encrypt_type = value
        query = _wechat_query(clock, signature)
        if encrypt_type is not None:
            query["encrypt_type"] = encrypt_type
        status, _ = s.loop.call(
            s.request("POST", f"{s.base}/webhooks/wechat/webhook", data=body, params=query,
                      headers={"Content-Type": "text/xml"})
        )  # fmt: skip
        return str(status)

    return check


def _safe_strategy() -> st.SearchStrategy[Any]:
    mode = st.sampled_from(
        ["encrypted", "encrypted", "encrypted", "plain_body", "no_encrypt_type",
         "bad_msg_signature", "garbage_ciphertext", "other_app_id", "garbage_body"]
    )  # fmt: skip
    return st.tuples(_wechat_fields().map(_xml), mode, _CLOCK, _SIGNATURE, any_text(),
                     garbage_bytes())  # fmt: skip


def _wechat_safe(s: Surfaces) -> Callable[[Any], str]:
    crypto = WeChatCrypto(WECHAT_TOKEN, s.env.aes_key, WECHAT_APP_ID)
    stranger = WeChatCrypto(WECHAT_TOKEN, s.env.aes_key, "wxsomeoneelse0001")

    def check(value: Any) -> str:
        xml, mode, clock, signature, text, garbage = value
        query = _wechat_query(clock, signature)
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        body: bytes = xml
        if mode != "no_encrypt_type":
            query["encrypt_type"] = "aes"
        if mode in ("encrypted", "bad_msg_signature", "other_app_id", "garbage_ciphertext"):
            if mode == "garbage_ciphertext":
                encrypted = _utf8(text) or "x"
            else:
                plain = xml.decode("utf-8", "replace")
                sealed = (stranger if mode == "other_app_id" else crypto).encrypt_message(
                    plain, nonce or "n", timestamp or "0"
                )
                encrypted = xmltodict.parse(sealed)["xml"]["Encrypt"]
            query["msg_signature"] = (
                secrets.token_hex(20)
                if mode == "bad_msg_signature"
                else sign(WECHAT_TOKEN, timestamp or "0", nonce or "n", encrypted)
            )
            body = (
                f"<xml><ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            ).encode()
        elif mode == "garbage_body":
            body = garbage
        status, _ = s.loop.call(
            s.request("POST", f"{s.safe_base}/webhooks/wechat/webhook", data=body, params=query,
                      headers={"Content-Type": "text/xml"})
        )  # fmt: skip
        return f"{mode}_{status}"

    return check


# --- the console ------------------------------------------------------------------------------

_CONSOLE_ROUTES = (
    ("GET", "/me"), ("GET", "/choices"), ("GET", "/queue"),
    ("POST", "/handoffs/{id}/claim"), ("GET", "/handoffs/{id}/transcript"),
    ("POST", "/handoffs/{id}/messages"), ("POST", "/handoffs/{id}/return"),
    ("POST", "/handoffs/{id}/close"), ("POST", "/handoffs/{id}/ticket"),
    ("GET", "/photos/{name}"), ("GET", "/tickets"), ("GET", "/tickets/{no}"),
    ("POST", "/tickets/{no}/status"),
)  # fmt: skip


def _ticket_form() -> st.SearchStrategy[dict[str, Any]]:
    keys = ["device_model", "serial_number", "purchase_date", "fault_description",
            "service_type", "city", "contact_phone", "fault_category", "status", "note",
            "tracking_no", "courier", "text"]  # fmt: skip
    return st.dictionaries(st.one_of(st.sampled_from(keys), any_text()),
                           st.one_of(chat_text(), json_values()), max_size=9)  # fmt: skip


def _console_strategy() -> st.SearchStrategy[Any]:
    body = st.one_of(_ticket_form().map(json_bytes), _ticket_form().map(json_bytes),
                     json_values().map(json_bytes), garbage_bytes())  # fmt: skip
    handoff = st.one_of(st.integers(0, 40), st.integers(0, 40),
                        st.integers(-(2**70), 2**70), any_text())  # fmt: skip
    ticket = st.one_of(st.sampled_from(["R000001", "r-000001", "R1"]), any_text())
    return st.tuples(
        st.sampled_from(range(len(_CONSOLE_ROUTES))),
        handoff,
        ticket,
        body,
        st.sampled_from(["legit", "legit", "legit", "missing", "wrong"]),
        st.sampled_from(["legit", "legit", "legit", "none", "garbage"]),
        st.dictionaries(st.sampled_from(["after", "q"]), any_text(), max_size=2),
    )


def _segment(value: Any) -> str:
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def _console(s: Surfaces) -> Callable[[Any], str]:
    count = 0

    async def drive(value: Any) -> str:
        nonlocal count
        route, handoff, ticket, body, csrf, cookie, params = value
        count += 1
        if count % 25 == 0:  # keep conversations in the queue for claims
            open_handoff(s.env)
        if not s.signed_in:
            await s.sign_in()
        method, path = _CONSOLE_ROUTES[route]
        path = path.format(id=_segment(handoff), no=_segment(ticket), name=_segment(ticket))
        headers = {"Content-Type": "application/json"}
        if csrf == "legit":
            headers.update(CSRF)
        elif csrf == "wrong":
            headers["X-Requested-With"] = "XMLHttpRequest"
        cookies = None
        if cookie == "none":
            cookies = {"shouhou_console": ""}
        elif cookie == "garbage":
            cookies = {"shouhou_console": secrets.token_urlsafe(16)}
        params = {k: _utf8(v) for k, v in params.items() if "\x00" not in v}
        status, _ = await s.request(
            method, f"{s.base}{CONSOLE_API}{path}", data=body if method == "POST" else None,
            headers=headers, params=params, cookies=cookies,
        )  # fmt: skip
        if status == 401 and cookie == "legit":
            s.signed_in = False  # signed out by a timeout or a logout: sign in again
        return f"{method} {path.split('/')[1]} {status}"

    return lambda value: s.loop.call(drive(value))


def _login_strategy() -> st.SearchStrategy[Any]:
    creds = st.fixed_dictionaries(
        {"username": st.one_of(st.just(AGENT_USERNAME), any_text(), json_values()),
         "password": st.one_of(any_text(), json_values())}
    )  # fmt: skip
    body = st.one_of(creds.map(json_bytes), json_values().map(json_bytes), garbage_bytes())
    return st.tuples(body, st.sampled_from(["legit", "legit", "missing"]), headers_noise())


def _login(s: Surfaces) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        body, csrf, headers = value
        headers = {"Content-Type": "application/json", **headers}
        if csrf == "legit":
            headers.update(CSRF)
        status, _ = s.loop.call(
            s.request("POST", f"{s.base}{CONSOLE_API}/login", data=body, headers=headers,
                      cookies={"shouhou_console": ""})
        )  # fmt: skip
        return str(status)

    return check


# --- the targets ------------------------------------------------------------------------------

_Factory = Callable[[Surfaces], Callable[[Any], str]]
_SURFACES: tuple[tuple[str, str, Callable[[], st.SearchStrategy[Any]], _Factory], ...] = (
    ("rest", "POST /webhooks/rest/webhook: JSON bodies of every shape, garbage bytes, "
     "stream=, tokens; Rasa's RestInput to the agent boundary", _rest_strategy, _rest),
    ("socketio_session_request", "socket.io session_request over a real websocket: any "
     "session_id (the current one, forged, non-strings)", _session_request_strategy,
     _session_request),
    ("socketio_user_uttered", "socket.io user_uttered: any message, session_id, "
     "message_id, metadata (photo ids of this or no session)", _user_uttered_strategy,
     _user_uttered),
    ("socketio_frames", "raw Engine.IO/socket.io frames on the widget's websocket",
     _frames_strategy, _frames),
    ("upload", "POST /webhooks/socketio/upload (multipart with any photo bytes, session, "
     "fields; broken multipart) and GET uploads/<id>", _upload_strategy, _upload),
    ("wechat_plain", "POST /webhooks/wechat/webhook, plain mode: any XML fields and message "
     "types, garbage bodies, current/old/forged signatures", _plain_strategy, _wechat_plain),
    ("wechat_safe", "the same in safe mode: AES-encrypted as WeChat does, plain bodies, "
     "forged msg_signature, garbage ciphertext, another app id", _safe_strategy, _wechat_safe),
    ("console_api", "the console API signed in (and not): every route, any path ids, JSON "
     "bodies (ticket forms, status changes, replies), missing CSRF", _console_strategy,
     _console),
    ("console_login", "POST /webhooks/console/api/login: any body and credentials",
     _login_strategy, _login),
)  # fmt: skip

SURFACE_NAMES = tuple(name for name, *_ in _SURFACES)


def surface_targets(surfaces: Surfaces, names: set[str] | None = None) -> list[Target]:
    """The surface targets (those in ``names`` if given), bound to the running servers."""
    return [
        Target(name, "surface", covers, strategy(), factory(surfaces))
        for name, covers, strategy, factory in _SURFACES
        if names is None or name in names
    ]


def run_on(loop: LoopThread, coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on the servers' loop (for callers outside this module)."""
    return loop.call(coro)
