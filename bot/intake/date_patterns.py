"""The grammar of Chinese date expressions: one regular expression and one handler each.

A handler resolves a match against ``today`` to a day and a :class:`DatePrecision`, or to
``None`` when the match names no real date (30 February, a year before 1990). The search
and the conventions are in :mod:`bot.intake.dates`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import Enum

from bot.intake.festivals import festival_day
from bot.intake.months import add_months, month_start

__all__ = ["MIN_YEAR", "PATTERNS", "DatePrecision", "Handler", "Resolved"]

#: The earliest year a purchase date may name.
MIN_YEAR = 1990


class DatePrecision(str, Enum):
    """How precise a parsed date is."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


Resolved = tuple[dt.date, DatePrecision]
Handler = Callable[[re.Match[str], dt.date], Resolved | None]

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


def _festival(name: str, year: int) -> Resolved:
    day = festival_day(name, year)
    # Outside the lunar calendar the Spring Festival is "early February".
    return (day, _DAY) if day is not None else (dt.date(year, 2, 1), _MONTH)


def _month(text: str) -> int | None:
    month = int(text)
    return month if 1 <= month <= 12 else None


# --- handlers -------------------------------------------------------------------------


def _year_month_day(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    day = _safe_date(year, int(match["m"]), int(match["d"]))
    return None if day is None else (day, _DAY)


def _year_month(match: re.Match[str], today: dt.date) -> Resolved | None:
    year, month = _year_of(match, today), _month(match["m"])
    if year is None or month is None:
        return None
    return dt.date(year, month, 1), _MONTH


def _year_season(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    return dt.date(year, _SEASON_MONTH[match["season"]], 1), _MONTH


def _year_half(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = _year_of(match, today)
    if year is None:
        return None
    return dt.date(year, 1 if match["half"] == "上" else 7, 1), _MONTH


def _year_festival(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = _year_of(match, today)
    return None if year is None else _festival(match["fest"], year)


def _year_only(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = _year_of(match, today)
    return None if year is None else (dt.date(year, 1, 1), _YEAR)


def _numeric_ymd(match: re.Match[str], today: dt.date) -> Resolved | None:
    year = int(match["y"])
    if not MIN_YEAR <= year <= today.year + 1:
        return None
    day = _safe_date(year, int(match["m"]), int(match["d"]))
    return None if day is None else (day, _DAY)


def _numeric_ym(match: re.Match[str], today: dt.date) -> Resolved | None:
    year, month = int(match["y"]), _month(match["m"])
    if month is None or not MIN_YEAR <= year <= today.year + 1:
        return None
    return dt.date(year, month, 1), _MONTH


def _month_day(match: re.Match[str], today: dt.date) -> Resolved | None:
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


def _month_only(match: re.Match[str], today: dt.date) -> Resolved | None:
    month = _month(match["m"])
    if month is None:
        return None
    year = today.year if month <= today.month else today.year - 1
    return dt.date(year, month, 1), _MONTH


def _festival_only(match: re.Match[str], today: dt.date) -> Resolved | None:
    this_year = _festival(match["fest"], today.year)
    return this_year if this_year[0] <= today else _festival(match["fest"], today.year - 1)


def _months_back(match: re.Match[str], today: dt.date) -> Resolved | None:
    return month_start(add_months(today, -len(match["ups"]))), _MONTH


def _this_month(match: re.Match[str], today: dt.date) -> Resolved | None:
    return month_start(today), _MONTH


def _n_months_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    back = add_months(today, -int(match["n"]))
    if match["half"]:
        back -= dt.timedelta(days=15)
    return month_start(back), _MONTH


def _half_month_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    return today - dt.timedelta(days=15), _DAY


def _half_year_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    return month_start(add_months(today, -6)), _MONTH


def _n_years_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    months = 12 * int(match["n"]) + (6 if match["half"] else 0)
    return month_start(add_months(today, -months)), _MONTH


def _n_days_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    return today - dt.timedelta(days=int(match["n"])), _DAY


def _n_weeks_ago(match: re.Match[str], today: dt.date) -> Resolved | None:
    return today - dt.timedelta(weeks=int(match["n"])), _DAY


def _last_week(match: re.Match[str], today: dt.date) -> Resolved | None:
    weeks = len(match["ups"])
    weekday = match["wd"]
    if not weekday:
        return today - dt.timedelta(weeks=weeks), _DAY
    monday = today - dt.timedelta(days=today.weekday(), weeks=weeks)
    return monday + dt.timedelta(days=_WEEKDAYS[weekday] - 1), _DAY


def _day_word(match: re.Match[str], today: dt.date) -> Resolved | None:
    return today + dt.timedelta(days=_DAY_WORDS[match["word"]]), _DAY


_NOT_AFTER_NUMBER = r"(?![0-9]|[-./][0-9])"
#: Every date expression, and the handler that resolves its match against ``today``.
PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = tuple(
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
