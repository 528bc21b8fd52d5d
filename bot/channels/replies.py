"""What a channel says itself when a message never reaches the assistant.

These texts are responses in ``domain.yml`` (``utter_channel_*``) like every other bot text;
the channels read the first text variant of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
PREFIX = "utter_channel_"


def response_texts(responses: Mapping[str, Any]) -> dict[str, str]:
    """The first text of each ``utter_channel_*`` response, by response name."""
    texts: dict[str, str] = {}
    for name, variants in responses.items():
        if not str(name).startswith(PREFIX) or not isinstance(variants, list) or not variants:
            continue
        first = variants[0]
        text = first.get("text") if isinstance(first, dict) else None
        if isinstance(text, str) and text.strip():
            texts[str(name)] = text
    return texts


@lru_cache(maxsize=4)
def channel_replies(domain_file: Path = DOMAIN_FILE) -> Mapping[str, str]:
    """The channel replies of the domain (read once)."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    responses = domain.get("responses") if isinstance(domain, dict) else None
    return MappingProxyType(response_texts(responses if isinstance(responses, dict) else {}))
