"""Satisfaction scores (1–5) from what users type: "5", "五星", "4分", "非常满意"."""

from __future__ import annotations

import re

from bot.intake.normalize import to_halfwidth

__all__ = ["MAX_SCORE", "MIN_SCORE", "parse_rating"]

MIN_SCORE = 1
MAX_SCORE = 5

_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
}
# A number with its unit ("4分", "五星", "5颗星") or alone as the whole message.
_WITH_UNIT = re.compile(r"(?<![0-9])([1-5一二两三四五])\s*(?:分|星|颗星|个星)")
_ALONE = re.compile(r"^\s*(?:打|给|评)?\s*([1-5一二两三四五])\s*(?:分|星)?\s*[!！。.~～]*\s*$")
_OUT_OF_RANGE = re.compile(r"(?<![0-9])(?:0|[6-9]|[1-9][0-9]+)\s*(?:分|星)")
# Words, strongest first so that "不满意" is not read as "满意".
_WORDS: tuple[tuple[str, int], ...] = (
    ("非常不满意", 1),
    ("很不满意", 1),
    ("特别差", 1),
    ("非常差", 1),
    ("很差", 1),
    ("太差", 1),
    ("极差", 1),
    ("不太满意", 2),
    ("不满意", 2),
    ("不好", 2),
    ("差评", 1),
    ("十分满意", 5),
    ("满分", 5),
    ("非常满意", 5),
    ("很满意", 5),
    ("特别满意", 5),
    ("超级满意", 5),
    ("好评", 5),
    ("完美", 5),
    ("满意", 4),
    ("挺好", 4),
    ("不错", 4),
    ("还行", 3),
    ("一般", 3),
    ("凑合", 3),
    ("马马虎虎", 3),
    ("差", 2),
)


def parse_rating(text: str) -> int | None:
    """Read a satisfaction score from a message.

    Args:
        text: What the user typed.

    Returns:
        The score from 1 to 5, or ``None`` when the message gives none (or one out of range,
        such as "10分").
    """
    value = to_halfwidth(text or "").strip()
    if not value:
        return None
    if _OUT_OF_RANGE.search(value):
        return None
    match = _WITH_UNIT.search(value) or _ALONE.match(value)
    if match:
        return _DIGITS[match.group(1)]
    for word, score in _WORDS:
        if word in value:
            return score
    return None
