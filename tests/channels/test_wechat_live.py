"""The WeChat channel in the running assistant (``scripts/run.sh`` with ``WECHAT_*`` set).

A user follows the account, books a repair by typing and by replying with numbers, sends a
photo of the fault in the middle, and gets the ticket number: through the trained model, the
action server and the ticket store, against the local fake WeChat API, in safe (AES) mode.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import aiohttp
import pytest
from sqlalchemy import select

from bot.tickets import list_attachments, session_scope
from bot.tickets.models import Ticket
from tests.channels.servers import Servers, tiny_png
from tests.channels.wechat_fakes import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    TOKEN,
    FakeWeChatApi,
    WeChatClient,
    message_xml,
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
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_API_BASE_URL": wechat.base_url,
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

    def __init__(self, client: WeChatClient, wechat: FakeWeChatApi) -> None:
        self.client = client
        self.wechat = wechat
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

    async def say(self, text: str, expect: str) -> str:
        return await self.send(message_xml("text", openid=OPENID, Content=text), expect)

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
        await chat.say("屏幕上有一条绿线", "型号")
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
    assert stored.read_bytes() == tiny_png()
    # every customer-service message the assistant sent went to this user, within the limit
    assert all(m["touser"] == OPENID for m in wechat.state.sent)
    assert wechat.state.rejected == []
