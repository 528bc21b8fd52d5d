"""Attacks on the console from other origins, against Rasa's app as served (with and without
the ``--cors "*"`` a brand may still pass): preflights, POSTs and reads from a foreign page
get no CORS headers and the POSTs and preflights are refused; the console's own origin and
the listed ones work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.console import accounts
from tests.security.console_app import (
    PASSWORD,
    Console,
    anyio_backend,
    console_db,
    serve_console,
)

__all__ = ["anyio_backend", "console_db"]

pytestmark = pytest.mark.anyio

EVIL = "https://evil.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-requested-with",
}


@pytest.fixture(params=["*", None], ids=["cors-star", "no-cors"])
async def console(request: pytest.FixtureRequest, console_db: str) -> AsyncIterator[Console]:
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console(cors=request.param) as served:
        yield served


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


async def test_a_foreign_preflight_is_refused_without_cors_headers(console: Console) -> None:
    for path in ("api/login", "api/handoffs/1/messages", "api/tickets/R1/status", "api/me"):
        status, headers, body = await console.call(
            "OPTIONS", path, headers={"Origin": EVIL, **PREFLIGHT}, csrf=False
        )
        assert (status, body) == (403, {"error": "origin"}), path
        assert cors_headers(headers) == {}, path


async def test_a_foreign_page_cannot_sign_in_or_post(console: Console) -> None:
    status, headers, body = await console.login("zhang", PASSWORD, headers={"Origin": EVIL})
    assert (status, body) == (403, {"error": "origin"})
    assert cors_headers(headers) == {} and "shouhou_console" not in headers["set-cookie"]
    # Same site on another port, another name of the host, a sandboxed frame: foreign too.
    for origin in (f"http://127.0.0.1:{console.port + 1}", "http://127.0.0.1", "null"):
        status, headers, _ = await console.login("zhang", PASSWORD, headers={"Origin": origin})
        assert status == 403 and cors_headers(headers) == {}, origin


async def test_a_foreign_page_reading_with_the_agents_cookie_gets_no_cors_headers(
    console: Console,
) -> None:
    status, headers, _ = await console.login("zhang", PASSWORD, headers={"Origin": console.origin})
    assert status == 200
    cookie = headers["set-cookie"].split(";")[0]
    for path in ("api/me", "api/queue", "api/tickets?q=1"):
        status, headers, _ = await console.call(
            "GET", path, headers={"Origin": EVIL, "Cookie": cookie}
        )
        assert status == 200, path  # the browser shows the answer to nobody: no CORS headers
        assert cors_headers(headers) == {}, path
    status, _, _ = await console.call(
        "POST", "api/logout", headers={"Origin": EVIL, "Cookie": cookie}
    )
    assert status == 403
    assert (await console.call("GET", "api/me", headers={"Cookie": cookie}))[0] == 200


async def test_the_consoles_own_origin_works(console: Console) -> None:
    status, headers, _ = await console.login("zhang", PASSWORD, headers={"Origin": console.origin})
    assert status == 200 and cors_headers(headers) == {}
    cookie = headers["set-cookie"].split(";")[0]
    status, _, _ = await console.call(
        "POST", "api/logout", headers={"Origin": console.origin, "Cookie": cookie}
    )
    assert status == 200
    # Command-line clients send no Origin.
    assert (await console.login("zhang", PASSWORD))[0] == 200


async def test_a_listed_origin_gets_its_cors_headers(
    console_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import get_settings

    monkeypatch.setenv("CONSOLE_ALLOWED_ORIGINS", "https://admin.example, http://10.0.0.5:8080")
    get_settings.cache_clear()
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console(cors="*") as console:
        status, headers, _ = await console.call(
            "OPTIONS",
            "api/login",
            headers={"Origin": "https://admin.example", **PREFLIGHT},
            csrf=False,
        )
        assert status in (200, 204)
        assert headers["access-control-allow-origin"] == "https://admin.example"
        assert headers["access-control-allow-credentials"] == "true"
        assert "POST" in headers["access-control-allow-methods"]
        status, headers, _ = await console.login(
            "zhang", PASSWORD, headers={"Origin": "http://10.0.0.5:8080"}
        )
        assert status == 200
        assert headers["access-control-allow-origin"] == "http://10.0.0.5:8080"
        status, headers, _ = await console.login("zhang", PASSWORD, headers={"Origin": EVIL})
        assert status == 403 and cors_headers(headers) == {}
