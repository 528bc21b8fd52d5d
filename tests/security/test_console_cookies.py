"""The console's session cookie, against Rasa's app as served: ``Secure`` behind a TLS proxy
the server was told to trust (and not from a client's own X-Forwarded-Proto), removed on
its own path at sign-out, and a session that ends after CONSOLE_IDLE_MINUTES without the
agent's activity (background polling does not keep it alive)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from bot.console import accounts
from bot.settings import get_settings
from tests.security.console_app import (
    PASSWORD,
    anyio_backend,
    console_db,
    serve_console,
)

__all__ = ["anyio_backend", "console_db"]

pytestmark = pytest.mark.anyio

BEHIND_TLS = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, console_db: str) -> Iterator[Callable[..., None]]:
    def set_env(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()

    accounts.add_agent("zhang", "张三", PASSWORD)
    yield set_env


def cookie_attributes(set_cookie: str) -> set[str]:
    [line] = [c for c in set_cookie.split("\n") if c.startswith("shouhou_console=")]
    return {part.strip().lower() for part in line.split(";")[1:]}


async def test_the_cookie_is_secure_behind_a_trusted_tls_proxy(
    settings_env: Callable[..., None],
) -> None:
    settings_env(proxies_count=1)
    async with serve_console() as console:
        status, headers, _ = await console.login("zhang", PASSWORD, BEHIND_TLS)
        assert status == 200
        attributes = cookie_attributes(headers["set-cookie"])
        assert "secure" in attributes and "httponly" in attributes
        assert "path=/webhooks/console" in attributes and "samesite=strict" in attributes


async def test_a_forwarded_header_with_the_proxy_secret_makes_it_secure(
    settings_env: Callable[..., None],
) -> None:
    settings_env(forwarded_secret="proxy-secret-1")
    async with serve_console() as console:
        forwarded = {"Forwarded": "for=203.0.113.7;proto=https;secret=proxy-secret-1"}
        status, headers, _ = await console.login("zhang", PASSWORD, forwarded)
        assert status == 200 and "secure" in cookie_attributes(headers["set-cookie"])
        wrong = {"Forwarded": "for=203.0.113.7;proto=https;secret=guessed"}
        status, headers, _ = await console.login("zhang", PASSWORD, wrong)
        assert status == 200 and "secure" not in cookie_attributes(headers["set-cookie"])


async def test_a_clients_own_forwarded_proto_is_not_trusted_but_the_setting_forces_secure(
    settings_env: Callable[..., None],
) -> None:
    async with serve_console() as console:  # no proxy configured: headers are the client's
        status, headers, _ = await console.login("zhang", PASSWORD, BEHIND_TLS)
        assert status == 200 and "secure" not in cookie_attributes(headers["set-cookie"])
    settings_env(console_cookie_secure="true")
    async with serve_console() as console:
        status, headers, _ = await console.login("zhang", PASSWORD)
        assert status == 200 and "secure" in cookie_attributes(headers["set-cookie"])


async def test_sign_out_removes_the_cookie_on_its_own_path(
    settings_env: Callable[..., None],
) -> None:
    settings_env(proxies_count=1)
    async with serve_console() as console:
        status, headers, _ = await console.login("zhang", PASSWORD, BEHIND_TLS)
        cookie = headers["set-cookie"].split(";")[0]
        status, headers, _ = await console.call(
            "POST", "api/logout", headers={"Cookie": cookie, **BEHIND_TLS}
        )
        assert status == 200
        attributes = cookie_attributes(headers["set-cookie"])
        assert "path=/webhooks/console" in attributes and "max-age=0" in attributes
        assert "secure" in attributes and "httponly" in attributes
        assert headers["set-cookie"].startswith("shouhou_console=;") or (
            headers["set-cookie"].startswith('shouhou_console="";')
        )
        assert (await console.call("GET", "api/me", headers={"Cookie": cookie}))[0] == 401


async def test_an_idle_session_ends_and_activity_extends_it(
    settings_env: Callable[..., None],
) -> None:
    settings_env(console_idle_minutes=0.1)  # 6 s
    async with serve_console() as console:
        status, headers, _ = await console.login("zhang", PASSWORD)
        assert status == 200
        cookie = {"Cookie": headers["set-cookie"].split(";")[0]}
        background = {**cookie, "X-Console-Background": "1"}
        await asyncio.sleep(3.5)
        assert (await console.call("GET", "api/me", headers=cookie))[0] == 200  # activity
        await asyncio.sleep(3.5)  # 7 s after sign-in, 3.5 s after the activity
        assert (await console.call("GET", "api/queue", headers=background))[0] == 200
        await asyncio.sleep(3.5)  # 7 s after the last activity: polling did not extend it
        assert (await console.call("GET", "api/queue", headers=background))[0] == 401
        assert (await console.call("GET", "api/me", headers=cookie))[0] == 401
