"""The channel's data: menu CLICK keys → intents, and its own texts (``wechat_menu.yml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

MENU_FILE = Path(__file__).resolve().parents[2] / "data" / "catalog" / "wechat_menu.yml"

_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")
_TEXT_KEYS = (
    "subscribe",
    "image",
    "choice",
    "unsupported",
    "empty",
    "voice_unrecognised",
    "bot_error",
)


@dataclass(frozen=True)
class ChannelTexts:
    """What the channel sends to the assistant or says itself (see ``wechat_menu.yml``)."""

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


def parse_wechat_data(raw: Any) -> WeChatData:
    """Check and convert the YAML content of ``wechat_menu.yml``.

    Raises:
        ValueError: a section or text is missing, or an intent name is not an identifier.
    """
    if not isinstance(raw, dict):
        raise ValueError("wechat_menu.yml must be a mapping with `menu` and `texts`")
    menu = raw.get("menu") or {}
    texts = raw.get("texts") or {}
    if not isinstance(menu, dict) or not isinstance(texts, dict):
        raise ValueError("`menu` and `texts` must be mappings")
    for key, intent in menu.items():
        if not isinstance(intent, str) or not _INTENT.match(intent):
            raise ValueError(f"menu key {key!r}: {intent!r} is not an intent name")
    missing = [key for key in _TEXT_KEYS if not isinstance(texts.get(key), str)]
    if missing:
        raise ValueError(f"wechat_menu.yml texts missing: {', '.join(missing)}")
    if "{number}" not in texts["choice"] or "{title}" not in texts["choice"]:
        raise ValueError("the `choice` text needs {number} and {title}")
    return WeChatData(
        menu=MappingProxyType({str(k): v for k, v in menu.items()}),
        texts=ChannelTexts(**{key: texts[key] for key in _TEXT_KEYS}),
    )


@lru_cache(maxsize=1)
def load_wechat_data(path: Path = MENU_FILE) -> WeChatData:
    """Load ``wechat_menu.yml`` once."""
    return parse_wechat_data(yaml.safe_load(path.read_text(encoding="utf-8")))
