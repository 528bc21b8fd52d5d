"""Turn a WeChat message (decrypted XML) into what the assistant receives.

Pure functions: no Sanic, no Rasa. The result either carries the text for the assistant
(``text``) or a reply the channel gives itself (``direct_reply``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.channels.wechat.texts import WeChatData
from bot.channels.wechat.xmlio import MalformedXml, parse_xml


@dataclass(frozen=True)
class Inbound:
    """One message from a WeChat user, ready for the assistant or answered by the channel."""

    openid: str
    account: str
    msg_type: str
    dedup_key: str
    text: str | None = None
    direct_reply: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _field(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedXml(f"{name} is not a text field")
    return value


def parse_inbound(body: bytes | str, data: WeChatData, *, max_chars: int) -> Inbound:
    """Parse a plain WeChat message and decide what the assistant gets.

    Text goes to the assistant as it is (cut to ``max_chars``); a ``subscribe`` event sends
    the welcome trigger; a menu ``CLICK`` sends ``/<intent>`` from the menu map; a voice
    message sends WeChat's ``Recognition`` text; an image sends the channel's image text
    with the media id in the metadata. Anything else gets a direct reply.

    Raises:
        MalformedXml: not a WeChat message (no sender, account or type).
    """
    fields = parse_xml(body)
    openid = _field(fields, "FromUserName")
    account = _field(fields, "ToUserName")
    msg_type = _field(fields, "MsgType").lower()
    if not (openid and account and msg_type):
        raise MalformedXml("FromUserName, ToUserName and MsgType are required")
    msg_id = _field(fields, "MsgId")
    create_time = _field(fields, "CreateTime")
    event = _field(fields, "Event")
    # WeChat's advice: messages are unique by MsgId, events by sender + CreateTime.
    dedup_key = msg_id or f"{openid}:{create_time}:{msg_type}:{event}"
    meta: dict[str, Any] = {
        "openid": openid,
        "account": account,
        "msg_type": msg_type,
        "msg_id": msg_id or None,
        "create_time": create_time or None,
    }
    texts = data.texts

    def message(text: str | None = None, reply: str | None = None, **extra: Any) -> Inbound:
        return Inbound(
            openid=openid,
            account=account,
            msg_type=msg_type,
            dedup_key=dedup_key,
            text=text,
            direct_reply=reply,
            metadata={"wechat": meta, **extra},
        )

    if msg_type == "text":
        content = unicodedata.normalize("NFC", _field(fields, "Content")).strip()
        if not content:
            return message(reply=texts.empty)
        if len(content) > max_chars:
            meta["truncated_from"] = len(content)
            content = content[:max_chars]
        return message(text=content)
    if msg_type == "voice":
        recognition = _field(fields, "Recognition").strip()
        meta["media_id"] = _field(fields, "MediaId") or None
        if not recognition:
            return message(reply=texts.voice_unrecognised)
        return message(text=recognition[:max_chars])
    if msg_type == "image":
        media_id = _field(fields, "MediaId")
        attachment = {
            "kind": "image",
            "channel": "wechat",
            "media_id": media_id,
            "pic_url": _field(fields, "PicUrl") or None,
        }
        return message(text=texts.image, attachment=attachment)
    if msg_type == "event":
        event_name = event.lower()
        meta["event"] = event_name
        if event_name == "subscribe":
            return message(text=texts.subscribe)
        if event_name == "click":
            key = _field(fields, "EventKey")
            meta["event_key"] = key
            intent = data.menu.get(key)
            if intent:
                return message(text=f"/{intent}")
            return message(reply=texts.unsupported)
        # unsubscribe, VIEW, LOCATION, SCAN ...: nothing to say (and nobody to say it to).
        return message(reply="")
    return message(reply=texts.unsupported)
