"""Which offered pickup window an owner chose: a button payload, or typed words.

Pure: windows are ``(date, start, end)`` triples in local time; ``today`` is a parameter.
Typed forms understood: a day (今天 / 明天 / 后天 / 12月5日 / 5号) with an hour
("9点", "下午3点", "14:00") or a part of the day (上午 / 下午 / 晚上), or an hour alone
(the earliest offered day). Anything else is not a choice.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.intake.normalize import to_arabic, to_halfwidth

Window = tuple[dt.date, dt.time, dt.time]

_KEY = re.compile(r"(\d{4}-\d{2}-\d{2}) ([0-2]\d:[0-5]\d)-([0-2]\d:[0-5]\d)")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_DAY = re.compile(r"(?<![\d月])(\d{1,2})[日号]")
_HOUR = re.compile(r"(\d{1,2})(?:[:：](\d{2})|点|时)")
_AFTERNOON = ("下午", "晚上", "傍晚")
_HALVES = {"上午": (dt.time(0), dt.time(12)), "中午": (dt.time(11), dt.time(14))}
_HALVES.update({word: (dt.time(12), dt.time(23, 59)) for word in _AFTERNOON})


def _key_window(text: str) -> Window | None:
    match = _KEY.search(text)
    if not match:
        return None
    try:
        return (
            dt.date.fromisoformat(match.group(1)),
            dt.time.fromisoformat(match.group(2)),
            dt.time.fromisoformat(match.group(3)),
        )
    except ValueError:
        return None


def _day(text: str, today: dt.date) -> dt.date | None:
    for word, offset in _RELATIVE_DAYS.items():
        if word in text:
            return today + dt.timedelta(days=offset)
    match = _MONTH_DAY.search(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        for year in (today.year, today.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                return None
            if candidate >= today:
                return candidate
        return None
    match = _DAY.search(text)
    if match:
        day = int(match.group(1))
        candidate_month = today.replace(day=1)
        for _ in range(2):
            try:
                candidate = candidate_month.replace(day=day)
            except ValueError:
                return None
            if candidate >= today:
                return candidate
            candidate_month = (candidate_month + dt.timedelta(days=32)).replace(day=1)
    return None


def _hour(text: str) -> dt.time | None:
    match = _HOUR.search(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if any(word in text for word in _AFTERNOON) and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def match_window(text: str, offered: list[Window], today: dt.date) -> Window | None:
    """The offered window that ``text`` chooses, or None.

    Args:
        text: A button payload carrying ``YYYY-MM-DD HH:MM-HH:MM``, or the owner's words.
        offered: The windows the owner may choose, earliest first.
        today: Today's local date.

    Returns:
        One of ``offered``; None when the text names none of them (or is ambiguous
        about the day and the hour at once).
    """
    cleaned = to_arabic(to_halfwidth(text or "")).strip()
    if not cleaned or not offered:
        return None
    exact = _key_window(cleaned)
    if exact is not None:
        return exact if exact in offered else None
    day, hour = _day(cleaned, today), _hour(cleaned)
    half = next((span for word, span in _HALVES.items() if word in cleaned), None)
    named_a_day = any(word in cleaned for word in _RELATIVE_DAYS) or bool(
        _MONTH_DAY.search(cleaned) or _DAY.search(cleaned)
    )
    if (day is None and (named_a_day or hour is None)) or (hour is None and half is None):
        return None
    candidates = [w for w in offered if day is None or w[0] == day]
    if day is None:
        candidates = [w for w in candidates if w[0] == candidates[0][0]] if candidates else []
    if hour is not None:
        return next((w for w in candidates if w[1] <= hour < w[2]), None)
    if half is not None:
        return next((w for w in candidates if half[0] <= w[1] < half[1]), None)
    return None
