"""Pure parsing of repair quotes as staff type them: yuan amounts and ``NAME=AMOUNT`` parts.

Amounts become integer fen (1/100 yuan), never floats (shown again with
:func:`bot.tickets.quotes.format_yuan`). A part named exactly like a part of
the price catalogue (its id, name or one of its keywords, e.g. ``屏幕`` or ``screen``) takes
the catalogue's id and name; any other label is kept as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intake.normalize import to_halfwidth
from bot.intake.parts import PartNames, load_parts, part_form

__all__ = ["PartLine", "catalogued_part", "parse_part", "parse_yuan"]

_YUAN = re.compile(r"(?P<yuan>[0-9]+)(?:\.(?P<cents>[0-9]{1,2}))?")
#: Signs staff may type around an amount; they are ignored.
_CURRENCY_MARKS = ("¥", "￥", "元", "CNY", "RMB", ",")


@dataclass(frozen=True)
class PartLine:
    """One part of a quote: its label, its catalogue id (or None) and its amount in fen."""

    name: str
    amount_fen: int
    part_id: str | None = None


def parse_yuan(text: str) -> int:
    """An amount in yuan as integer fen.

    Args:
        text: E.g. ``"899"``, ``"899.5"``, ``"￥1,299.00"``, ``"100元"``.

    Returns:
        The amount in fen, e.g. ``89950`` for ``"899.5"``.

    Raises:
        ValueError: Not a non-negative amount with at most two decimals.
    """
    cleaned = to_halfwidth(str(text)).strip().upper()
    for mark in _CURRENCY_MARKS:
        cleaned = cleaned.replace(mark.upper(), "")
    match = _YUAN.fullmatch(cleaned.strip())
    if match is None:
        raise ValueError(f"invalid amount {text!r}; expected yuan such as 899 or 899.50")
    cents = (match.group("cents") or "").ljust(2, "0")
    return int(match.group("yuan")) * 100 + int(cents)


def catalogued_part(label: str, names: PartNames | None = None) -> tuple[str | None, str]:
    """The catalogue id and name of a part label, when the label names a part exactly.

    Args:
        label: What staff typed, e.g. ``"屏幕"``, ``"screen"`` or ``"屏幕排线"``.
        names: The price catalogue's part names; the packaged catalogue by default.

    Returns:
        ``(part_id, catalogue name)`` when the label is a part's id, name or keyword, else
        ``(None, label stripped)``.
    """
    text = label.strip()
    form = part_form(text)
    parts = (names or load_parts()).prices.parts
    for part in parts:
        if form in {part_form(word) for word in (part.id, part.name, *part.keywords)}:
            return part.id, part.name
    return None, text


def parse_part(spec: str, names: PartNames | None = None) -> PartLine:
    """One ``NAME=AMOUNT`` part of a quote, e.g. ``"屏幕=899"``.

    Args:
        spec: The label, ``=`` (or a full-width ``＝``), and the amount in yuan.
        names: The price catalogue's part names; the packaged catalogue by default.

    Returns:
        The part, with its catalogue id and name when the label names a catalogued part.

    Raises:
        ValueError: No ``=``, an empty label, or an invalid amount.
    """
    label, sep, amount = to_halfwidth(spec).rpartition("=")
    if not sep or not label.strip():
        raise ValueError(f"invalid part {spec!r}; expected NAME=AMOUNT such as 屏幕=899")
    part_id, name = catalogued_part(label, names)
    return PartLine(name=name, amount_fen=parse_yuan(amount), part_id=part_id)
