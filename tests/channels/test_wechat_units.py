"""Pure parts of the WeChat channel: parsing, rendering, splitting, signatures, caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.exceptions import RasaException

from bot.channels.dedup import SeenMessages
from bot.channels.wechat import WeChatInput
from bot.channels.wechat.inbound import Inbound, parse_inbound
from bot.channels.wechat.output import pack_passive
from bot.channels.wechat.render import (
    ChoiceMemory,
    choice_number,
    number_buttons,
    render_choices,
    split_text,
)
from bot.channels.wechat.security import SafeMode, UndecryptableBody, is_valid_signature, sign
from bot.channels.wechat.texts import REPLY_RESPONSES, load_wechat_data, parse_wechat_data
from bot.channels.wechat.xmlio import MalformedXml, parse_xml, render_text_reply
from tests.channels.wechat_fakes import ACCOUNT, AES_KEY, APP_ID, OPENID, TOKEN, message_xml

DATA = load_wechat_data()
ROOT = Path(__file__).resolve().parents[2]


def inbound(xml: str, max_chars: int = 2000) -> Inbound:
    return parse_inbound(xml, DATA, max_chars=max_chars)


# --- wechat_menu.yml ------------------------------------------------------------------------


def test_menu_intents_exist_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert DATA.menu, "the menu map is empty"
    assert set(DATA.menu.values()) <= set(domain["intents"])
    assert DATA.texts.subscribe.removeprefix("/") in domain["intents"]


def test_channel_replies_are_domain_responses() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for field_name, response in REPLY_RESPONSES.items():
        assert getattr(DATA.texts, field_name) == domain["responses"][response][0]["text"]
    assert DATA.texts.image == "/send_photo"


RESPONSES = {name: [{"text": f"{name} {{number}} {{title}}"}] for name in REPLY_RESPONSES.values()}
TRIGGERS = {"subscribe": "/greet", "image": "/send_photo"}


def test_menu_file_is_checked() -> None:
    with pytest.raises(ValueError, match="not an intent name"):
        parse_wechat_data({"menu": {"X": "我要报修"}, "triggers": TRIGGERS}, RESPONSES)
    with pytest.raises(ValueError, match=r"triggers\.image"):
        parse_wechat_data({"menu": {}, "triggers": {"subscribe": "/greet"}}, RESPONSES)
    missing = {k: v for k, v in RESPONSES.items() if k != "utter_channel_error"}
    with pytest.raises(ValueError, match="domain response utter_channel_error"):
        parse_wechat_data({"menu": {}, "triggers": TRIGGERS}, missing)
    no_number = {**RESPONSES, "utter_channel_choice": [{"text": "选 {title}"}]}
    with pytest.raises(ValueError, match="number"):
        parse_wechat_data({"menu": {}, "triggers": TRIGGERS}, no_number)
    assert parse_wechat_data({"menu": {}, "triggers": TRIGGERS}, RESPONSES).texts.empty


# --- parsing --------------------------------------------------------------------------------


def test_text_message() -> None:
    message = inbound(message_xml("text", msg_id="1001", Content=" 我的一加12屏幕碎了 "))
    assert (message.openid, message.account, message.msg_type) == (OPENID, ACCOUNT, "text")
    assert message.text == "我的一加12屏幕碎了"
    assert message.direct_reply is None
    assert message.dedup_key == "1001"
    assert message.metadata["wechat"]["msg_id"] == "1001"


def test_subscribe_event_greets_and_is_deduplicated_by_sender_and_time() -> None:
    xml = message_xml("event", Event="subscribe", CreateTime="1700000000")
    message = inbound(xml)
    assert message.text == "/greet"
    assert message.dedup_key == f"{OPENID}:1700000000:event:subscribe"


@pytest.mark.parametrize(("key", "intent"), sorted(DATA.menu.items()))
def test_menu_click_sends_its_intent(key: str, intent: str) -> None:
    message = inbound(message_xml("event", Event="CLICK", EventKey=key))
    assert message.text == f"/{intent}"
    assert message.metadata["wechat"]["event_key"] == key


def test_unknown_menu_key_gets_a_chinese_reply() -> None:
    message = inbound(message_xml("event", Event="CLICK", EventKey="NO_SUCH_KEY"))
    assert message.text is None
    assert message.direct_reply == DATA.texts.unsupported


def test_other_events_are_acknowledged_silently() -> None:
    message = inbound(message_xml("event", Event="unsubscribe"))
    assert message.text is None and message.direct_reply == ""


def test_voice_with_recognition_sends_its_text() -> None:
    xml = message_xml("voice", MediaId="m1", Format="amr", Recognition="查询维修进度")
    assert inbound(xml).text == "查询维修进度"


def test_voice_without_recognition_asks_again() -> None:
    message = inbound(message_xml("voice", MediaId="m1", Format="amr"))
    assert message.direct_reply == DATA.texts.voice_unrecognised


def test_image_keeps_its_media_id_in_the_metadata() -> None:
    xml = message_xml("image", PicUrl="http://mmbiz.example/pic.jpg", MediaId="MEDIA_1")
    message = inbound(xml)
    assert message.text == DATA.texts.image
    assert message.metadata["attachment"] == {
        "kind": "image",
        "channel": "wechat",
        "media_id": "MEDIA_1",
        "pic_url": "http://mmbiz.example/pic.jpg",
    }


@pytest.mark.parametrize("msg_type", ["video", "shortvideo", "location", "link", "file"])
def test_unknown_types_get_a_chinese_reply(msg_type: str) -> None:
    message = inbound(message_xml(msg_type, MediaId="m"))
    assert message.text is None
    assert message.direct_reply == DATA.texts.unsupported
    assert "文字" in message.direct_reply


@pytest.mark.parametrize("content", ["", "   ", "\n"])
def test_empty_text_gets_a_prompt(content: str) -> None:
    assert inbound(message_xml("text", Content=content)).direct_reply == DATA.texts.empty


def test_long_text_is_cut_and_marked() -> None:
    message = inbound(message_xml("text", Content="屏" * 10_000), max_chars=2000)
    assert message.text == "屏" * 2000
    assert message.metadata["wechat"]["truncated_from"] == 10_000


def test_emoji_only_text_goes_to_the_bot() -> None:
    assert inbound(message_xml("text", Content="😭📱💔")).text == "😭📱💔"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"not xml",
        b"<xml><Content>unclosed</xml>",
        b"<root><MsgType>text</MsgType></root>",
        b"<xml></xml>",
        b"<xml>text only</xml>",
        b"\xff\xfe<xml/>",
        b"<xml><MsgType>text</MsgType></xml>",  # no sender
        b"<xml><FromUserName><a>1</a></FromUserName><ToUserName>g</ToUserName>"
        b"<MsgType>text</MsgType></xml>",
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><FromUserName>&b;</FromUserName><ToUserName>g</ToUserName>"
        b"<MsgType>text</MsgType></xml>",
    ],
)
def test_malformed_messages_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedXml):
        parse_inbound(body, DATA, max_chars=2000)


# --- rendering ------------------------------------------------------------------------------


def test_passive_reply_is_well_formed_whatever_the_text() -> None:
    text = "a]]>b\x00c<d>&😀"
    reply = render_text_reply(OPENID, ACCOUNT, text)
    fields = parse_xml(reply)
    assert fields["Content"] == "a]]>bc<d>&😀"
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"]) == (
        OPENID,
        ACCOUNT,
        "text",
    )


def test_buttons_become_numbered_choices() -> None:
    buttons = [
        {"title": "一加 12", "payload": '/inform{"device_model": "oneplus-12"}'},
        {"title": "一加 12R", "payload": '/inform{"device_model": "oneplus-12r"}'},
    ]
    choices = number_buttons(buttons)
    text = render_choices("您说的是哪一款？", choices, DATA.texts.choice)
    assert text == "您说的是哪一款？\n回复 1 选择：一加 12\n回复 2 选择：一加 12R"
    assert [c.payload for c in number_buttons(buttons, first=3)] == [b["payload"] for b in buttons]
    assert [c.number for c in number_buttons(buttons, first=3)] == [3, 4]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        (" 2 ", 2),
        ("３", 3),
        ("4.", 4),
        ("12", 12),
        ("一", None),
        ("1a", None),
        ("123", None),
        ("", None),
        ("13800001111", None),
    ],
)
def test_choice_number(text: str, number: int | None) -> None:
    assert choice_number(text) == number


def test_choice_memory_resolves_expires_and_replaces() -> None:
    now = [0.0]
    memory = ChoiceMemory(ttl=60, clock=lambda: now[0])
    memory.offer("u", number_buttons([{"title": "是", "payload": "/affirm"}]))
    memory.extend("u", number_buttons([{"title": "否", "payload": "/deny"}], first=2))
    assert memory.resolve("u", "1") == "/affirm"
    assert memory.resolve("u", "2") == "/deny"
    assert memory.resolve("u", "3") is None
    assert memory.resolve("other", "1") is None
    memory.offer("u", [])
    assert memory.resolve("u", "1") is None
    memory.offer("u", number_buttons([{"title": "是", "payload": "/affirm"}]))
    now[0] = 61
    assert memory.resolve("u", "1") is None


# --- splitting ------------------------------------------------------------------------------


def test_short_text_is_one_part() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("  ") == []


def test_long_text_is_split_within_the_byte_limit_without_loss() -> None:
    text = "\n".join(f"第{i}行：维修网点地址和营业时间。" * 3 for i in range(100))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_split_never_cuts_a_character() -> None:
    text = "😀" * 1000 + "屏" * 1000  # 4-byte and 3-byte characters, no separators
    parts = split_text(text)
    assert all(len(part.encode("utf-8")) <= 2048 for part in parts)
    assert "".join(parts) == text


def test_passive_packing_joins_what_fits_and_leaves_the_rest() -> None:
    assert pack_passive([]) == ("", [])
    assert pack_passive(["一", "二"]) == ("一\n\n二", [])
    big = "长" * 1000  # 3000 bytes
    reply, rest = pack_passive(["短", big])
    assert reply == "短"  # the first part of `big` would not fit beside it
    assert "".join(rest) == big
    assert all(len(part.encode("utf-8")) <= 2048 for part in rest)
    reply, rest = pack_passive([big])
    assert len(reply.encode("utf-8")) <= 2048 and reply + "".join(rest) == big


# --- signatures and safe mode -----------------------------------------------------------------


def test_signature_is_checked_in_constant_time_and_exactly() -> None:
    good = sign(TOKEN, "1700000000", "nonce")
    assert is_valid_signature(TOKEN, good, "1700000000", "nonce")
    assert not is_valid_signature(TOKEN, good, "1700000001", "nonce")
    assert not is_valid_signature("other-token", good, "1700000000", "nonce")
    assert not is_valid_signature(TOKEN, "", "1700000000", "nonce")
    assert not is_valid_signature(TOKEN, good, "", "")


def test_safe_mode_round_trip_and_refusals() -> None:
    safe = SafeMode(TOKEN, AES_KEY, APP_ID)
    envelope = parse_xml(safe.encrypt("<xml><Content>你好</Content></xml>"))
    encrypted = envelope["Encrypt"]
    signature = envelope["MsgSignature"]
    ts, nonce = envelope["TimeStamp"], envelope["Nonce"]
    assert safe.has_valid_msg_signature(signature, ts, nonce, encrypted)
    assert safe.decrypt(signature, ts, nonce, encrypted) == "<xml><Content>你好</Content></xml>"
    other_app = SafeMode(TOKEN, AES_KEY, "wxanotherapp000000")
    with pytest.raises(UndecryptableBody):
        other_app.decrypt(signature, ts, nonce, encrypted)
    for garbage in ("not base64!!", "QUJD", encrypted[:-8]):
        forged = sign(TOKEN, ts, nonce, garbage)
        with pytest.raises(UndecryptableBody):
            safe.decrypt(forged, ts, nonce, garbage)


def test_bad_aes_key_is_refused() -> None:
    with pytest.raises(ValueError):
        SafeMode(TOKEN, "short", APP_ID)


# --- credentials --------------------------------------------------------------------------


def test_from_credentials_refuses_missing_values() -> None:
    with pytest.raises(RasaException, match="token, app_id and app_secret"):
        WeChatInput.from_credentials(None)
    with pytest.raises(RasaException, match="app_secret"):
        WeChatInput.from_credentials({"token": "t", "app_id": "wx1", "app_secret": " "})
    with pytest.raises(RasaException, match="EncodingAESKey"):
        WeChatInput.from_credentials(
            {"token": "t", "app_id": "wx1", "app_secret": "s", "encoding_aes_key": "x"}
        )


def test_from_credentials_takes_the_api_url_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.settings import get_settings

    monkeypatch.setenv("WECHAT_API_BASE_URL", "http://127.0.0.1:9/")
    get_settings.cache_clear()
    try:
        channel = WeChatInput.from_credentials(
            {"token": TOKEN, "app_id": APP_ID, "app_secret": "s", "encoding_aes_key": AES_KEY}
        )
    finally:
        get_settings.cache_clear()
    assert WeChatInput.name() == "wechat"
    assert channel.api._base_url == "http://127.0.0.1:9"
    assert channel.safe_mode is not None


def test_seen_messages_once_within_ttl() -> None:
    now = [0.0]
    seen = SeenMessages(ttl=10, clock=lambda: now[0])
    assert seen.first_time("m1")
    assert not seen.first_time("m1")
    seen.remember_reply("m1", "<xml/>")
    assert seen.reply_for("m1") == "<xml/>"
    now[0] = 11
    assert seen.first_time("m2")
    assert seen.reply_for("m1") is None
    assert seen.first_time("m1")
