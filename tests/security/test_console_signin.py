"""Password guessing on the console's sign-in, against Rasa's app as served: throttled per
username and per client address (shared by every worker), scrypt never run for a refused
attempt and never more than CONSOLE_SIGNIN_CONCURRENCY at once, a lockout that ends by
itself, a Chinese message, an X-Forwarded-For the server was not told to trust ignored, and
no username in the logs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack

import pytest

from bot.console import accounts, passwords
from bot.console.texts import console_text
from bot.settings import get_settings
from tests.security.console_app import (
    PASSWORD,
    anyio_backend,
    console_db,
    serve_console,
)

__all__ = ["anyio_backend", "console_db"]

pytestmark = pytest.mark.anyio


class ScryptMeter:
    """Counts the password checks (scrypt) the server runs, and how many ran at once."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real = real
        self.calls = 0
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, password: str, stored: str) -> bool:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # a slower machine: overlapping checks would show
            return self.real(password, stored)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def scrypt(monkeypatch: pytest.MonkeyPatch) -> ScryptMeter:
    meter = ScryptMeter(passwords.verify_password)
    monkeypatch.setattr(accounts, "verify_password", meter)
    return meter


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, console_db: str) -> Iterator[Callable[..., None]]:
    def set_env(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()

    yield set_env


async def test_guessing_one_password_is_locked_out_and_scrypt_stops(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console() as console:
        for attempt in range(5):
            status, _, body = await console.login("zhang", f"guess number {attempt}")
            assert (status, body) == (401, {"error": "invalid_credentials"})
        assert scrypt.calls == 5
        for password in ("guess number 6", PASSWORD, PASSWORD):  # even the right one waits
            status, headers, body = await console.login("ZHANG ", password)
            assert status == 429 and isinstance(body, dict)
            assert body["error"] == "too_many_attempts"
            assert 0 < body["retry_after"] <= 15 * 60
            assert headers["retry-after"] == str(body["retry_after"])
        assert scrypt.calls == 5  # no password checked while locked
        # Another agent is not locked by it.
        accounts.add_agent("lisi", "李四", PASSWORD)
        assert (await console.login("lisi", PASSWORD))[0] == 200


async def test_the_lockout_ends_by_itself(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    settings_env(console_signin_max_failures=2, console_signin_lockout_minutes=0.04)  # 2.4 s
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console() as console:
        for _ in range(2):
            assert (await console.login("zhang", "wrong password"))[0] == 401
        status, _, body = await console.login("zhang", PASSWORD)
        assert status == 429 and isinstance(body, dict) and body["retry_after"] <= 3
        await asyncio.sleep(2.6)
        assert (await console.login("zhang", PASSWORD))[0] == 200
        # A success clears the username's failures.
        assert (await console.login("zhang", "wrong password"))[0] == 401
        assert (await console.login("zhang", PASSWORD))[0] == 200


async def test_the_message_is_chinese(settings_env: Callable[..., None]) -> None:
    settings_env(console_signin_max_failures=1)
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console() as console:
        await console.login("zhang", "wrong password")
        status, _, body = await console.login("zhang", "wrong password")
        assert status == 429 and isinstance(body, dict)
        status, _, script = await console.call("GET", "js/signin.js", csrf=False)
        assert status == 200 and isinstance(script, str)
        status, _, texts = await console.call("GET", "api/texts", csrf=False)
        assert status == 200 and isinstance(texts, dict)
    # The console's texts live in its catalogue: the 429 answer is shown in Chinese, in minutes.
    locked = texts["page"]["signin"]["locked"]
    assert "登录失败次数过多" in locked and "{minutes}" in locked
    assert "登录失败次数过多" in console_text("page.signin.locked", minutes="3")
    assert "3 分钟" in console_text("page.signin.locked", minutes="3")
    assert "lockedText(res.data.retry_after)" in script and '"page.signin.locked"' in script
    assert "res.status === 429" in script and "lockedText(res.data.retry_after)" in script


async def test_many_usernames_from_one_address_are_locked_out(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    settings_env(console_signin_max_failures_per_address=6)
    async with serve_console() as console:
        for n in range(6):
            assert (await console.login(f"user{n}", "wrong password"))[0] == 401
        status, _, body = await console.login("someone.else", "wrong password")
        assert status == 429 and isinstance(body, dict) and body["error"] == "too_many_attempts"
        assert scrypt.calls == 6


async def test_a_spoofed_x_forwarded_for_does_not_escape_the_address_limit(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    settings_env(console_signin_max_failures_per_address=4)
    async with serve_console() as console:
        statuses = []
        for n in range(8):  # a new "client address" and a new username every time
            spoof = {
                "X-Forwarded-For": f"198.51.100.{n}",
                "X-Real-IP": f"198.51.100.{n}",
                "Forwarded": f"for=198.51.100.{n}",
            }
            statuses.append((await console.login(f"user{n}", "wrong password", spoof))[0])
        assert statuses == [401] * 4 + [429] * 4
        assert scrypt.calls == 4


async def test_behind_a_trusted_proxy_each_client_counts_alone(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    settings_env(proxies_count=1, console_signin_max_failures_per_address=3)
    async with serve_console() as console:
        one = {"X-Forwarded-For": "203.0.113.7"}
        two = {"X-Forwarded-For": "203.0.113.8"}
        for n in range(3):
            assert (await console.login(f"user{n}", "wrong password", one))[0] == 401
        assert (await console.login("user9", "wrong password", one))[0] == 429
        assert (await console.login("user9", "wrong password", two))[0] == 401
        # A client that prepends its own X-Forwarded-For is still known by the proxy's entry.
        forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.7"}
        assert (await console.login("user10", "wrong password", forged))[0] == 429


async def test_a_flood_runs_few_scrypts_at_once_and_none_past_the_limit(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    settings_env(console_signin_max_failures_per_address=1000, console_signin_concurrency=2)
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with serve_console() as console:
        # 30 guesses of one password at once: only the first 5 are checked.
        results = await asyncio.gather(*(console.login("zhang", f"guess {n}") for n in range(30)))
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [401] * 5 + [429] * 25
        assert scrypt.calls == 5
        assert scrypt.most <= 2
        # 20 usernames at once: every one checked, never more than two at a time.
        results = await asyncio.gather(
            *(console.login(f"name{n}", "wrong password") for n in range(20))
        )
        assert [status for status, _, _ in results] == [401] * 20
        assert scrypt.most <= 2


async def test_every_worker_counts_together(
    settings_env: Callable[..., None], scrypt: ScryptMeter
) -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(serve_console())
        two = await stack.enter_async_context(serve_console())
        for n in range(5):
            worker = one if n % 2 else two
            assert (await worker.login("zhang", f"guess {n}"))[0] == 401
        assert (await one.login("zhang", PASSWORD))[0] == 429
        assert (await two.login("zhang", PASSWORD))[0] == 429


async def test_failed_usernames_are_not_logged(
    settings_env: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    settings_env(console_signin_max_failures=1)
    caplog.set_level(logging.DEBUG)
    async with serve_console() as console:
        for _ in range(2):
            await console.login("my-password-typed-as-name", "wrong password")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "console: failed sign-in" in text and "sign-in refused" in text
    assert "my-password-typed-as-name" not in text
