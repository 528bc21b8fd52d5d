"""The WeChat channel as Rasa loads it: the credentials.yml block, and Rasa's own routing."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from rasa.core.channels.channel import register
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from bot.channels.web import WebChatInput
from bot.channels.wechat import WeChatInput
from bot.serve import register_channels
from tests.channels.wechat_fakes import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "WECHAT_TOKEN": TOKEN,
    "WECHAT_APP_ID": APP_ID,
    "WECHAT_APP_SECRET": APP_SECRET,
    "WECHAT_ENCODING_AES_KEY": AES_KEY,
}


def wechat_block() -> str:
    """The block scripts/run.sh adds to credentials.yml when WECHAT_TOKEN is set."""
    return (ROOT / "credentials.wechat.yml").read_text(encoding="utf-8")


@pytest.fixture
def credentials_file(tmp_path: Path) -> Path:
    path = tmp_path / "credentials.yml"
    path.write_text(wechat_block(), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def project_channels() -> None:
    """The short keys, as `python -m bot.serve` (scripts/run.sh) registers them."""
    register_channels()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield


def test_credentials_block_uses_environment_references_only() -> None:
    block = [line for line in wechat_block().splitlines() if not line.startswith("#")]
    assert block[0] == "wechat:"
    for line in block[1:]:
        assert re.fullmatch(r"  \w+: \$\{WECHAT_[A-Z_]+\}", line), line
    # not in the default credentials: `make run` must start with no WeChat configuration
    assert "${WECHAT" not in (ROOT / "credentials.yml").read_text(encoding="utf-8")


def test_rasa_loads_the_channel_from_the_block(credentials_file: Path, env: None) -> None:
    [channel] = create_http_input_channels(None, str(credentials_file))
    assert isinstance(channel, WeChatInput)
    assert channel.token == TOKEN and channel.app_id == APP_ID
    assert channel.safe_mode is not None


def test_the_default_channels_need_no_configuration() -> None:
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    assert [type(channel).__name__ for channel in channels] == [
        "ServerRestInput",  # the server-to-server REST channel (bot/channels/rest)
        "WebChatInput",
        "ConsoleInput",
        "CourierEventsInput",  # refuses every event until COURIER_WEBHOOK_SECRET is set
    ]
    [web] = [c for c in channels if isinstance(c, WebChatInput)]
    assert web.session_persistence is True and web.name() == "socketio"


def test_the_full_class_paths_work_with_plain_rasa(tmp_path: Path, env: None) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text(
        "bot.channels.wechat.WeChatInput:\n  token: ${WECHAT_TOKEN}\n  app_id: ${WECHAT_APP_ID}\n"
        "  app_secret: ${WECHAT_APP_SECRET}\nbot.channels.web.WebChatInput:\n"
        "  session_persistence: true\n",
        encoding="utf-8",
    )
    kinds = {type(c) for c in create_http_input_channels(None, str(path))}
    assert kinds == {WeChatInput, WebChatInput}


def test_empty_aes_key_means_plain_mode(
    credentials_file: Path, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", "")
    [channel] = create_http_input_channels(None, str(credentials_file))
    assert channel.safe_mode is None


def test_rasa_refuses_to_start_without_the_variables(
    credentials_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # why the block is not in credentials.yml: `make run` needs no configuration
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RasaException, match="WECHAT_TOKEN"):
        create_http_input_channels(None, str(credentials_file))


def test_empty_token_is_refused(
    credentials_file: Path, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "")
    with pytest.raises(RasaException, match="token"):
        create_http_input_channels(None, str(credentials_file))


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_rasa_mounts_the_webhook_under_webhooks_wechat(anyio_backend: str) -> None:
    import socket
    import uuid

    from sanic import Sanic

    from tests.channels.wechat_fakes import _signature

    fake = FakeWeChatApi().start()
    channel = WeChatInput(
        token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base_url=fake.base_url
    )
    Sanic.test_mode = True
    app = Sanic(f"rasa_like_{uuid.uuid4().hex[:8]}")
    register([channel], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.start_serving()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/wechat"
    query: dict[str, Any] = {"timestamp": str(int(time.time())), "nonce": "n1", "echostr": "hello"}
    query["signature"] = _signature(TOKEN, query["timestamp"], query["nonce"])
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/") as health:
                assert await health.json() == {"status": "ok"}
            async with session.get(base + "/webhook?" + urlencode(query)) as verify:
                assert (verify.status, await verify.text()) == (200, "hello")
    finally:
        await server.close()
        sock.close()
        fake.stop()
