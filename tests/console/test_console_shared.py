"""The console on two Rasa servers that share one PostgreSQL ticket store (``make run-cluster``).

Everything the console remembers between requests lives in the ticket store: sign-in
sessions (a token's hash), sign-in throttles (rows locked ``FOR UPDATE``). So a session opened
through one server works on the other, signing out on one ends it on both, and guesses spread
over both servers, at the same time, are counted together and never run past the limit.
Runs on ``TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) in a
database of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.console import accounts
from bot.console.channel import COOKIE
from bot.settings import get_settings
from bot.tickets.db import dispose_engines
from bot.tickets.migrate import upgrade
from tests.conftest import IN_CI
from tests.security.console_app import PASSWORD, Console, serve_console

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgres_store(monkeypatch: pytest.MonkeyPatch, ticket_db: str) -> Iterator[str]:
    """A migrated PostgreSQL ticket store of this test, as ``DATABASE_URL``."""
    admin = create_engine(ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"console_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable at {ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {error}")
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        dispose_engines()
        yield url
    finally:
        dispose_engines()
        get_settings.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def signed_in_as(console: Console, cookie: str) -> int:
    status, _, _ = await console.call("GET", "api/me", headers={"Cookie": f"{COOKIE}={cookie}"})
    return status


async def test_a_session_opened_through_one_server_works_on_the_other(
    postgres_store: str,
) -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(serve_console())
        two = await stack.enter_async_context(serve_console())
        status, headers, _ = await one.login("zhang", PASSWORD)
        assert status == 200
        cookie = headers["set-cookie"].split(f"{COOKIE}=", 1)[1].split(";", 1)[0]
        assert await signed_in_as(two, cookie) == 200
        assert await signed_in_as(one, cookie) == 200
        status, _, _ = await two.call(
            "POST", "api/logout", headers={"Cookie": f"{COOKIE}={cookie}"}
        )
        assert status == 200
        assert await signed_in_as(one, cookie) == 401


async def test_guesses_at_once_on_two_servers_are_counted_together(postgres_store: str) -> None:
    accounts.add_agent("zhang", "张三", PASSWORD)
    limit = get_settings().console_signin_max_failures
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(serve_console())
        two = await stack.enter_async_context(serve_console())
        results = await asyncio.gather(
            *((one, two)[n % 2].login("zhang", f"guess {n}") for n in range(4 * limit))
        )
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [401] * limit + [429] * (3 * limit)
        assert (await one.login("zhang", PASSWORD))[0] == 429
        assert (await two.login("zhang", PASSWORD))[0] == 429
