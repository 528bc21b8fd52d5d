"""Attacks on web widget sessions: a stolen session id, forged and expired tokens, JWT mode.

A widget session id is the Rasa sender id of a web conversation; agents see it and it used to
be logged, so it must not let anyone into the conversation. Each test runs the real channel on
a Sanic server and talks socket.io over websockets, as the widget does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from bot.channels.web import WebChatInput
from bot.channels.web.sessions import SessionSigner, session_key
from bot.settings import get_settings
from tests.security.widget_server import SocketClient, session_of, widget_server

pytestmark = pytest.mark.anyio

JWT_KEY = "brand-shared-jwt-secret-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("WIDGET_SESSION_SECRET", raising=False)
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def web_channel(**settings: object) -> WebChatInput:
    return WebChatInput(session_persistence=True, **settings)


async def test_a_stolen_session_id_cannot_join_read_or_post(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with widget_server(web_channel()) as server:
        victim, thief = SocketClient(), SocketClient()
        await victim.connect(server.base)
        token = await victim.session()
        victim_id = session_of(token)
        assert await victim.say("我要报修", token) == ["echo 我要报修"]

        # The thief knows the session id (shown to agents, formerly logged at INFO).
        await thief.connect(server.base)
        thief_token = await thief.session(victim_id)
        assert session_of(thief_token) != victim_id  # a fresh session, not the victim's
        # posting as the victim: refused, nothing reaches the assistant
        assert await thief.say("取消我的工单", victim_id) == []
        assert server.agent.senders() == [victim_id]
        # an agent's reply to the victim reaches the victim only
        await server.push(victim_id, "工程师：您的手机已修好")
        assert await victim.wait_for_text("工程师：您的手机已修好")
        assert not await thief.wait_for_text("工程师：您的手机已修好", timeout=1)
        # the thief's own conversation still works, under its own id
        assert await thief.say("你好", thief_token) == ["echo 你好"]
        assert server.agent.senders() == [victim_id, session_of(thief_token)]

        # The victim reloads: the signed token resumes the same conversation on a new socket.
        await victim.close()
        again = SocketClient()
        await again.connect(server.base)
        resumed = await again.session(token)
        assert session_of(resumed) == victim_id
        assert await again.say("进度", resumed) == ["echo 进度"]
        await again.close()
        await thief.close()
    # session ids never reach the logs
    leaks = {r.name for r in caplog.records if victim_id in r.getMessage()}
    assert leaks <= {"websockets.client"}, leaks  # the test's own client logs its frames
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not granted" in logged


async def test_forged_expired_and_other_sockets_tokens_are_refused(var_dir: Path) -> None:
    async with widget_server(web_channel()) as server:
        victim, thief = SocketClient(), SocketClient()
        await victim.connect(server.base)
        victim_id = session_of(await victim.session())
        issued = f"{int(time.time()):x}"
        attacker_key = SessionSigner(b"not-the-server-key-0123456789abcdef", max_age=86400)
        real = SessionSigner(session_key("", var_dir=var_dir, production=False), max_age=1)
        forged = [
            f"{victim_id}.{issued}.{'A' * 43}",  # made-up signature
            attacker_key.issue(victim_id),  # signed with another key
            # a genuine token of the thief's own session with the victim's id put in
            f"{victim_id}.{(await thief_token(thief, server.base)).split('.', 1)[1]}",
            real.issue(victim_id, now=time.time() - 40 * 86400),  # expired (30 days)
        ]
        for token in forged:
            probe = SocketClient()
            await probe.connect(server.base)
            confirmed = await probe.session(token)
            assert session_of(confirmed) != victim_id, token
            assert await probe.say("我要取消工单", token, timeout=0.5) == []
            await probe.close()
        # the thief's socket holds a session: a victim's token it did not request is refused
        genuine_for_victim = real.issue(victim_id)
        assert await thief.say("我要取消工单", genuine_for_victim, timeout=0.5) == []
        assert victim_id not in server.agent.senders()
        assert server.agent.received == []
        await victim.close()
        await thief.close()


async def thief_token(client: SocketClient, base: str) -> str:
    await client.connect(base)
    return await client.session()


async def test_jwt_mode_takes_the_sender_from_the_brands_token() -> None:
    channel = web_channel(jwt_key=JWT_KEY, jwt_method="HS256")
    async with widget_server(channel) as server:
        # no token, a token signed with another key, an expired one: no connection
        for auth in (
            None,
            {"token": jwt.encode({"sub": "user-42"}, "wrong-key-0123456789abcdef", "HS256")},
            {"token": jwt.encode({"sub": "user-42", "exp": int(time.time()) - 60}, JWT_KEY)},
            {"token": jwt.encode({"role": "user"}, JWT_KEY, "HS256")},  # names nobody
        ):
            refused = SocketClient()
            assert await refused.connect(server.base, auth) is False
        alice, mallory = SocketClient(), SocketClient()
        bearer = "Bearer " + jwt.encode({"user": {"username": "alice-7"}}, JWT_KEY, "HS256")
        assert await alice.connect(server.base, {"token": bearer})  # Rasa's claim, prefix
        assert await mallory.connect(
            server.base, {"token": jwt.encode({"sub": "mallory-9"}, JWT_KEY, "HS256")}
        )
        alice_token = await alice.session()
        assert session_of(alice_token) == "alice-7"
        # mallory asks for alice's session and posts with alice's id: she stays herself
        assert session_of(await mallory.session(alice_token)) == "mallory-9"
        assert await mallory.say("取消工单", "alice-7") == ["echo 取消工单"]
        assert await alice.say("你好", alice_token) == ["echo 你好"]
        assert server.agent.senders() == ["mallory-9", "alice-7"]
        await alice.close()
        await mallory.close()


def test_production_needs_a_secret_and_the_development_key_is_shared(
    monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    first = session_key("", var_dir=var_dir, production=False)
    assert first == session_key("", var_dir=var_dir, production=False)  # restarts, workers
    assert (var_dir / "secrets" / "widget_session.key").stat().st_mode & 0o077 == 0
    assert session_key("x" * 32, var_dir=var_dir, production=True) == b"x" * 32
    with pytest.raises(RuntimeError, match="WIDGET_SESSION_SECRET"):
        session_key("", var_dir=var_dir, production=True)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.brand.example")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="WIDGET_SESSION_SECRET"):
        web_channel().blueprint(lambda message: None)  # type: ignore[arg-type,return-value]
