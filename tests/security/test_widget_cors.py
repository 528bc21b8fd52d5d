"""Cross-origin access to the widget: the brand's pages may call it, other sites may not read it.

Rasa's global ``--cors "*"`` is gone; the widget's routes and socket.io answer the origins of
``WIDGET_ALLOWED_ORIGINS`` themselves, never with ``Access-Control-Allow-Credentials``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.channels.web import WebChatInput
from bot.channels.web.sessions import SessionSigner
from bot.settings import get_settings
from tests.security.widget_server import widget_server

pytestmark = pytest.mark.anyio

BRAND = "https://www.brand.example"
EVIL = "https://evil.example"
SIGNER = SessionSigner(b"test-widget-session-key-0123456789abcdef", max_age=86400)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    monkeypatch.delenv("WIDGET_ALLOWED_ORIGINS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def channel(tmp_path: Path) -> WebChatInput:
    return WebChatInput(session_persistence=True, upload_dir=tmp_path / "up", signer=SIGNER)


async def request(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    form: dict[str, str] | None = None,
    **headers: str,
) -> tuple[int, dict[str, str]]:
    async with http.request(method, url, data=form, headers=headers) as reply:
        await reply.read()
        return reply.status, {k.lower(): v for k, v in reply.headers.items()}


async def test_only_the_configured_origins_may_use_the_widget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", f"{BRAND}, https://m.brand.example")
    get_settings.cache_clear()
    async with widget_server(channel(tmp_path)) as server, aiohttp.ClientSession() as http:
        token = SIGNER.issue("cors-session")
        form = {"session_id": token}
        for origin, allowed in ((BRAND, True), (EVIL, False)):
            for method, path in (("POST", "upload"), ("POST", f"uploads/{'0' * 32}/link")):
                _, headers = await request(http, method, server.widget + path, form, Origin=origin)
                assert headers.get("access-control-allow-origin") == (BRAND if allowed else None)
                assert "access-control-allow-credentials" not in headers
            _, headers = await request(http, "GET", server.widget + "widget.js", Origin=origin)
            assert headers.get("access-control-allow-origin") == (BRAND if allowed else None)

        # socket.io: the brand's pages and the server's own pages, no other site
        handshake = f"{server.base}/socket.io/?EIO=4&transport=polling"
        status, headers = await request(http, "GET", handshake, Origin=BRAND)
        assert status == 200 and headers["access-control-allow-origin"] == BRAND
        assert "access-control-allow-credentials" not in headers
        assert (await request(http, "GET", handshake, Origin=server.base))[0] == 200
        assert (await request(http, "GET", handshake, Origin=EVIL))[0] == 400


async def test_any_origin_in_development_without_credentials(tmp_path: Path) -> None:
    async with widget_server(channel(tmp_path)) as server, aiohttp.ClientSession() as http:
        form = {"session_id": SIGNER.issue("cors-session")}
        _, headers = await request(http, "POST", server.widget + "upload", form, Origin=EVIL)
        assert headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in headers
        handshake = f"{server.base}/socket.io/?EIO=4&transport=polling"
        status, headers = await request(http, "GET", handshake, Origin=EVIL)
        assert status == 200 and "access-control-allow-credentials" not in headers


def test_production_needs_the_origins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("WIDGET_SESSION_SECRET", "s" * 32)
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="WIDGET_ALLOWED_ORIGINS"):
        channel(tmp_path).blueprint(lambda message: None)  # type: ignore[arg-type,return-value]
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.brand.example/path")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="WIDGET_ALLOWED_ORIGINS"):
        get_settings()
