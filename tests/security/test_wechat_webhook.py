"""Attacks on the WeChat webhook, against Rasa's own app with the ``wechat`` channel.

- Safe mode (an EncodingAESKey) used to read a body without ``encrypt_type`` as plain XML:
  with one signed URL (from a log, a proxy, a browser history) anyone could post a message
  from any ``FromUserName``. WeChat's query signature does not cover the body.
- A signature's timestamp was never checked, so a logged URL (and a logged encrypted
  message) worked forever: once the retry memory (``WECHAT_DEDUP_TTL``) forgot the message,
  a replay was processed again.
- The 128 KiB limit was checked after Sanic had read the whole body (up to 100 MB).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import xmltodict
from pydantic import ValidationError

from bot.channels.wechat.channel import MAX_BODY_BYTES
from bot.settings import Settings
from tests.channels.wechat_fakes import (
    ACCOUNT,
    TOKEN,
    FakeWeChatApi,
    WeChatClient,
    _signature,
    message_xml,
    wechat_input,
)
from tests.security.rasa_app import RecordingAgent, raw_request, serve_rasa

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

VICTIM = "oVictim-openid-000000000001"
WEBHOOK = "/webhooks/wechat/webhook"
MAX_AGE = 300


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def wechat() -> Iterator[FakeWeChatApi]:
    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()


@asynccontextmanager
async def webhook(
    fake: FakeWeChatApi, *, safe: bool
) -> AsyncIterator[tuple[WeChatClient, RecordingAgent, int]]:
    """Rasa's app with the wechat channel; yields a WeChat-like client, the agent and the port."""
    channel = wechat_input(fake, safe=safe, signature_max_age=MAX_AGE)
    agent = RecordingAgent()
    async with serve_rasa([channel], agent) as url, aiohttp.ClientSession() as session:
        yield WeChatClient(session, url + WEBHOOK, safe=safe), agent, int(url.rsplit(":", 1)[1])


def signed_at(timestamp: int, **extra: str) -> dict[str, str]:
    """A query WeChat signed at ``timestamp``, as it appears in an access log."""
    stamp, nonce = str(timestamp), f"n{timestamp}"
    return {
        "signature": _signature(TOKEN, stamp, nonce),
        "timestamp": stamp,
        "nonce": nonce,
        "openid": VICTIM,
        **extra,
    }


def encrypted_at(client: WeChatClient, xml: str, timestamp: int) -> tuple[str, dict[str, str]]:
    """A genuine safe-mode message (body and query) WeChat sent at ``timestamp``."""
    query = signed_at(timestamp, encrypt_type="aes")
    envelope = client.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
    encrypted = xmltodict.parse(envelope)["xml"]["Encrypt"]
    query["msg_signature"] = _signature(TOKEN, query["timestamp"], query["nonce"], encrypted)
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return body, query


def forged(text: str = "取消我的工单") -> str:
    return message_xml("text", openid=VICTIM, Content=text)


# --- safe mode: nothing but encrypted messages ------------------------------------------------


async def test_forged_plain_xml_with_a_signed_url_is_refused_in_safe_mode(
    wechat: FakeWeChatApi,
) -> None:
    async with webhook(wechat, safe=True) as (client, agent, _):
        now = int(time.time())
        # a valid, fresh query signature (from a log) with a plain body of the attacker's
        for query in [
            signed_at(now),
            signed_at(now, encrypt_type="raw"),
            signed_at(now, encrypt_type=""),
            signed_at(now, encrypt_type="AES"),
        ]:
            reply = await client.post_raw(forged(), query)
            assert reply.status == 403, query
        # encrypt_type=aes without a msg_signature, a plain body: refused, never read as XML
        reply = await client.post_raw(forged(), signed_at(now, encrypt_type="aes"))
        assert reply.status in (400, 403)
        # a real encrypted message whose msg_signature is dropped
        body, query = encrypted_at(client, forged(), now)
        del query["msg_signature"]
        assert (await client.post_raw(body, query)).status == 403
        assert agent.received == []
        # WeChat's own encrypted message still goes through
        reply = await client.post(message_xml("text", Content="你好"))
        assert reply.status == 200 and reply.content == "收到：你好"
    assert [m.text for m in agent.received] == ["你好"]


# --- replays: a signature is good for five minutes ---------------------------------------------


@pytest.mark.parametrize("safe", [True, False], ids=["safe", "plain"])
async def test_a_logged_signed_url_cannot_be_replayed_later(
    wechat: FakeWeChatApi, safe: bool
) -> None:
    async with webhook(wechat, safe=safe) as (client, agent, _):
        now = int(time.time())
        for stamp in [now - MAX_AGE - 5, now - 86_400, now + MAX_AGE + 60, 0]:
            if safe:  # a genuine encrypted message of the victim's, captured at `stamp`
                body, query = encrypted_at(client, forged(), stamp)
            else:  # a URL from the log, with the attacker's body
                body, query = forged(), signed_at(stamp)
            reply = await client.post_raw(body, query)
            assert reply.status == 403, stamp
            # the server verification (GET echostr) refuses it too
            echo = {**signed_at(stamp), "echostr": "pwned"}
            async with client._session.get(client.url + "?" + urlencode(echo)) as answer:
                assert (answer.status, await answer.text()) == (403, "forbidden")
        # junk timestamps signed correctly
        for stamp_text in ["", "abc", "１７００００００００", "-1", str(now) + "0" * 20]:
            query = {
                "signature": _signature(TOKEN, stamp_text, "n"),
                "timestamp": stamp_text,
                "nonce": "n",
            }
            assert (await client.post_raw(forged(), query)).status == 403, stamp_text
        assert agent.received == []
        # within the window, a genuine message is processed once; its replays only get the
        # same answer back (the retry memory outlives the window)
        if safe:
            body, query = encrypted_at(client, message_xml("text", Content="查进度"), now - 60)
        else:
            body, query = message_xml("text", Content="查进度"), signed_at(now - 60)
        first = await client.post_raw(body, query)
        replays = [await client.post_raw(body, query) for _ in range(3)]
        assert first.status == 200 and first.content == "收到：查进度"
        assert {(r.status, r.content) for r in replays} == {(200, "收到：查进度")}
    assert [m.text for m in agent.received] == ["查进度"]


def test_the_signature_window_must_fit_in_the_retry_memory() -> None:
    with pytest.raises(ValidationError, match="WECHAT_SIGNATURE_MAX_AGE"):
        Settings(wechat_dedup_ttl=300, wechat_signature_max_age=600)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(wechat_signature_max_age=5)  # type: ignore[call-arg]
    assert Settings().wechat_signature_max_age == 300  # type: ignore[call-arg]


# --- bodies: limited before they are read -------------------------------------------------------


def post_head(port: int, query: dict[str, str], *headers: str) -> bytes:
    lines = [f"POST {WEBHOOK}?{urlencode(query)} HTTP/1.1", "Host: x", *headers, "", ""]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
async def test_a_declared_oversize_body_is_refused_without_reading_it(
    wechat: FakeWeChatApi, signed: bool
) -> None:
    async with webhook(wechat, safe=True) as (client, agent, port):
        query = signed_at(int(time.time()), encrypt_type="aes") if signed else {}
        started = time.monotonic()
        # headers only: the 10 MB body is never sent, so a server waiting for it never answers
        answer = await raw_request(
            port, post_head(port, query, "Content-Length: 10000000"), timeout=5
        )
        assert answer.startswith(b"HTTP/1.1 413" if signed else b"HTTP/1.1 403"), answer
        assert time.monotonic() - started < 5
        # just over the limit, with "Expect: 100-continue": no invitation to send it
        answer = await raw_request(
            port,
            post_head(port, query, f"Content-Length: {MAX_BODY_BYTES + 1}", "Expect: 100-continue"),
            timeout=5,
        )
        assert b"100 Continue" not in answer
        assert answer.startswith(b"HTTP/1.1 413" if signed else b"HTTP/1.1 403"), answer
        # the server keeps serving
        assert (await client.post(message_xml("text", Content="你好"))).status == 200
    assert [m.text for m in agent.received] == ["你好"]


async def test_a_chunked_oversize_body_is_refused_once_past_the_limit(
    wechat: FakeWeChatApi,
) -> None:
    async with webhook(wechat, safe=True) as (client, agent, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = post_head(
            port, signed_at(int(time.time()), encrypt_type="aes"), "Transfer-Encoding: chunked"
        )
        writer.write(head)
        piece = b"<xml>" + b"x" * (16 * 1024 - 5)
        sent = 0
        answer = b""
        try:
            # 16 KiB chunks, the body never ends: the answer must come once 128 KiB are passed
            while sent < 4 * MAX_BODY_BYTES:
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                await writer.drain()
                sent += len(piece)
                try:
                    answer = await asyncio.wait_for(reader.read(65536), 0.2)
                except asyncio.TimeoutError:
                    continue
                break
        except ConnectionError:  # closed by the server: its answer was read or is waiting
            answer = answer or await asyncio.wait_for(reader.read(65536), 2)
        finally:
            writer.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert b"connection: close" in answer.lower()
        assert MAX_BODY_BYTES < sent <= MAX_BODY_BYTES + 3 * len(piece)
        assert (await client.post(message_xml("text", Content="你好"))).status == 200
    assert [m.text for m in agent.received] == ["你好"]


async def test_a_normal_message_fits_and_a_larger_global_limit_does_not_widen_it(
    wechat: FakeWeChatApi,
) -> None:
    # Rasa's app has REQUEST_MAX_SIZE = MAX_REQUEST_BYTES (1 MiB); the stream route keeps 128 KiB
    async with webhook(wechat, safe=False) as (client, agent, _):
        text = "屏" * 30_000  # 90 KB of XML: a long message, still under the limit
        reply = await client.post(message_xml("text", Content=text))
        assert reply.status == 200
        oversized: Any = message_xml("text", Content="屏" * 50_000)  # 150 KB
        too_big = await client.post_raw(oversized, client.signed_query(), expect100=True)
        assert too_big.status == 413
    assert [len(m.text) for m in agent.received] == [2000]  # cut to WECHAT_MAX_INPUT_CHARS
