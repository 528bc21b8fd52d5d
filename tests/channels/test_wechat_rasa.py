"""The WeChat channel as Rasa loads it: the credentials.yml block, and Rasa's own routing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from rasa.core.channels.channel import register
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from bot.channels.wechat import WeChatInput
from tests.channels.wechat_fakes import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "WECHAT_TOKEN": TOKEN,
    "WECHAT_APP_ID": APP_ID,
    "WECHAT_APP_SECRET": APP_SECRET,
    "WECHAT_ENCODING_AES_KEY": AES_KEY,
}


def wechat_block() -> str:
    """The documented (commented-out) block of credentials.yml, uncommented."""
    text = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    match = re.search(r"^# bot\.channels\.wechat\.WeChatInput:\n(?:#   .*\n)+", text, re.M)
    assert match, "credentials.yml documents the wechat block"
    return "\n".join(line[2:] for line in match.group(0).splitlines()) + "\n"


@pytest.fixture
def credentials_file(tmp_path: Path) -> Path:
    path = tmp_path / "credentials.yml"
    path.write_text(wechat_block(), encoding="utf-8")
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield


def test_credentials_block_uses_environment_references_only() -> None:
    block = wechat_block()
    for line in block.splitlines()[1:]:
        assert re.fullmatch(r"  \w+: \$\{WECHAT_[A-Z_]+\}", line), line


def test_rasa_loads_the_channel_from_the_block(credentials_file: Path, env: None) -> None:
    [channel] = create_http_input_channels(None, str(credentials_file))
    assert isinstance(channel, WeChatInput)
    assert channel.token == TOKEN and channel.app_id == APP_ID
    assert channel.safe_mode is not None


def test_empty_aes_key_means_plain_mode(
    credentials_file: Path, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", "")
    [channel] = create_http_input_channels(None, str(credentials_file))
    assert channel.safe_mode is None


def test_rasa_refuses_to_start_without_the_variables(
    credentials_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # why the block is commented out in credentials.yml: `make run` needs no configuration
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
    query: dict[str, Any] = {"timestamp": "1700000000", "nonce": "n1", "echostr": "hello"}
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
