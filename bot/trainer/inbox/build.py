"""The inbox's rows: messages masked, grouped by their text and counted.

Pure: messages in, rows out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.trainer.inbox.events import Message, Reason
from bot.trainer.inbox.masking import group_key, mask

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")  # the settings' default; the command line uses them


@dataclass(frozen=True)
class InboxRow:
    """One row of the inbox file: a masked text, how often it came and what the bot thought."""

    text: str
    count: int
    intent: str
    confidence: float
    reasons: tuple[Reason, ...]
    last_seen: dt.date | None
    label: str = ""
    line: int = 0  # row number in the file (1 is the header), when read from one


def known_keys(examples: Iterable[Any]) -> set[str]:
    """The group keys of examples (anything with a ``text``), to leave them out of the inbox."""
    return {group_key(example.text) for example in examples}


def build_inbox(
    messages: Iterable[Message], *, known: set[str], tz: dt.tzinfo = BUSINESS_TZ
) -> list[InboxRow]:
    """Mask, group and count messages; texts under a ``known`` key are left out.

    Returns:
        Rows sorted by count (most first), then by last time seen (latest first).
    """
    groups: dict[str, list[Message]] = {}
    for message in messages:
        key = group_key(message.text)
        if key and key not in known:
            groups.setdefault(key, []).append(message)
    rows = []
    for group in groups.values():
        texts = Counter(mask(m.text) for m in sorted(group, key=lambda m: m.when, reverse=True))
        intents = Counter(m.intent for m in group)
        reasons = set().union(*(m.reasons for m in group))
        rows.append(
            InboxRow(
                text=texts.most_common(1)[0][0],
                count=len(group),
                intent=intents.most_common(1)[0][0],
                confidence=sum(m.confidence for m in group) / len(group),
                reasons=tuple(r for r in Reason if r in reasons),
                last_seen=max(m.when for m in group).astimezone(tz).date(),
            )
        )
    return sorted(rows, key=lambda r: (-r.count, -(r.last_seen or dt.date.min).toordinal(), r.text))
