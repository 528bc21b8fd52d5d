"""Text normalisation shared by the intake parsers.

Full-width to half-width conversion, separator removal and Chinese numerals to
Arabic numbers. Every function is pure and total: it never raises on user text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

__all__ = [
    "CHINESE_DIGITS",
    "CHINESE_NUMERAL_CHARS",
    "CHINESE_UNITS",
    "chinese_number",
    "compact",
    "fold",
    "lower_same_length",
    "to_arabic",
    "to_arabic_with_map",
    "to_halfwidth",
    "to_halfwidth_with_map",
]

CHINESE_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_WAN = "万"
CHINESE_NUMERAL_CHARS = frozenset(CHINESE_DIGITS) | frozenset(CHINESE_UNITS) | {_WAN}

# "一加" is the brand name (OnePlus): its "一" is not a numeral.
_BRAND = "一加"
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_./\\·・]+")
_NUMERAL_RUN = re.compile("[" + "".join(sorted(CHINESE_NUMERAL_CHARS)) + "]+")
# Whitespace that does not separate two Latin letters or digits ("shenzhen nanshan" keeps it).
_SPACES_OUTSIDE_WORDS = re.compile(r"(?<![a-z0-9])\s+|\s+(?![a-z0-9])")


def _halfwidth_char(char: str) -> str:
    if char == "\u3000":
        return " "
    return unicodedata.normalize("NFKC", char)


def to_halfwidth(text: str) -> str:
    """Convert full-width digits, letters and punctuation to their ASCII forms.

    Args:
        text: Any user text.

    Returns:
        The text after NFKC normalisation (the ideographic space becomes a space).
    """
    return "".join(_halfwidth_char(char) for char in text)


def to_halfwidth_with_map(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Convert like :func:`to_halfwidth` and keep where each output character came from.

    Args:
        text: Any user text.

    Returns:
        The converted text and, for every output character, the ``(start, end)`` span of
        its source in ``text``.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        converted = _halfwidth_char(char)
        out.append(converted)
        spans.extend([(index, index + 1)] * len(converted))
    return "".join(out), spans


def lower_same_length(text: str) -> str:
    """Lower-case ``text`` character by character, keeping its length (and so its offsets).

    ``str.lower`` turns a few characters into two (``"İ"`` becomes ``"i̇"``); those stay as
    they are, so a position in the result is the same position in ``text``.
    """
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def compact(text: str) -> str:
    """Half-width the text and drop spaces and separators (dashes, dots, slashes, underscores).

    Args:
        text: Any user text, e.g. ``"139-1234 5678"``.

    Returns:
        The text without separators, e.g. ``"13912345678"``.
    """
    return _SEPARATORS.sub("", to_halfwidth(text))


def fold(text: str) -> str:
    """Half-width and lower-case the text, and drop the spaces that do not separate words.

    The form names are matched in: a space between two Latin letters or digits stays, so
    that a Latin name still needs a word boundary.

    Args:
        text: Any user text, e.g. ``"ＳＨＥＮＺＨＥＮ　南山"`` or ``"深圳 南山"``.

    Returns:
        E.g. ``"shenzhen南山"`` or ``"深圳南山"``; ``"wu xi"`` stays ``"wu xi"``.
    """
    return _SPACES_OUTSIDE_WORDS.sub("", lower_same_length(to_halfwidth(text)))


def _section_value(section: str) -> int | None:
    """Value of a numeral below ten thousand, e.g. ``两千零二十五``; ``None`` if malformed."""
    total = 0
    pending: int | None = None
    last_unit = 10_000
    for char in section:
        if char in CHINESE_UNITS:
            unit = CHINESE_UNITS[char]
            if unit >= last_unit:
                return None
            if pending is None:
                if unit != 10 or total != 0:
                    return None
                pending = 1
            total += pending * unit
            last_unit, pending = unit, None
            continue
        digit = CHINESE_DIGITS[char]
        if pending is not None:
            return None
        if digit != 0:
            pending = digit
    if pending is not None:
        # "两千五" / "三百五" abbreviate the next unit down.
        if len(section) >= 2 and section[-2] in CHINESE_UNITS and last_unit >= 100:
            total += pending * (last_unit // 10)
        else:
            total += pending
    return total


def chinese_number(text: str) -> int | None:
    """Read a Chinese numeral such as ``十二``, ``二〇二五``, ``两千零二十五``.

    A numeral without units (``二〇二五``, ``一二``) is read digit by digit.

    Args:
        text: The numeral alone, without other characters.

    Returns:
        Its value, or ``None`` when ``text`` is empty or not a well-formed numeral.
    """
    if not text or any(char not in CHINESE_NUMERAL_CHARS for char in text):
        return None
    if all(char in CHINESE_DIGITS for char in text):
        return int("".join(str(CHINESE_DIGITS[char]) for char in text))
    if text.count(_WAN) > 1:
        return None
    if _WAN in text:
        high_text, low_text = text.split(_WAN)
        high = _section_value(high_text) if high_text else None
        if high is None or high == 0:
            return None
        if not low_text:
            return high * 10_000
        low = _section_value(low_text)
        return None if low is None else high * 10_000 + low
    return _section_value(text)


def _arabic_pieces(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(replacement, start, end)`` for every numeral run that converts."""
    for match in _NUMERAL_RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        # Skip the "一" of the brand name "一加".
        while run and text.startswith(_BRAND, start):
            start += 1
            run = run[1:]
        # ... and the "一" of a brand name that directly follows another numeral.
        if run.endswith("一") and text.startswith("加", end):
            end -= 1
            run = run[:-1]
        if not run:
            continue
        value = chinese_number(run)
        if value is not None:
            yield str(value), start, end


def to_arabic(text: str) -> str:
    """Replace Chinese numerals inside ``text`` with Arabic numbers.

    The brand name ``一加`` is kept: ``一加十二`` becomes ``一加12``.
    A run that is not a well-formed numeral is left unchanged.

    Args:
        text: Any user text, e.g. ``"二〇二五年三月"``.

    Returns:
        The text with numbers in Arabic digits, e.g. ``"2025年3月"``.
    """
    return to_arabic_with_map(text)[0]


def to_arabic_with_map(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Convert like :func:`to_arabic` and keep where each output character came from.

    Args:
        text: Any user text.

    Returns:
        The converted text and, for every output character, the ``(start, end)`` span of
        its source in ``text`` (a converted numeral maps to the whole numeral).
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for replacement, start, end in _arabic_pieces(text):
        out.append(text[position:start])
        spans.extend((i, i + 1) for i in range(position, start))
        out.append(replacement)
        spans.extend([(start, end)] * len(replacement))
        position = end
    out.append(text[position:])
    spans.extend((i, i + 1) for i in range(position, len(text)))
    return "".join(out), spans
