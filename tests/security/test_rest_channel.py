"""Attacks on the REST channel, against Rasa's own app with the project's REST channel.

Before issue 15 the caller chose ``sender`` (so anyone knowing a WeChat openid or a widget
session id spoke as that person), could pass ``metadata`` (a photo with any storage key) and
``input_channel``, needed no token even in production, and a bad body was read into Rasa.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import pytest

from bot.channels.rest import ServerRestInput, rest_sender_id
from bot.channels.rest.body import MAX_BODY_BYTES, MAX_TEXT_CHARS
from bot.settings import get_settings
from tests.security.rasa_app import RecordingAgent, raw_request, serve_rasa

pytestmark = pytest.mark.anyio

TOKEN = "s2s-token-0123456789abcdef"
WECHAT_OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
WIDGET_SESSION = "3f2b8c9d0e1f4a5b6c7d8e9f0a1b2c3d"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Environment variables for ``get_settings``, read afresh."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


async def post(url: str, body: object | bytes, **headers: str) -> tuple[int, object]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/webhooks/rest/webhook", data=data, headers=headers) as r,
    ):
        return r.status, await r.json(content_type=None)


async def test_a_rest_caller_cannot_speak_as_a_wechat_user_or_widget_session() -> None:
    agent = RecordingAgent()
    async with serve_rasa([ServerRestInput()], agent) as url:
        for victim in (WECHAT_OPENID, WIDGET_SESSION):
            status, answer = await post(
                url,
                {
                    "sender": victim,
                    "message": "查一下我的工单",
                    "input_channel": "socketio",
                    "metadata": {"photo": {"key": "someone-elses-photo.jpg"}},
                },
            )
            assert status == 200
            assert answer == [{"recipient_id": f"rest:{victim}", "text": "收到：查一下我的工单"}]
    assert [m.sender_id for m in agent.received] == [
        rest_sender_id(WECHAT_OPENID),
        rest_sender_id(WIDGET_SESSION),
    ]
    for message in agent.received:
        assert message.sender_id not in (WECHAT_OPENID, WIDGET_SESSION)
        assert (message.input_channel, message.metadata) == ("rest", None)


async def test_production_without_a_token_keeps_the_channel_off(settings_env) -> None:
    settings_env.setenv("ENVIRONMENT", "production")
    settings_env.delenv("REST_TOKEN", raising=False)
    channel = ServerRestInput.from_credentials(None)
    agent = RecordingAgent()
    async with serve_rasa([channel], agent) as url:
        status, answer = await post(url, {"sender": "u1", "message": "你好"})
    assert status == 403
    assert isinstance(answer, dict) and "REST_TOKEN" in str(answer["error"])
    assert agent.received == []


async def test_a_configured_token_is_required(settings_env) -> None:
    settings_env.setenv("ENVIRONMENT", "production")
    settings_env.setenv("REST_TOKEN", TOKEN)
    agent = RecordingAgent()
    async with serve_rasa([ServerRestInput.from_credentials(None)], agent) as url:
        body = {"sender": "u1", "message": "你好"}
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-0123456789"},
            {"Authorization": TOKEN},
        ):
            status, answer = await post(url, body, **headers)
            assert status == 401, headers
            assert isinstance(answer, dict) and "Bearer" in str(answer["error"])
        assert agent.received == []
        status, answer = await post(url, body, Authorization=f"Bearer {TOKEN}")
    assert status == 200 and answer == [{"recipient_id": "rest:u1", "text": "收到：你好"}]
    assert [m.sender_id for m in agent.received] == ["rest:u1"]


async def test_the_token_is_checked_before_the_body_is_read() -> None:
    """A caller without the token cannot make the server read (or wait for) a body."""
    async with serve_rasa([ServerRestInput(token=TOKEN)], RecordingAgent()) as url:
        port = int(url.rsplit(":", 1)[1])
        head = (
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        answer = await raw_request(port, head)  # no body sent at all
    assert answer.startswith(b"HTTP/1.1 401")


async def test_development_without_a_token_keeps_the_readme_curl_working(settings_env) -> None:
    settings_env.setenv("ENVIRONMENT", "development")
    settings_env.delenv("REST_TOKEN", raising=False)
    async with serve_rasa([ServerRestInput.from_credentials(None)], RecordingAgent()) as url:
        # curl -X POST localhost:5005/webhooks/rest/webhook -d '{"sender":"u1","message":"你好"}'
        raw = '{"sender":"u1","message":"你好"}'.encode()
        status, answer = await post(
            url, raw, **{"Content-Type": "application/x-www-form-urlencoded"}
        )
    assert status == 200 and answer == [{"recipient_id": "rest:u1", "text": "收到：你好"}]


BAD_BODIES = {
    "not json": b"sender=u1&message=hi",
    "broken json": b'{"sender": "u1", "message": ',
    "not utf-8": b'{"sender": "u1", "message": "\xff\xfe"}',
    "empty": b"",
    "array": b'[{"sender": "u1", "message": "hi"}]',
    "string": b'"hi"',
    "no sender": b'{"message": "hi"}',
    "no message": b'{"sender": "u1"}',
    "null message": b'{"sender": "u1", "message": null}',
    "blank message": b'{"sender": "u1", "message": "   "}',
    "number sender": b'{"sender": 12, "message": "hi"}',
    "object message": b'{"sender": "u1", "message": {"text": "hi"}}',
    "sender with spaces": b'{"sender": "u 1", "message": "hi"}',
    "sender too long": json.dumps({"sender": "u" * 129, "message": "hi"}).encode(),
    "message too long": json.dumps(
        {"sender": "u1", "message": "好" * (MAX_TEXT_CHARS + 1)}
    ).encode(),
    "control characters": b'{"sender": "u1", "message": "hi\\u0000there"}',
    "lone surrogate": b'{"sender": "u1", "message": "\\ud800"}',
    "deep nesting": b"[" * 30_000 + b"]" * 30_000,
    "huge number": b'{"sender": "u1", "message": "hi", "n": ' + b"9" * 5000 + b"}",
}


async def test_bad_bodies_get_a_400_with_a_json_error_never_a_500() -> None:
    agent = RecordingAgent()
    async with serve_rasa([ServerRestInput()], agent) as url:
        for name, body in BAD_BODIES.items():
            status, answer = await post(url, body, **{"Content-Type": "application/json"})
            assert status == 400, name
            assert isinstance(answer, dict) and answer["error"], name
    assert agent.received == []


async def test_a_body_over_the_rest_limit_gets_a_413_declared_or_chunked() -> None:
    async with serve_rasa([ServerRestInput()], RecordingAgent()) as url:
        port = int(url.rsplit(":", 1)[1])
        head = (
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
        )
        assert (await raw_request(port, head)).startswith(b"HTTP/1.1 413")

        async def chunks():
            for _ in range(4 * MAX_BODY_BYTES // 4096):
                yield b" " * 4096
                await asyncio.sleep(0)

        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{url}/webhooks/rest/webhook", data=chunks()) as response,
        ):
            assert response.status == 413
            assert "at most" in (await response.json())["error"]


async def test_streamed_answers_stay_in_the_rest_namespace() -> None:
    agent = RecordingAgent()
    async with (
        serve_rasa([ServerRestInput()], agent) as url,
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/webhooks/rest/webhook?stream=true",
            json={"sender": WECHAT_OPENID, "message": "你好", "input_channel": "wechat"},
        ) as answer,
    ):
        lines = [json.loads(line) for line in (await answer.text()).splitlines() if line]
    assert lines == [{"recipient_id": rest_sender_id(WECHAT_OPENID), "text": "收到：你好"}]
    assert [(m.sender_id, m.input_channel) for m in agent.received] == [
        (rest_sender_id(WECHAT_OPENID), "rest")
    ]


def test_a_weak_rest_token_is_refused(settings_env) -> None:
    from pydantic import ValidationError

    settings_env.setenv("REST_TOKEN", "short")
    with pytest.raises(ValidationError, match="REST_TOKEN"):
        get_settings()
