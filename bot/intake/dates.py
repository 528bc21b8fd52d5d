"""Chinese purchase-date expressions ("去年三月", "2025/3/15", "半年前", "去年双十一").

Conventions:
    * ``today`` is always a parameter, so results are deterministic.
    * An expression that names a month (``去年三月``, ``三个月前``, ``十月中旬``) resolves to
      the **1st** of that month with precision ``month``; one that names only a year
      (``2025年``, ``去年``) resolves to **1 January** with precision ``year``. Callers
      should compare at the recorded precision (see :func:`check_purchase_date`).
    * A month or day without a year (``3月15日``, ``3月份``, ``双十一``) is the most recent
      occurrence on or before ``today``.
    * Week expressions (``上周``, ``一周前``) and festivals (``双十一``, ``国庆``, ``春节``)
      resolve to a single day with precision ``day``.
    * Relative expressions are not clamped to the past: ``今年12月`` in November parses and
      :func:`check_purchase_date` reports it as ``FUTURE``.

The expressions and their handlers are in :mod:`bot.intake.date_patterns`, the festival days
in :mod:`bot.intake.festivals`; this module finds them in a message and checks the result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from bot.intake.date_patterns import PATTERNS, DatePrecision
from bot.intake.months import add_months
from bot.intake.normalize import lower_same_length, to_arabic_with_map, to_halfwidth_with_map

__all__ = [
    "DateError",
    "DateParse",
    "DatePrecision",
    "check_purchase_date",
    "find_date_expression",
    "parse_date_expression",
]

MAX_AGE_YEARS = 10


class DateError(str, Enum):
    """Why a purchase date is refused."""

    FUTURE = "future"
    BEFORE_LAUNCH = "before_launch"
    TOO_OLD = "too_old"


@dataclass(frozen=True)
class DateParse:
    """A resolved date expression.

    Attributes:
        date: The resolved date (1st of the month / 1 January for coarse precision).
        precision: ``day``, ``month`` or ``year``.
        matched: The expression as written in the user's text.
    """

    date: dt.date
    precision: DatePrecision
    matched: str


# Words that may surround a date when the whole message is the answer to "when".
_FILLER = re.compile(
    r"(?:大概|大约|大致|应该是|应该|好像是|好像|差不多|可能是|可能|约|是|在|于|我|这|手机"
    r"|购买的|购买|购入|买的|买了|买|入手的|入手|左右|前后|那时候|的时候|时候|的"
    r"|吧|呢|啊|呀|哦|嗯|了|份|[\s,.;:!?~，。；：！？、～…])*"
)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    date: dt.date
    precision: DatePrecision


class _Normalised:
    """User text in matching form (half-width, lower-case, Arabic numerals) with a map back."""

    def __init__(self, text: str) -> None:
        halfwidth, halfwidth_spans = to_halfwidth_with_map(text)
        arabic, arabic_spans = to_arabic_with_map(lower_same_length(halfwidth))
        self.original = text
        self.text = arabic
        self._spans = [
            (halfwidth_spans[start][0], halfwidth_spans[end - 1][1]) for start, end in arabic_spans
        ]

    def source(self, start: int, end: int) -> str:
        """The original text behind ``self.text[start:end]``."""
        return self.original[self._spans[start][0] : self._spans[end - 1][1]].strip()


def _candidates(norm: _Normalised, today: dt.date) -> list[_Candidate]:
    found: list[_Candidate] = []
    for pattern, handler in PATTERNS:
        for match in pattern.finditer(norm.text):
            if match.end() == match.start():
                continue
            resolved = handler(match, today)
            if resolved is not None:
                found.append(_Candidate(match.start(), match.end(), *resolved))
    return found


def _result(norm: _Normalised, candidate: _Candidate) -> DateParse:
    return DateParse(
        candidate.date, candidate.precision, norm.source(candidate.start, candidate.end)
    )


def find_date_expression(text: str, today: dt.date) -> DateParse | None:
    """Find the first date expression inside a sentence.

    Phone numbers, IMEIs and ticket numbers are not taken for dates: digit patterns
    must not touch other digits or letters, and an 8-digit ``YYYYMMDD`` must be a
    valid date.

    Args:
        text: The user's message, e.g. ``"我这手机是去年三月买的"``.
        today: The reference day for relative expressions.

    Returns:
        The earliest expression (the longest one when several start at the same place),
        or ``None``.
    """
    norm = _Normalised(text)
    candidates = _candidates(norm, today)
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (c.start, -(c.end - c.start)))
    return _result(norm, best)


def parse_date_expression(text: str, today: dt.date) -> DateParse | None:
    """Parse a message that is a date expression, possibly with filler words.

    Unlike :func:`find_date_expression`, everything outside the expression must be
    filler (``大概``, ``买的``, ``左右``, punctuation...), so ``"去年三月份买的"`` parses
    but ``"我的订单号是123, 去年买的"`` does not.

    Args:
        text: The user's answer, e.g. ``"二〇二五年三月"``.
        today: The reference day for relative expressions.

    Returns:
        The parsed date, or ``None`` when the text is not a date expression.
    """
    norm = _Normalised(text)
    fitting = [
        c
        for c in _candidates(norm, today)
        if _FILLER.fullmatch(norm.text[: c.start]) and _FILLER.fullmatch(norm.text[c.end :])
    ]
    if not fitting:
        return None
    best = max(fitting, key=lambda c: (c.end - c.start, -c.start))
    return _result(norm, best)


def check_purchase_date(
    value: dt.date,
    *,
    today: dt.date,
    launch_date: dt.date | None,
    precision: DatePrecision | str = DatePrecision.DAY,
    max_age_years: int | None = MAX_AGE_YEARS,
) -> DateError | None:
    """Check a purchase date against today and the device launch.

    Comparisons use the precision of the parse: a month-precision date in the launch
    month (or the current month) is accepted, a year-precision date in the launch year
    too.

    Args:
        value: The purchase date.
        today: The reference day.
        launch_date: The device's first sale; ``None`` skips the check.
        precision: Precision of ``value`` (``day``, ``month`` or ``year``).
        max_age_years: Older purchases are ``TOO_OLD``; ``None`` disables the check.

    Returns:
        ``FUTURE``, ``BEFORE_LAUNCH``, ``TOO_OLD`` (checked in that order) or ``None``.
    """
    level = DatePrecision(precision)

    def key(d: dt.date) -> tuple[int, ...]:
        if level is DatePrecision.YEAR:
            return (d.year,)
        if level is DatePrecision.MONTH:
            return (d.year, d.month)
        return (d.year, d.month, d.day)

    if key(value) > key(today):
        return DateError.FUTURE
    if launch_date is not None and key(value) < key(launch_date):
        return DateError.BEFORE_LAUNCH
    if max_age_years is not None and key(value) < key(add_months(today, -12 * max_age_years)):
        return DateError.TOO_OLD
    return None


# Words that make a date in a sentence the purchase date ("去年三月买的").
PURCHASE_CUES = ("买", "购", "入手", "下单", "到手")


def find_purchase_date(text: str, today: dt.date) -> DateParse | None:
    """The purchase date in ``text``: a bare date answer, or a date next to a purchase cue.

    "三天前开始充不进电" names a date but not a purchase, and yields ``None``.
    """
    if parse_date_expression(text, today) is None and not any(c in text for c in PURCHASE_CUES):
        return None
    return find_date_expression(text, today)
