"""The WeChat channel in the running assistant (``scripts/run.sh`` with ``WECHAT_*`` set).

A user follows the account, books a repair by typing and by replying with numbers, sends a
photo of the fault in the middle, and gets the ticket number: through the trained model, the
action server and the ticket store, against the local fake WeChat API, in safe (AES) mode.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Iterator

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import select

from bot.console import accounts
from bot.console.channel import CSRF_VALUE
from bot.tickets import list_attachments, session_scope
from bot.tickets.models import SatisfactionRating, Ticket
from tests.channels.servers import Servers, tiny_png
from tests.channels.wechat_fakes import (
    FakeWeChatApi,
    WeChatClient,
    message_xml,
    wechat_environment,
)

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.anyio]

OPENID = "o-live-wechat-user-0001"
IMEI = "866121040885672"  # Luhn-valid, used by no other test
TURN_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def wechat() -> Iterator[FakeWeChatApi]:
    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory, wechat: FakeWeChatApi) -> Iterator[Servers]:
    env = {
        **wechat_environment(wechat),
        "HANDOFF_WORKING_HOURS": "00:00-24:00",  # agents at work whenever the test runs
    }
    servers = Servers(tmp_path_factory.mktemp("wechat-live"), env)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


class Chat:
    """One WeChat user: every message is signed and encrypted, the bot's words are collected
    from the passive reply and from the customer-service messages that follow it."""

    def __init__(self, client: WeChatClient, wechat: FakeWeChatApi, openid: str = OPENID) -> None:
        self.client = client
        self.wechat = wechat
        self.openid = openid
        self.transcript: list[str] = []

    async def send(self, xml: str, expect: str) -> str:
        pushed_before = len(self.wechat.state.texts())
        reply = await self.client.post(xml)
        assert reply.status == 200, reply.body
        words = [reply.content] if reply.content else []
        deadline = time.monotonic() + TURN_TIMEOUT
        while expect not in "\n".join(words) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            words = [*([reply.content] if reply.content else []), *self.pushed(pushed_before)]
        await asyncio.sleep(1.0)  # the rest of the turn, if any
        words = [*([reply.content] if reply.content else []), *self.pushed(pushed_before)]
        said = "\n".join(words)
        assert expect in said, f"expected {expect!r} in {said!r}"
        self.transcript.append(said)
        return said

    def pushed(self, since: int) -> list[str]:
        return self.wechat.state.texts()[since:]

    async def wait_pushed(self, since: int, expect: str) -> str:
        """The customer-service messages since ``since``, once one contains ``expect``."""
        deadline = time.monotonic() + TURN_TIMEOUT
        while time.monotonic() < deadline:
            pushed = "\n".join(self.pushed(since))
            if expect in pushed:
                return pushed
            await asyncio.sleep(0.2)
        raise AssertionError(f"expected {expect!r} in {self.pushed(since)!r}")

    async def say(self, text: str, expect: str) -> str:
        return await self.send(message_xml("text", openid=self.openid, Content=text), expect)

    async def choose(self, said: str, title: str, expect: str) -> str:
        number = re.search(rf"回复 (\d+) 选择：{re.escape(title)}", said)
        assert number, f"no numbered choice {title!r} in {said!r}"
        return await self.say(number.group(1), expect)


async def test_a_repair_over_wechat_with_a_photo(servers: Servers, wechat: FakeWeChatApi) -> None:
    wechat.state.media["MEDIA_LIVE_1"] = (tiny_png(), "image/png")
    url = f"http://127.0.0.1:{servers.rasa_port}/webhooks/wechat/webhook"
    async with aiohttp.ClientSession() as session:
        chat = Chat(WeChatClient(session, url, safe=True), wechat)
        welcome = await chat.send(
            message_xml("event", openid=OPENID, Event="subscribe"), "回复 1 选择"
        )
        await chat.choose(welcome, "我要报修", "什么问题")
        photo = await chat.send(
            message_xml("image", openid=OPENID, MediaId="MEDIA_LIVE_1", PicUrl="http://x/p"),
            "随这次报修",
        )
        assert "什么问题" in photo or "故障" in photo  # the form asks its question again
        await chat.say("屏幕上有一条绿线", "触摸不灵")  # the guided diagnosis first
        await chat.say("否", "型号")
        await chat.say("一加12", "什么时候买")
        await chat.say("去年三月", "IMEI")
        methods = await chat.say(IMEI, "哪种方式")
        await chat.choose(methods, "寄修", "手机号")
        summary = await chat.say("13912345678", "以上信息正确吗")
        assert "139****5678" in summary
        # WeChat retries a message it got no answer to: the retry is answered, not re-run
        retried = message_xml("text", openid=OPENID, msg_id="880001", Content="谢谢")
        done = await chat.choose(summary, "确认提交", "工单号")
        first = await chat.client.post(retried)
        again = await chat.client.post(retried)
        assert (first.status, again.status) == (200, 200)
        assert again.body == first.body or again.body == "success"

    ticket_no = re.search(r"R\d{8}-\d{4}", done)
    assert ticket_no, done
    with session_scope(servers.ticket_url) as db:
        tickets = db.execute(select(Ticket).where(Ticket.sender_id == OPENID)).scalars().all()
        assert [(t.ticket_no, t.channel, t.service_type) for t in tickets] == [
            (ticket_no.group(), "wechat", "mail_in")
        ]
        [photo_row] = list_attachments(db, ticket_no=ticket_no.group())
    assert (photo_row.channel, photo_row.source_ref, photo_row.content_type) == (
        "wechat",
        "MEDIA_LIVE_1",
        "image/png",
    )
    stored = servers.var_dir / "uploads" / photo_row.storage_key
    # the same picture, written again without its metadata
    with Image.open(stored) as kept, Image.open(io.BytesIO(tiny_png())) as sent:
        assert kept.convert("RGB").tobytes() == sent.convert("RGB").tobytes()
    # every customer-service message the assistant sent went to this user, within the limit
    assert all(m["touser"] == OPENID for m in wechat.state.sent)
    assert wechat.state.rejected == []


async def test_an_agent_answers_a_wechat_user(servers: Servers, wechat: FakeWeChatApi) -> None:
    openid = "o-live-wechat-user-0002"
    accounts.add_agent("wangwu", "王五", "agent password 1", url=servers.ticket_url)
    # Signed in, so online: the bot queues chats only while an agent is online.
    assert accounts.sign_in("wangwu", "agent password 1", url=servers.ticket_url) is not None
    hook = f"http://127.0.0.1:{servers.rasa_port}/webhooks/wechat/webhook"
    console = f"http://127.0.0.1:{servers.rasa_port}/webhooks/console/api/"
    headers = {"X-Requested-With": CSRF_VALUE}
    async with (
        aiohttp.ClientSession() as user_session,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as agent,
    ):
        chat = Chat(WeChatClient(user_session, hook, safe=True), wechat, openid)
        said = await chat.send(message_xml("text", openid=openid, Content="转人工"), "人工客服")
        assert "转接" in said
        login = {"username": "wangwu", "password": "agent password 1"}
        async with agent.post(console + "login", json=login, headers=headers) as reply:
            assert reply.status == 200
        async with agent.get(console + "queue") as reply:
            queue = await reply.json()
        [handoff] = [h for h in queue["queued"] if h["sender_id"] == openid]
        assert handoff["channel"] == "wechat"
        before = len(wechat.state.texts())
        claim = f"{console}handoffs/{handoff['id']}/claim"
        async with agent.post(claim, headers=headers) as reply:
            assert reply.status == 200
        send = f"{console}handoffs/{handoff['id']}/messages"
        async with agent.post(send, json={"text": "您好，我是王五"}, headers=headers) as reply:
            assert reply.status == 201 and (await reply.json())["delivered"] is True
        pushed = chat.pushed(before)
        assert pushed == [
            "人工客服 王五 已接入，正在查看您的问题。",
            "【人工客服 王五】您好，我是王五",
        ]
        assert all(m["touser"] == openid for m in wechat.state.sent[before:])
        # while the agent holds the chat, the bot says nothing: the message is the agent's
        quiet = await chat.client.post(message_xml("text", openid=openid, Content="屏幕碎了"))
        assert quiet.status == 200 and quiet.content is None
        await asyncio.sleep(1.0)
        assert chat.pushed(before) == pushed
        transcript = f"{console}handoffs/{handoff['id']}/transcript"
        async with agent.get(transcript) as reply:
            events = (await reply.json())["events"]
        assert ("user", "屏幕碎了") in [(e["kind"], e["text"]) for e in events]
        back = f"{console}handoffs/{handoff['id']}/return"
        async with agent.post(back, headers=headers) as reply:
            assert reply.status == 200
        assert chat.pushed(before)[-1].startswith("人工客服已将对话转回智能助手")
        # the bot answers again
        await chat.say("我要报修", "什么问题")

        # A second time: the agent closes the chat, and the user rates the agent's help.
        await chat.send(
            message_xml("event", openid=openid, Event="CLICK", EventKey="HUMAN"), "转接"
        )
        async with agent.get(console + "queue") as reply:
            queue = await reply.json()
        [again] = [h for h in queue["queued"] if h["sender_id"] == openid]
        async with agent.post(f"{console}handoffs/{again['id']}/claim", headers=headers) as reply:
            assert reply.status == 200
        before = len(wechat.state.texts())
        async with agent.post(f"{console}handoffs/{again['id']}/close", headers=headers) as reply:
            assert reply.status == 200
        pushed = await chat.wait_pushed(before, "请为本次服务打个分吧")
        assert "本次人工服务已结束" in pushed
        await chat.choose(pushed, "5 非常满意", "感谢您的评价")
    with session_scope(servers.ticket_url) as db:
        ratings = (
            db.execute(select(SatisfactionRating).where(SatisfactionRating.sender_id == openid))
            .scalars()
            .all()
        )
        assert [(r.score, r.context) for r in ratings] == [(5, "handoff")]
