"""Fixtures of the channel tests: the asyncio backend, a fake WeChat API and channels on it."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.channels.wechat import WeChatInput
from tests.channels.wechat_fakes import (
    FakeWeChatApi,
    StubBot,
    WeChatChannel,
    WeChatClient,
    WeChatServer,
    serve_channel,
    wechat_input,
)


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


@pytest.fixture
def wechat_channel(wechat: FakeWeChatApi) -> WeChatChannel:
    """Channels of the test account on this test's fake API (``wechat_input``'s arguments)."""
    return functools.partial(wechat_input, wechat)


@pytest.fixture
def wechat_server(wechat: FakeWeChatApi) -> WeChatServer:
    """Serve a channel of the test account on a free port, with a bot behind it.

    Call it as ``async with wechat_server(bot, safe=..., **options) as client``: the channel is
    ``wechat_input(wechat, safe=safe, **options)``, or ``channel=`` when given; ``client``
    signs (and in safe mode encrypts) like WeChat.
    """

    @asynccontextmanager
    async def serve(
        bot: StubBot, *, safe: bool = False, channel: WeChatInput | None = None, **options: Any
    ) -> AsyncIterator[WeChatClient]:
        served = channel or wechat_input(wechat, safe=safe, **options)
        async with serve_channel(served, bot, safe=safe) as client:
            yield client

    return serve
