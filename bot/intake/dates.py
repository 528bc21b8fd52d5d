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
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.intake.months import add_months, month_start
from bot.intake.normalize import lower_same_length, to_arabic_with_map, to_halfwidth_with_map

__all__ = [
    "SPRING_FESTIVAL",
    "DateError",
    "DateParse",
    "DatePrecision",
    "check_purchase_date",
    "find_date_expression",
    "parse_date_expression",
]

MIN_YEAR = 1990
MAX_AGE_YEARS = 10

# Chinese New Year (Spring Festival) dates; outside the table 1 February, month precision.
SPRING_FESTIVAL: dict[int, dt.date] = {
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}


class DatePrecision(str, Enum):
    """How precise a parsed date is."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


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


_Resolved = tuple[dt.date, DatePrecision]
_Handler = Callable[[re.Match[str], dt.date], _Resolved | None]

_DAY = DatePrecision.DAY
_MONTH = DatePrecision.MONTH
_YEAR = DatePrecision.YEAR

_AGO = r"\s*(?:之前|以前|前)"
_YEAR_RE = (
    r"(?:(?<![0-9])(?P<y4>(?:19|20)[0-9]{2})|(?<![0-9])(?P<y2>[0-9]{2})|(?P<rel>大前|前|去|今|明))"
    r"\s*年"
)
_FESTIVAL = r"(?P<fest>双\s*11|双\s*12|618(?![0-9])|春节|过年|国庆节?|元旦|劳动节)"
_FESTIVAL_WITH_YEAR = (
    r"(?P<fest>双\s*11|双\s*12|618(?![0-9])|春节|过年|国庆节?|元旦|劳动节|51(?![0-9]))"
)
_PART = r"(?P<part>上旬|中旬|下旬|初|中|底|末)?(?!\s*[0-9])"
_REL_YEARS = {"大前": -3, "前": -2, "去": -1, "今": 0, "明": 1}
_SEASON_MONTH = {"初": 1, "中": 6, "底": 12, "末": 12, "尾": 12}
_FIXED_FESTIVALS = {"双11": (11, 11), "双12": (12, 12), "618": (6, 18), "国庆": (10, 1)}
_FIXED_FESTIVALS |= {"国庆节": (10, 1), "元旦": (1, 1), "劳动节": (5, 1), "51": (5, 1)}
_DAY_WORDS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0}
_WEEKDAYS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "日": 7, "天": 7}


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year_of(match: re.Match[str], today: dt.date) -> int | None:
    """The year named by the ``_YEAR`` groups of ``match``."""
    groups = match.groupdict()
    if groups.get("y4"):
        year = int(groups["y4"])
    elif groups.get("y2"):
        short = int(groups["y2"])
        year = 2000 + short if 2000 + short <= today.year + 1 else 1900 + short
    elif groups.get("rel"):
        year = today.year + _REL_YEARS[groups["rel"]]
    else:
        return None
    return year if MIN_YEAR <= year <= today.year + 1 else None


def _latest_past(candidate: Callable[[int], dt.date | None], today: dt.date) -> dt.date | None:
    """The occurrence this year if it is not after ``today``, else last year's."""
    this_year = candidate(today.year)
    if this_year is not None and this_year <= today:
        return this_year
    return candidate(today.year - 1)


def _festival(name: str, year: int) -> _Resolved | None:
    name = name.replace(" ", "")
    if name in ("春节", "过年"):
        if year in SPRING_FESTIVAL:
            return SPRING_FESTIVAL[year], _DAY
        return dt.date(year, 2, 1), _MONTH
    month, day = _FIXED_FESTIVALS[name]
    return dt.date(year, month, day), _DAY


def _month(text: str) -> int | None:
    month = int(text)
    return month if 1 <= month <= 12 else None


# --- handlers -------------------------------------------------------------------------


def _year_month_day(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    day = _safe_date(year, int(match["m"]), int(match["d"]))
    return None if day is None else (day, _DAY)


def _year_month(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year, month = _year_of(match, today), _month(match["m"])
    if year is None or month is None:
        return None
    return dt.date(year, month, 1), _MONTH


def _year_season(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    return dt.date(year, _SEASON_MONTH[match["season"]], 1), _MONTH


def _year_half(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    return dt.date(year, 1 if match["half"] == "上" else 7, 1), _MONTH


def _year_festival(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = _year_of(match, today)
    return None if year is None else _festival(match["fest"], year)


def _year_only(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = _year_of(match, today)
    return None if year is None else (dt.date(year, 1, 1), _YEAR)


def _numeric_ymd(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year = int(match["y"])
    if not MIN_YEAR <= year <= today.year + 1:
        return None
    day = _safe_date(year, int(match["m"]), int(match["d"]))
    return None if day is None else (day, _DAY)


def _numeric_ym(match: re.Match[str], today: dt.date) -> _Resolved | None:
    year, month = int(match["y"]), _month(match["m"])
    if month is None or not MIN_YEAR <= year <= today.year + 1:
        return None
    return dt.date(year, month, 1), _MONTH


def _month_day(match: re.Match[str], today: dt.date) -> _Resolved | None:
    month, day = int(match["m"]), int(match["d"])
    found = _latest_past(lambda year: _safe_date(year, month, day), today)
    if found is None and month == 2 and day == 29:
        found = _latest_leap_day(today)
    return None if found is None else (found, _DAY)


def _latest_leap_day(today: dt.date) -> dt.date | None:
    for year in range(today.year, today.year - 8, -1):
        leap = _safe_date(year, 2, 29)
        if leap is not None and leap <= today:
            return leap
    return None


def _month_only(match: re.Match[str], today: dt.date) -> _Resolved | None:
    month = _month(match["m"])
    if month is None:
        return None
    year = today.year if month <= today.month else today.year - 1
    return dt.date(year, month, 1), _MONTH


def _festival_only(match: re.Match[str], today: dt.date) -> _Resolved | None:
    this_year = _festival(match["fest"], today.year)
    if this_year is not None and this_year[0] <= today:
        return this_year
    return _festival(match["fest"], today.year - 1)


def _months_back(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return month_start(add_months(today, -len(match["ups"]))), _MONTH


def _this_month(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return month_start(today), _MONTH


def _n_months_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    back = add_months(today, -int(match["n"]))
    if match["half"]:
        back -= dt.timedelta(days=15)
    return month_start(back), _MONTH


def _half_month_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return today - dt.timedelta(days=15), _DAY


def _half_year_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return month_start(add_months(today, -6)), _MONTH


def _n_years_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    months = 12 * int(match["n"]) + (6 if match["half"] else 0)
    return month_start(add_months(today, -months)), _MONTH


def _n_days_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return today - dt.timedelta(days=int(match["n"])), _DAY


def _n_weeks_ago(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return today - dt.timedelta(weeks=int(match["n"])), _DAY


def _last_week(match: re.Match[str], today: dt.date) -> _Resolved | None:
    weeks = len(match["ups"])
    weekday = match["wd"]
    if not weekday:
        return today - dt.timedelta(weeks=weeks), _DAY
    monday = today - dt.timedelta(days=today.weekday(), weeks=weeks)
    return monday + dt.timedelta(days=_WEEKDAYS[weekday] - 1), _DAY


def _day_word(match: re.Match[str], today: dt.date) -> _Resolved | None:
    return today + dt.timedelta(days=_DAY_WORDS[match["word"]]), _DAY


_NOT_AFTER_NUMBER = r"(?![0-9]|[-./][0-9])"
_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = tuple(
    (re.compile(pattern), handler)
    for pattern, handler in (
        (
            _YEAR_RE + r"\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*(?:日|号)?(?![0-9])",
            _year_month_day,
        ),
        (_YEAR_RE + r"\s*(?P<m>[0-9]{1,2})\s*月份?" + _PART, _year_month),
        (_YEAR_RE + r"\s*年?(?P<season>初|中|底|末|尾)(?![秋旬])", _year_season),
        (_YEAR_RE + r"\s*(?:的\s*)?(?P<half>上|下)半年", _year_half),
        (_YEAR_RE + r"\s*(?:的\s*)?" + _FESTIVAL_WITH_YEAR, _year_festival),
        (
            r"(?:(?<![0-9])(?P<y4>(?:19|20)[0-9]{2})\s*年|(?P<rel>大前|前|去|今)年)(?![0-9])",
            _year_only,
        ),
        (
            r"(?<![0-9a-z\-./])(?P<y>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<m>[0-9]{1,2})"
            r"(?P=sep)(?P<d>[0-9]{1,2})" + _NOT_AFTER_NUMBER,
            _numeric_ymd,
        ),
        (
            r"(?<![0-9a-z\-./])(?P<y>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<m>[0-9]{1,2})"
            + _NOT_AFTER_NUMBER,
            _numeric_ym,
        ),
        (
            r"(?<![0-9a-z\-./])(?P<y>(?:19|20)[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
            + _NOT_AFTER_NUMBER,
            _numeric_ymd,
        ),
        (
            r"(?<![0-9])(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*(?:日|号)?(?![0-9])",
            _month_day,
        ),
        (r"(?<![0-9])(?P<m>[0-9]{1,2})\s*月份?" + _PART, _month_only),
        (_FESTIVAL, _festival_only),
        (r"(?P<ups>上{1,3})\s*个?\s*月(?!份)", _months_back),
        (r"(?:这个月|这月|本月|当月)", _this_month),
        (r"(?<![0-9])(?P<n>[0-9]{1,3})\s*个\s*(?P<half>半)?\s*多?\s*月" + _AGO, _n_months_ago),
        (r"半\s*个\s*月" + _AGO, _half_month_ago),
        (r"(?<![0-9])半\s*年" + _AGO, _half_year_ago),
        (r"(?<![0-9])(?P<n>[0-9]{1,2})\s*年\s*(?P<half>半)?\s*多?" + _AGO, _n_years_ago),
        (r"(?<![0-9])(?P<n>[0-9]{1,3})\s*天" + _AGO, _n_days_ago),
        (r"(?<![0-9])(?P<n>[0-9]{1,2})\s*个?\s*(?:周|星期|礼拜)" + _AGO, _n_weeks_ago),
        (
            r"(?P<ups>上{1,2})\s*个?\s*(?:周|星期|礼拜)(?P<wd>[1-7日天](?![0-9]))?",
            _last_week,
        ),
        (r"(?P<word>大前天|前天|昨天|昨日|今天|今日)", _day_word),
    )
)

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
    for pattern, handler in _PATTERNS:
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
