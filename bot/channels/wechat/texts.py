"""The WeChat channel's data: its menu map and triggers, and the replies it gives itself.

The menu's CLICK keys → intents and the triggers are in ``wechat_menu.yml``; the replies are
responses in ``domain.yml`` like every other bot text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.channels.replies import DOMAIN_FILE, response_texts
from bot.settings import PROJECT_ROOT

MENU_FILE = PROJECT_ROOT / "bot" / "data" / "catalog" / "wechat_menu.yml"

_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")
_TRIGGERS = ("subscribe", "image")
#: ChannelTexts field → the domain response that holds its text.
REPLY_RESPONSES = {
    "choice": "utter_channel_choice",
    "unsupported": "utter_channel_unsupported",
    "empty": "utter_channel_empty",
    "voice_unrecognised": "utter_channel_voice_unrecognised",
    "bot_error": "utter_channel_error",
}


@dataclass(frozen=True)
class ChannelTexts:
    """What the channel sends to the assistant (triggers) or says itself (replies)."""

    subscribe: str
    image: str
    choice: str
    unsupported: str
    empty: str
    voice_unrecognised: str
    bot_error: str


@dataclass(frozen=True)
class WeChatData:
    """The menu map (CLICK key → intent) and the channel texts."""

    menu: Mapping[str, str]
    texts: ChannelTexts


def parse_wechat_data(raw: Any, responses: Mapping[str, Any]) -> WeChatData:
    """Check and combine ``wechat_menu.yml`` and the domain's ``responses``.

    Raises:
        ValueError: a section, trigger or response is missing, an intent name is not an
            identifier, or the choice line lacks ``{number}`` / ``{title}``.
    """
    if not isinstance(raw, dict):
        raise ValueError("wechat_menu.yml must be a mapping with `menu` and `triggers`")
    menu = raw.get("menu") or {}
    triggers = raw.get("triggers") or {}
    if not isinstance(menu, dict) or not isinstance(triggers, dict):
        raise ValueError("`menu` and `triggers` must be mappings")
    for key, intent in menu.items():
        if not isinstance(intent, str) or not _INTENT.match(intent):
            raise ValueError(f"menu key {key!r}: {intent!r} is not an intent name")
    texts: dict[str, str] = {}
    missing = []
    for key in _TRIGGERS:
        value = triggers.get(key)
        if isinstance(value, str) and value.strip():
            texts[key] = value.strip()
        else:
            missing.append(f"triggers.{key}")
    replies = response_texts(responses)
    for key, response in REPLY_RESPONSES.items():
        text = replies.get(response)
        if text is None:
            missing.append(f"domain response {response}")
        else:
            texts[key] = text
    if missing:
        raise ValueError(f"WeChat channel texts missing: {', '.join(missing)}")
    if "{number}" not in texts["choice"] or "{title}" not in texts["choice"]:
        raise ValueError("utter_channel_choice needs {number} and {title}")
    return WeChatData(
        menu=MappingProxyType({str(k): v for k, v in menu.items()}),
        texts=ChannelTexts(**texts),
    )


@lru_cache(maxsize=4)
def load_wechat_data(menu_file: Path = MENU_FILE, domain_file: Path = DOMAIN_FILE) -> WeChatData:
    """Load the menu file and the domain's responses once."""
    raw = yaml.safe_load(menu_file.read_text(encoding="utf-8"))
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    responses = domain.get("responses") if isinstance(domain, dict) else None
    return parse_wechat_data(raw, responses if isinstance(responses, dict) else {})
