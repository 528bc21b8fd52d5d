"""WeChat state shared through Redis by several machines: retries, numbered choices, token.

Runs against the Redis on ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), each
test under its own random key prefix, removed afterwards. Without Redis the tests are
skipped, except in CI (``CI=true``) where they fail.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import pytest
import redis
from pydantic import ValidationError

from bot.channels.dedup import SeenMessages
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.api import MemoryTokenCache, WeChatApi
from bot.channels.wechat.render import ChoiceMemory, number_buttons
from bot.channels.wechat.shared_state import (
    RedisChoiceMemory,
    RedisOutage,
    RedisSeenMessages,
    RedisTokenCache,
    SharedState,
    build_state,
    redis_client,
)
from bot.settings import Settings, get_settings
from tests.channels.wechat_fakes import (
    APP_ID,
    APP_SECRET,
    OPENID,
    TOKEN,
    FakeWeChatApi,
    StubBot,
    WeChatServer,
    echo,
    message_xml,
)
from tests.conftest import free_port

T = TypeVar("T")


MODELS = [
    {"title": "一加 12", "payload": '/inform{"device_model": "oneplus-12"}'},
    {"title": "一加 12R", "payload": '/inform{"device_model": "oneplus-12r"}'},
]
HUMAN = [{"title": "转人工", "payload": "/request_human"}]


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test only; its keys are deleted afterwards."""
    name = f"test:wechat:{uuid.uuid4().hex}"
    yield name
    client = redis_client(redis_url)
    for key in client.scan_iter(match=f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def machines(redis_url: str) -> Iterator[tuple[redis.Redis, redis.Redis]]:
    """Two clients with their own connections, as on two machines."""
    first, second = redis_client(redis_url), redis_client(redis_url)
    yield first, second
    first.close()
    second.close()


def down_url() -> str:
    """A Redis URL on a local port where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


# --- settings and factory -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["", "redis://127.0.0.1:6379/0", "rediss://user:pw@cache:6380/1", "unix:///run/r.sock"]
)
def test_redis_url_setting_accepts_redis_schemes(url: str) -> None:
    assert Settings(wechat_redis_url=url).wechat_redis_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis:/x"])
def test_redis_url_setting_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValidationError, match="WECHAT_REDIS_URL must be empty"):
        Settings(wechat_redis_url=url)


def test_factory_keeps_state_in_process_without_url() -> None:
    state = build_state(Settings(wechat_redis_url=""), APP_ID)
    assert type(state.seen) is SeenMessages
    assert type(state.choices) is ChoiceMemory
    assert type(state.tokens) is MemoryTokenCache


def test_from_credentials_uses_redis_when_configured(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    monkeypatch.setenv("WECHAT_REDIS_URL", redis_url)
    get_settings.cache_clear()
    try:
        channel = WeChatInput.from_credentials(
            {"token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET}
        )
    finally:
        get_settings.cache_clear()
    assert isinstance(channel.seen, RedisSeenMessages)
    assert isinstance(channel.choices, RedisChoiceMemory)
    assert isinstance(channel.api._tokens, RedisTokenCache)


# --- retried messages -----------------------------------------------------------------------


def test_second_machine_sees_a_retry_and_gets_the_reply(
    machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a = RedisSeenMessages(machines[0], 60, prefix)
    b = RedisSeenMessages(machines[1], 60, prefix)
    assert a.first_time("1234567890123456")
    assert not b.first_time("1234567890123456")
    assert b.reply_for("1234567890123456") is None  # still being answered on a
    a.remember_reply("1234567890123456", "<xml>您好</xml>")
    assert b.reply_for("1234567890123456") == "<xml>您好</xml>"
    assert not a.first_time("1234567890123456")
    assert b.first_time("another")
    assert 55_000 < machines[0].pttl(f"{prefix}:1234567890123456") <= 60_000  # TTL kept


def test_empty_reply_is_remembered_too(
    machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a = RedisSeenMessages(machines[0], 60, prefix)
    assert a.first_time("k")
    a.remember_reply("k", "")
    assert RedisSeenMessages(machines[1], 60, prefix).reply_for("k") == ""


def test_seen_keys_expire(machines: tuple[redis.Redis, redis.Redis], prefix: str) -> None:
    a = RedisSeenMessages(machines[0], 1, prefix)
    b = RedisSeenMessages(machines[1], 1, prefix)
    assert a.first_time("m")
    assert not b.first_time("m")
    time.sleep(1.1)
    a.remember_reply("m", "<xml>late</xml>")  # forgotten keys get no reply
    assert b.reply_for("m") is None
    assert b.first_time("m")


def race(
    redis_url: str, machines: int, move: Callable[[redis.Redis, int], Callable[[], T]]
) -> list[T]:
    """What ``machines`` machines did at the same moment, in the order they finished.

    Machine ``i`` has its own Redis client, gets its move from ``move(client, i)`` and makes it
    in a thread of its own, all released together.
    """
    clients = [redis_client(redis_url) for _ in range(machines)]
    moves = [move(client, index) for index, client in enumerate(clients)]
    barrier = threading.Barrier(machines)
    results: list[T] = []

    def make(one: Callable[[], T]) -> None:
        barrier.wait()
        results.append(one())

    threads = [threading.Thread(target=make, args=(one,)) for one in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return results


def test_only_one_of_many_machines_takes_a_message(redis_url: str, prefix: str) -> None:
    def take(client: redis.Redis, _: int) -> Callable[[], bool]:
        return partial(RedisSeenMessages(client, 60, prefix).first_time, "race")

    results = race(redis_url, 8, take)
    assert sorted(results) == [False] * 7 + [True]


# --- numbered choices -----------------------------------------------------------------------


def test_choices_offered_on_one_machine_resolve_on_another(
    machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a = RedisChoiceMemory(machines[0], 3600, prefix)
    b = RedisChoiceMemory(machines[1], 3600, prefix)
    choices = number_buttons(MODELS)
    a.offer(OPENID, choices)
    assert b.current(OPENID) == choices
    assert b.resolve(OPENID, "２") == MODELS[1]["payload"]
    assert b.resolve(OPENID, "3") is None
    assert b.resolve(OPENID, "一加 12") is None
    assert b.resolve("someone-else", "1") is None
    assert 3_590_000 < machines[0].pttl(f"{prefix}:{OPENID}") <= 3_600_000
    b.offer(OPENID, [])  # a new turn: older numbers mean nothing
    assert a.current(OPENID) == []
    assert a.resolve(OPENID, "1") is None


def test_extend_continues_the_numbering_across_machines(
    machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a = RedisChoiceMemory(machines[0], 3600, prefix)
    b = RedisChoiceMemory(machines[1], 3600, prefix)
    a.offer(OPENID, number_buttons(MODELS))
    b.extend(OPENID, number_buttons(HUMAN, first=3))
    assert [c.number for c in a.current(OPENID)] == [1, 2, 3]
    assert a.resolve(OPENID, "3") == "/request_human"
    a.offer(OPENID, number_buttons(HUMAN))  # offer replaces
    assert b.current(OPENID) == number_buttons(HUMAN)


def test_extends_of_one_turn_all_land(redis_url: str, prefix: str) -> None:
    def extend(client: redis.Redis, index: int) -> Callable[[], None]:
        memory = RedisChoiceMemory(client, 3600, prefix)
        return partial(memory.extend, OPENID, number_buttons(HUMAN, first=index + 1))

    race(redis_url, 6, extend)
    memory = RedisChoiceMemory(redis_client(redis_url), 3600, prefix)
    assert sorted(c.number for c in memory.current(OPENID)) == [1, 2, 3, 4, 5, 6]


def test_choices_expire(machines: tuple[redis.Redis, redis.Redis], prefix: str) -> None:
    a = RedisChoiceMemory(machines[0], 1, prefix)
    a.offer(OPENID, number_buttons(MODELS))
    assert a.resolve(OPENID, "1") == MODELS[0]["payload"]
    time.sleep(1.1)
    assert RedisChoiceMemory(machines[1], 1, prefix).resolve(OPENID, "1") is None


def test_unreadable_choice_is_skipped(
    machines: tuple[redis.Redis, redis.Redis], prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    a = RedisChoiceMemory(machines[0], 60, prefix)
    a.offer(OPENID, number_buttons(MODELS))
    machines[0].rpush(f"{prefix}:{OPENID}", "not json", '{"number": 3}')
    with caplog.at_level(logging.WARNING):
        assert [c.number for c in a.current(OPENID)] == [1, 2]
    assert "unreadable choice" in caplog.text


# --- the access token -----------------------------------------------------------------------


def api(fake: FakeWeChatApi, client: redis.Redis, prefix: str) -> WeChatApi:
    return WeChatApi(
        base_url=fake.base_url,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        timeout=5,
        token_cache=RedisTokenCache(client, APP_ID, prefix, lock_timeout=10),
    )


def test_machines_share_one_token(
    wechat: FakeWeChatApi, machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a, b = api(wechat, machines[0], prefix), api(wechat, machines[1], prefix)
    a.send_text(OPENID, "一")
    b.send_text(OPENID, "二")
    assert wechat.state.texts() == ["一", "二"]
    assert len(wechat.state.token_requests) == 1
    assert a.access_token() == b.access_token() == "ACCESS_TOKEN_1"
    ttl = machines[0].pttl(f"{prefix}:{APP_ID}:token")
    assert (7200 - 300 - 5) * 1000 < ttl <= (7200 - 300) * 1000  # the expiry margin


def test_rejected_token_is_fetched_again_once_for_all_machines(
    wechat: FakeWeChatApi, machines: tuple[redis.Redis, redis.Redis], prefix: str
) -> None:
    a, b = api(wechat, machines[0], prefix), api(wechat, machines[1], prefix)
    first = a.access_token()
    wechat.state.expire_tokens()
    b.send_text(OPENID, "二")  # refused, fetched again, retried
    assert len(wechat.state.token_requests) == 2
    assert a.access_token(rejected=first) == b.access_token() != first  # no third fetch
    a.send_text(OPENID, "三")
    assert wechat.state.texts() == ["二", "三"]
    assert len(wechat.state.token_requests) == 2
    assert [r["errcode"] for r in wechat.state.rejected] == [40001]


def test_simultaneous_machines_fetch_the_token_once(
    wechat: FakeWeChatApi, redis_url: str, prefix: str
) -> None:
    tokens = race(redis_url, 6, lambda client, _: api(wechat, client, prefix).access_token)
    assert tokens == ["ACCESS_TOKEN_1"] * 6
    assert len(wechat.state.token_requests) == 1


# --- Redis down -----------------------------------------------------------------------------


def test_every_call_falls_back_when_redis_is_down(
    wechat: FakeWeChatApi, caplog: pytest.LogCaptureFixture
) -> None:
    client = redis_client(down_url())
    outage = RedisOutage(pause=0)  # try Redis on every call
    seen = RedisSeenMessages(client, 60, "p", outage=outage)
    choices = RedisChoiceMemory(client, 60, "p", outage=outage)
    tokens = RedisTokenCache(client, APP_ID, "p", outage=outage)
    with caplog.at_level(logging.WARNING):
        assert seen.first_time("m")
        assert not seen.first_time("m")
        seen.remember_reply("m", "<xml/>")
        assert seen.reply_for("m") == "<xml/>"
        choices.offer(OPENID, number_buttons(MODELS))
        choices.extend(OPENID, number_buttons(HUMAN, first=3))
        assert choices.resolve(OPENID, "3") == "/request_human"
        client_api = WeChatApi(
            base_url=wechat.base_url,
            app_id=APP_ID,
            app_secret=APP_SECRET,
            timeout=5,
            token_cache=tokens,
        )
        client_api.send_text(OPENID, "您好")
        client_api.send_text(OPENID, "再见")
    assert wechat.state.texts() == ["您好", "再见"]
    assert len(wechat.state.token_requests) == 1  # cached in the process meanwhile
    assert "Redis failed on first_time (ConnectionError" in caplog.text


def test_outage_skips_redis_for_a_while() -> None:
    now = [0.0]
    outage = RedisOutage(pause=10, clock=lambda: now[0])
    assert not outage.active
    outage.report("first_time", redis.ConnectionError("refused"))
    assert outage.active
    now[0] = 10.5
    assert not outage.active


@pytest.mark.anyio
async def test_webhook_processes_messages_when_redis_is_down(
    wechat: FakeWeChatApi, wechat_server: WeChatServer
) -> None:
    state = build_state(Settings(wechat_redis_url=down_url()), APP_ID)
    assert isinstance(state.seen, RedisSeenMessages)

    async def answer(message: Any) -> None:
        if message.text == "慢":
            await asyncio.sleep(0.5)
        if message.text == "菜单":
            await message.output_channel.send_response(
                message.sender_id, {"text": "型号？", "buttons": MODELS}
            )
        else:
            await echo(message)

    bot = StubBot(answer)
    async with wechat_server(bot, state=state, reply_deadline=0.3) as c:
        xml = message_xml("text", msg_id="4242", Content="我的手机屏幕碎了")
        first = await c.post(xml)
        retry = await c.post(xml)  # the same machine still recognises the retry
        await c.post(message_xml("text", Content="菜单"))
        picked = await c.post(message_xml("text", Content="1"))
        slow = await c.post(message_xml("text", Content="慢"))
        texts = await asyncio.to_thread(wechat.wait_for_messages, 1)
    assert first.status == retry.status == 200
    assert first.content == retry.content == "你说：我的手机屏幕碎了"
    assert picked.content == f"你说：{MODELS[0]['payload']}"
    assert slow.body == "success" and texts == ["你说：慢"]
    assert [m.text for m in bot.received] == [
        "我的手机屏幕碎了",
        "菜单",
        MODELS[0]["payload"],
        "慢",
    ]


# --- two machines end to end ----------------------------------------------------------------


def shared(redis_url: str, prefix: str) -> SharedState:
    """One machine's state in the Redis at ``redis_url``, under the test's key ``prefix``."""
    return build_state(Settings(wechat_redis_url=redis_url), APP_ID, prefix=prefix)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_two_machines_process_a_retried_message_once(
    wechat_server: WeChatServer, redis_url: str, prefix: str, mode: str
) -> None:
    safe = mode == "safe"
    bot_a, bot_b = StubBot(echo), StubBot(echo)
    async with (
        wechat_server(bot_a, safe=safe, state=shared(redis_url, prefix)) as a,
        wechat_server(bot_b, safe=safe, state=shared(redis_url, prefix)) as b,
    ):
        xml = message_xml("text", msg_id="9876543210123456", Content="查询维修进度")
        first = await a.post(xml)
        retries = [await b.post(xml), await a.post(xml), await b.post(xml)]
    assert len(bot_a.received) + len(bot_b.received) == 1
    assert first.content == "你说：查询维修进度"
    assert [r.content for r in retries] == [first.content] * 3
    client = redis_client(redis_url)
    assert client.exists(f"{prefix}:{APP_ID}:seen:9876543210123456")
    client.close()


@pytest.mark.anyio
async def test_number_reply_on_another_machine_picks_the_offered_choice(
    wechat_server: WeChatServer, redis_url: str, prefix: str
) -> None:
    async def ask(message: Any) -> None:
        out = message.output_channel
        if message.text == "菜单":
            await out.send_response(message.sender_id, {"text": "型号？", "buttons": MODELS})
            await out.send_response(message.sender_id, {"text": "或者：", "buttons": HUMAN})
        else:
            await out.send_response(message.sender_id, {"text": f"收到 {message.text}"})

    async with (
        wechat_server(StubBot(ask), state=shared(redis_url, prefix)) as a,
        wechat_server(StubBot(ask), state=shared(redis_url, prefix)) as b,
    ):
        menu = await a.post(message_xml("text", Content="菜单"))
        picked = await b.post(message_xml("text", Content="3"))
        used_up = await a.post(message_xml("text", Content="3"))
    assert menu.content is not None and "回复 3 选择：转人工" in menu.content
    assert picked.content == "收到 /request_human"
    assert used_up.content == "收到 3"


@pytest.mark.anyio
async def test_two_machines_share_the_token_for_late_answers(
    wechat: FakeWeChatApi, wechat_server: WeChatServer, redis_url: str, prefix: str
) -> None:
    async def slow(message: Any) -> None:
        await asyncio.sleep(0.4)
        await echo(message)

    async with (
        wechat_server(StubBot(slow), state=shared(redis_url, prefix), reply_deadline=0.2) as a,
        wechat_server(StubBot(slow), state=shared(redis_url, prefix), reply_deadline=0.2) as b,
    ):
        assert (await a.post(message_xml("text", Content="一"))).body == "success"
        await asyncio.to_thread(wechat.wait_for_messages, 1)
        assert (await b.post(message_xml("text", Content="二"))).body == "success"
        texts = await asyncio.to_thread(wechat.wait_for_messages, 2)
    assert texts == ["你说：一", "你说：二"]
    assert len(wechat.state.token_requests) == 1
