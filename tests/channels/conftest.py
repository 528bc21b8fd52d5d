"""Fixtures of the channel tests: the asyncio backend and a local fake WeChat API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.wechat_fakes import FakeWeChatApi


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (Sanic's and Rasa's loop)."""
    return "asyncio"


@pytest.fixture
def wechat() -> Iterator[FakeWeChatApi]:
    """A fake WeChat API on a free local port, for one test."""
    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()
