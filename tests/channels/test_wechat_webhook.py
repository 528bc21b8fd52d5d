"""The WeChat webhook end to end: a Sanic server with the channel, a client that signs and
encrypts like WeChat, a stub in place of Rasa's agent, and a fake WeChat API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.channels.wechat_fakes import (
    OPENID,
    TOKEN,
    FakeWeChatApi,
    StubBot,
    WeChatChannel,
    WeChatServer,
    echo,
    message_xml,
    serve_channel,
)

pytestmark = pytest.mark.anyio

MODES = ["plain", "safe"]


# --- server verification --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_verification_echoes_only_when_signed(wechat_server: WeChatServer, mode: str) -> None:
    bot = StubBot(echo)
    async with wechat_server(bot, safe=mode == "safe") as c:
        assert await c.verify("echo-4711") == (200, "echo-4711")
        status, _ = await c.verify("echo-4711", token="forged-token")
        assert status == 403
        assert await c.verify("again") == (200, "again")  # still serving


# --- messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_text_gets_a_passive_reply(
    wechat_server: WeChatServer, wechat: FakeWeChatApi, mode: str
) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe) as c:
        reply = await c.post(message_xml("text", msg_id="42", Content="我的一加12充不进电了"))
    assert reply.status == 200
    assert reply.content == "你说：我的一加12充不进电了"
    assert reply.fields is not None
    assert (reply.fields["ToUserName"], reply.fields["MsgType"]) == (OPENID, "text")
    if safe:
        assert "<Encrypt>" in reply.body and "充不进电" not in reply.body
    [message] = bot.received
    assert (message.sender_id, message.input_channel, message.message_id) == (
        OPENID,
        "wechat",
        "42",
    )
    assert message.metadata["wechat"]["openid"] == OPENID
    assert wechat.state.sent == []  # everything fit in the passive reply


@pytest.mark.parametrize(
    ("xml", "bot_text"),
    [
        (message_xml("event", Event="subscribe"), "/greet"),
        (message_xml("event", Event="CLICK", EventKey="REPAIR"), "/request_repair"),
        (message_xml("event", Event="CLICK", EventKey="REPAIR_STATUS"), "/check_repair_status"),
        (message_xml("voice", MediaId="v1", Format="amr", Recognition="我要报修"), "我要报修"),
        (message_xml("image", PicUrl="http://x/p.jpg", MediaId="IMG_1"), "/send_photo"),
        (message_xml("text", Content="😭📱💔"), "😭📱💔"),
    ],
    ids=["subscribe", "click", "click-status", "voice", "image", "emoji-only"],
)
@pytest.mark.parametrize("mode", MODES)
async def test_what_the_bot_receives(
    wechat_server: WeChatServer, mode: str, xml: str, bot_text: str
) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe) as c:
        reply = await c.post(xml)
    assert reply.status == 200
    assert [m.text for m in bot.received] == [bot_text]
    assert reply.content == f"你说：{bot_text}"
    if "image" in xml:
        assert bot.received[0].metadata["attachment"]["media_id"] == "IMG_1"


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (message_xml("video", MediaId="m", ThumbMediaId="t"), "暂时只能处理文字、语音和图片"),
        (message_xml("location", Location_X="22.5", Location_Y="113.9"), "暂时只能处理"),
        (message_xml("text", Content=""), "请用文字描述您的问题"),
        (message_xml("voice", MediaId="v", Format="amr"), "没有听清"),
        (message_xml("event", Event="CLICK", EventKey="UNKNOWN"), "暂时只能处理"),
    ],
    ids=["video", "location", "empty", "voice-unrecognised", "unknown-menu-key"],
)
@pytest.mark.parametrize("mode", MODES)
async def test_what_the_channel_answers_itself(
    wechat_server: WeChatServer, mode: str, xml: str, expected: str
) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe) as c:
        reply = await c.post(xml)
    assert reply.status == 200
    assert reply.content is not None and expected in reply.content
    assert bot.received == []


async def test_unsubscribe_is_acknowledged_with_success(wechat_server: WeChatServer) -> None:
    bot = StubBot(echo)
    async with wechat_server(bot) as c:
        reply = await c.post(message_xml("event", Event="unsubscribe"))
    assert (reply.status, reply.body) == (200, "success")
    assert bot.received == []


@pytest.mark.parametrize("mode", MODES)
async def test_ten_thousand_characters(
    wechat_server: WeChatServer, wechat: FakeWeChatApi, mode: str
) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe) as c:
        reply = await c.post(message_xml("text", Content="屏幕碎了" * 2500))
        [message] = bot.received
        assert message.text == ("屏幕碎了" * 2500)[:2000]
        assert reply.status == 200 and reply.content is not None
        # the echo (6 000+ bytes) is split: the passive reply, then customer-service messages
        assert len(reply.content.encode("utf-8")) <= 2048
        rest = await asyncio.to_thread(wechat.wait_for_messages, 2)
    assert reply.content + "".join(rest) == f"你说：{message.text}"


# --- refused requests; the server keeps serving ----------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_bad_requests_are_refused_and_the_server_keeps_serving(
    wechat_server: WeChatServer, mode: str
) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    good = message_xml("text", Content="你好")
    async with wechat_server(bot, safe=safe) as c:
        # wrong signature (a forged token): 403, never processed
        assert (await c.post(good, token="forged")).status == 403
        # no signature at all
        assert (await c.post_raw(good, {})).status == 403
        # malformed XML and empty bodies, correctly signed: 400
        query = c.signed_query(encrypt_type="aes") if safe else c.signed_query()
        for body in [b"", b"<xml><Content>", b"garbage", b"<xml></xml>", b"\xff\xfe"]:
            assert (await c.post_raw(body, query)).status == 400, body
        # an oversized body: 413, refused unread (the client waits for "100 Continue")
        oversized = b"<xml>" + b"x" * 200_000 + b"</xml>"
        assert (await c.post_raw(oversized, query, expect100=True)).status == 413
        if safe:
            # a plain body in safe mode, correctly signed: 403 (tests/security has more)
            assert (await c.post_raw(good, c.signed_query())).status == 403
            # a forged msg_signature over a real ciphertext: 403
            query = c.signed_query(encrypt_type="aes", msg_signature="0" * 40)
            envelope = c.crypto.encrypt_message(good, query["nonce"], query["timestamp"])
            assert (await c.post_raw(envelope, query)).status == 403
            # a correctly signed body that is not ciphertext of this account: 400
            from tests.channels.wechat_fakes import _signature

            for junk in ["bm90IGNpcGhlcnRleHQ=", "!!!", "QUJDREVGR0hJSktMTU5PUA=="]:
                query = c.signed_query(encrypt_type="aes")
                query["msg_signature"] = _signature(TOKEN, query["timestamp"], query["nonce"], junk)
                body = f"<xml><Encrypt><![CDATA[{junk}]]></Encrypt></xml>"
                assert (await c.post_raw(body, query)).status == 400, junk
            # a safe-mode body without Encrypt: 400
            query = c.signed_query(encrypt_type="aes", msg_signature="x")
            assert (await c.post_raw(good, query)).status == 400
        # an unknown encrypt_type: 400 (403 in safe mode: not encrypted)
        rot13 = await c.post_raw(good, c.signed_query(encrypt_type="rot13"))
        assert rot13.status == (403 if safe else 400)
        assert bot.received == []
        # still serving
        reply = await c.post(good)
        assert reply.content == "你说：你好"
    assert [m.text for m in bot.received] == ["你好"]


async def test_safe_mode_message_to_a_plain_channel_is_refused(
    wechat_channel: WeChatChannel,
) -> None:
    bot = StubBot(echo)
    async with serve_channel(wechat_channel(), bot, safe=True) as c:
        assert (await c.post(message_xml("text", Content="你好"))).status == 400
    assert bot.received == []


# --- retries, the 5-second rule, customer-service messages ----------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_retried_msg_id_is_processed_once(wechat_server: WeChatServer, mode: str) -> None:
    bot = StubBot(echo)
    safe = mode == "safe"
    xml = message_xml("text", msg_id="1234567890123456", Content="查询维修进度")
    async with wechat_server(bot, safe=safe) as c:
        replies = [await c.post(xml) for _ in range(4)]  # the message and WeChat's 3 retries
        event = message_xml("event", Event="subscribe", CreateTime="1700000000")
        events = [await c.post(event) for _ in range(2)]
    assert [m.text for m in bot.received] == ["查询维修进度", "/greet"]
    assert {r.content for r in replies} == {"你说：查询维修进度"}
    assert {r.content for r in events} == {"你说：/greet"}


@pytest.mark.parametrize("mode", MODES)
async def test_slow_bot_gets_success_then_customer_service_messages(
    wechat_server: WeChatServer, wechat: FakeWeChatApi, mode: str
) -> None:
    async def slow(message: Any) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "正在查询……"})
        await asyncio.sleep(1.5)
        await message.output_channel.send_response(message.sender_id, {"text": "工单已提交"})

    bot = StubBot(slow)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe, reply_deadline=0.3) as c:
        loop = asyncio.get_running_loop()
        started = loop.time()
        reply = await c.post(message_xml("text", msg_id="777", Content="提交"))
        assert (reply.status, reply.body) == (200, "success")
        assert loop.time() - started < 1.5  # answered while the bot was still busy
        assert "工单已提交" not in wechat.state.texts()
        retry = await c.post(message_xml("text", msg_id="777", Content="提交"))
        assert retry.body == "success"
        texts = await asyncio.to_thread(wechat.wait_for_messages, 2)
    assert texts == ["正在查询……", "工单已提交"]
    assert all(m["touser"] == OPENID for m in wechat.state.sent)
    assert len(bot.received) == 1
    assert len(wechat.state.token_requests) == 1


async def test_expired_token_is_refreshed_for_late_answers(
    wechat_server: WeChatServer, wechat: FakeWeChatApi
) -> None:
    async def slow(message: Any) -> None:
        await asyncio.sleep(0.4)
        await message.output_channel.send_response(message.sender_id, {"text": message.text})

    bot = StubBot(slow)
    async with wechat_server(bot, reply_deadline=0.2) as c:
        assert (await c.post(message_xml("text", Content="一"))).body == "success"
        await asyncio.to_thread(wechat.wait_for_messages, 1)
        wechat.state.expire_tokens()  # e.g. another server fetched a new token
        assert (await c.post(message_xml("text", Content="二"))).body == "success"
        texts = await asyncio.to_thread(wechat.wait_for_messages, 2)
    assert texts == ["一", "二"]
    assert len(wechat.state.token_requests) == 2
    assert [r["errcode"] for r in wechat.state.rejected] == [40001]


async def test_bot_failure_gets_a_clear_answer(wechat_server: WeChatServer) -> None:
    async def broken(message: Any) -> None:
        raise RuntimeError("tracker store down")

    bot = StubBot(broken)
    async with wechat_server(bot) as c:
        reply = await c.post(message_xml("text", Content="你好"))
    assert reply.status == 200
    assert reply.content is not None and "系统暂时出了点问题" in reply.content


# --- buttons and long answers -----------------------------------------------------------------

MODELS = [
    {"title": "一加 12", "payload": '/inform{"device_model": "oneplus-12"}'},
    {"title": "一加 12R", "payload": '/inform{"device_model": "oneplus-12r"}'},
]


@pytest.mark.parametrize("mode", MODES)
async def test_buttons_are_numbered_and_a_number_picks_the_payload(
    wechat_server: WeChatServer, wechat: FakeWeChatApi, mode: str
) -> None:
    async def ask(message: Any) -> None:
        if message.text.startswith("/inform"):
            await message.output_channel.send_response(message.sender_id, {"text": "好的"})
            return
        await message.output_channel.send_response(
            message.sender_id, {"text": "您的手机是哪一款？", "buttons": list(MODELS)}
        )

    bot = StubBot(ask)
    safe = mode == "safe"
    async with wechat_server(bot, safe=safe) as c:
        first = await c.post(message_xml("text", Content="我的一加12屏幕碎了"))
        assert first.content == ("您的手机是哪一款？\n回复 1 选择：一加 12\n回复 2 选择：一加 12R")
        second = await c.post(message_xml("text", Content="２"))
        assert second.content == "好的"
        third = await c.post(message_xml("text", Content="2"))  # the choices are used up
    assert [m.text for m in bot.received] == [
        "我的一加12屏幕碎了",
        '/inform{"device_model": "oneplus-12r"}',
        "2",
    ]
    assert bot.received[1].metadata["wechat"]["choice"] == "２"
    assert third.content == "您的手机是哪一款？\n回复 1 选择：一加 12\n回复 2 选择：一加 12R"


async def test_two_button_messages_in_one_turn_continue_the_numbering(
    wechat_server: WeChatServer,
) -> None:
    async def ask(message: Any) -> None:
        out = message.output_channel
        if message.text == "菜单":
            await out.send_response(message.sender_id, {"text": "型号？", "buttons": MODELS})
            await out.send_response(
                message.sender_id,
                {"text": "或者：", "buttons": [{"title": "转人工", "payload": "/request_human"}]},
            )
        else:
            await out.send_response(message.sender_id, {"text": f"收到 {message.text}"})

    bot = StubBot(ask)
    async with wechat_server(bot) as c:
        menu = await c.post(message_xml("text", Content="菜单"))
        assert menu.content is not None and "回复 3 选择：转人工" in menu.content
        picked = await c.post(message_xml("text", Content="3"))
    assert picked.content == "收到 /request_human"


async def test_several_messages_share_the_passive_reply(
    wechat_server: WeChatServer, wechat: FakeWeChatApi
) -> None:
    async def chatty(message: Any) -> None:
        for text in ["第一句", "第二句", "第三句"]:
            await message.output_channel.send_response(message.sender_id, {"text": text})

    async with wechat_server(StubBot(chatty)) as c:
        reply = await c.post(message_xml("text", Content="你好"))
    assert reply.content == "第一句\n\n第二句\n\n第三句"
    assert wechat.state.sent == []


@pytest.mark.parametrize("mode", MODES)
async def test_long_answer_is_split_at_the_byte_limit(
    wechat_server: WeChatServer, wechat: FakeWeChatApi, mode: str
) -> None:
    lines = [
        f"{i:02d}. 深圳南山区科技园服务中心，地址：科苑路 {i} 号，营业时间 9:00–18:00"
        for i in range(60)
    ]
    answer = "\n".join(lines)
    assert len(answer.encode("utf-8")) > 2 * 2048

    async def long(message: Any) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": answer})

    safe = mode == "safe"
    async with wechat_server(StubBot(long), safe=safe) as c:
        reply = await c.post(message_xml("text", Content="深圳有哪些网点"))
        rest = await asyncio.to_thread(wechat.wait_for_messages, 2)
    assert reply.content is not None
    parts = [reply.content, *rest]
    assert all(len(p.encode("utf-8")) <= 2048 for p in parts)
    assert "\n".join(parts) == answer  # cut at line breaks, nothing lost
    assert wechat.state.rejected == []


async def test_reminder_output_channel_pushes(
    wechat_channel: WeChatChannel, wechat: FakeWeChatApi
) -> None:
    ch = wechat_channel()
    out = ch.get_output_channel()
    await out.send_response(OPENID, {"text": "您的工单已重新提交", "buttons": MODELS})
    await out.drain()
    assert wechat.state.texts() == [
        "您的工单已重新提交\n回复 1 选择：一加 12\n回复 2 选择：一加 12R"
    ]
    assert ch.choices.resolve(OPENID, "1") == MODELS[0]["payload"]


async def test_buttons_sent_after_the_turn_are_numbered_from_one(
    wechat_server: WeChatServer, wechat_channel: WeChatChannel, wechat: FakeWeChatApi
) -> None:
    outputs: list[Any] = []

    async def remember(message: Any) -> None:
        outputs.append(message.output_channel)
        await message.output_channel.send_response(
            message.sender_id, {"text": "型号？", "buttons": MODELS}
        )

    ch = wechat_channel()
    async with wechat_server(StubBot(remember), channel=ch) as c:
        await c.post(message_xml("text", Content="你好"))
        # later, e.g. a Rasa reminder, through the same output channel
        await outputs[0].send_response(
            OPENID, {"text": "还在吗？", "buttons": [{"title": "在", "payload": "/affirm"}]}
        )
        await outputs[0].drain()
    assert wechat.state.texts() == ["还在吗？\n回复 1 选择：在"]
    assert ch.choices.resolve(OPENID, "1") == "/affirm"
