"""The days of the festivals a purchase date may name (双十一, 国庆, 春节, ...).

Fixed-date festivals are a table; the Spring Festival (1st day of the 1st lunar month) comes
from borax's Chinese lunar calendar, which covers 1900 to 2100.
"""

from __future__ import annotations

import datetime as dt

from borax.calendars.lunardate import MAX_LUNAR_YEAR, MIN_LUNAR_YEAR, LunarDate

__all__ = ["SPRING_FESTIVAL", "festival_day"]


def _lunar_new_year(year: int) -> dt.date:
    day: dt.date = LunarDate(year, 1, 1).to_solar_date()
    return day


#: Chinese New Year (Spring Festival) by Gregorian year, for every year the calendar covers.
SPRING_FESTIVAL: dict[int, dt.date] = {
    year: _lunar_new_year(year) for year in range(MIN_LUNAR_YEAR, MAX_LUNAR_YEAR + 1)
}

_SPRING = ("春节", "过年")
_FIXED: dict[str, tuple[int, int]] = {
    "双11": (11, 11),
    "双12": (12, 12),
    "618": (6, 18),
    "国庆": (10, 1),
    "国庆节": (10, 1),
    "元旦": (1, 1),
    "劳动节": (5, 1),
    "51": (5, 1),
}


def festival_day(name: str, year: int) -> dt.date | None:
    """The day of a festival in a year.

    Args:
        name: ``春节``, ``过年``, ``双11``, ``双12``, ``618``, ``国庆``, ``国庆节``, ``元旦``,
            ``劳动节`` or ``51``; spaces are ignored (``"双 11"``).
        year: The Gregorian year.

    Returns:
        The festival's day, or ``None`` for the Spring Festival of a year outside the lunar
        calendar.

    Raises:
        KeyError: ``name`` is not a festival.
    """
    name = name.replace(" ", "")
    if name in _SPRING:
        return SPRING_FESTIVAL.get(year)
    month, day = _FIXED[name]
    return dt.date(year, month, day)
