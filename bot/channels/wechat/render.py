"""Bot messages as WeChat text: numbered button choices and splitting at WeChat's limit."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TEXT_LIMIT_BYTES = 2048
"""WeChat's limit for one text message (passive reply or customer-service), UTF-8 bytes."""


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-8 bytes.

    Cuts at the last line break, else the last sentence end or space, that keeps a part
    under the limit; never inside a character. Empty text gives no part.
    """
    text = text.strip()
    parts: list[str] = []
    while text:
        if len(text.encode("utf-8")) <= limit:
            parts.append(text)
            break
        # the longest prefix within the limit, in whole characters
        cut = len(text.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
        window = text[:cut]
        best = -1
        for separators in ("\n", "。！？!?；;", " ，,、"):
            best = max(window.rfind(sep) for sep in separators)
            if best >= cut // 2:
                break
        end = best + 1 if best >= cut // 2 else cut
        parts.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return [part for part in parts if part]


@dataclass(frozen=True)
class Choice:
    """A button offered as a numbered text choice."""

    number: int
    title: str
    payload: str


def number_buttons(buttons: Sequence[dict[str, Any]], first: int = 1) -> list[Choice]:
    """Number Rasa buttons from ``first``; buttons without a payload use their title."""
    choices: list[Choice] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if title:
            choices.append(Choice(number=first + len(choices), title=title, payload=payload))
    return choices


def render_choices(text: str, choices: Sequence[Choice], line: str) -> str:
    """Return ``text`` followed by one line per choice, formatted with ``line``."""
    lines = [line.format(number=c.number, title=c.title) for c in choices]
    return "\n".join([text.strip(), *lines]) if text.strip() else "\n".join(lines)


def choice_number(text: str) -> int | None:
    """The number in a reply like ``1``, ``２`` or ``3.``; ``None`` for any other text."""
    folded = unicodedata.normalize("NFKC", text).strip().rstrip(".。、")
    if folded.isascii() and folded.isdigit() and len(folded) <= 2:
        return int(folded)
    return None


class ChoiceMemory:
    """The numbered choices last offered to each user, for a limited time.

    In-process: with several Rasa servers behind a load balancer, a user's number reply
    must reach the server that offered the choices (sticky routing by openid), unless
    ``WECHAT_REDIS_URL`` selects the shared store in ``shared_state``.
    """

    def __init__(
        self, ttl: float, max_users: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max_users = max_users
        self._clock = clock
        self._lock = threading.Lock()
        self._offers: OrderedDict[str, tuple[float, list[Choice]]] = OrderedDict()

    def offer(self, user: str, choices: Sequence[Choice]) -> None:
        """Remember ``choices`` as what ``user`` may answer now (replacing older ones)."""
        with self._lock:
            self._offers.pop(user, None)
            if choices:
                self._offers[user] = (self._clock() + self._ttl, list(choices))
                while len(self._offers) > self._max_users:
                    self._offers.popitem(last=False)

    def extend(self, user: str, choices: Sequence[Choice]) -> None:
        """Add ``choices`` to what ``user`` was offered in the same turn."""
        with self._lock:
            _, current = self._offers.pop(user, (0.0, []))
            self._offers[user] = (self._clock() + self._ttl, [*current, *choices])

    def current(self, user: str) -> list[Choice]:
        """The choices ``user`` may answer now (none once they expired)."""
        with self._lock:
            entry = self._offers.get(user)
            if entry is None:
                return []
            expires, choices = entry
            if expires < self._clock():
                del self._offers[user]
                return []
            return list(choices)

    def resolve(self, user: str, text: str) -> str | None:
        """The payload picked by a number reply, or ``None`` if ``text`` picks nothing."""
        number = choice_number(text)
        if number is None:
            return None
        for choice in self.current(user):
            if choice.number == number:
                return choice.payload
        return None
