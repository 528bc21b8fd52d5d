"""Which offered pickup window a payload or the owner's words choose."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.intake.pickup_window import Window, match_window

TODAY = dt.date(2026, 12, 3)
HOURS = [(dt.time(9), dt.time(11)), (dt.time(11), dt.time(13)), (dt.time(14), dt.time(16))]
OFFERED: list[Window] = [
    (TODAY + dt.timedelta(days=d), start, end) for d in (1, 2) for start, end in HOURS
]


def _w(days: int, hour: int) -> Window:
    return next(w for w in OFFERED if w[0] == TODAY + dt.timedelta(days=days) and w[1].hour == hour)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('/inform{"pickup_window":"2026-12-04 09:00-11:00"}', _w(1, 9)),
        ("2026-12-05 14:00-16:00", _w(2, 14)),
        ("明天上午", _w(1, 9)),
        ("明天中午", _w(1, 11)),
        ("明天下午3点", _w(1, 14)),
        ("后天9点", _w(2, 9)),
        ("后天十点", _w(2, 9)),
        ("12月5日 14:00", _w(2, 14)),
        ("5号下午", _w(2, 14)),
        ("10点", _w(1, 9)),
        ("明天１２点", _w(1, 11)),
    ],
)
def test_choices(text: str, expected: Window) -> None:
    assert match_window(text, OFFERED, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "随便",
        "明天",  # a day without a time is not one window
        "今天上午",  # not offered
        "明天晚上8点",
        "2026-12-09 09:00-11:00",
        "2026-12-04 10:00-12:00",
        "明天25点",
        "13月5日 9点",
    ],
)
def test_not_a_choice(text: str) -> None:
    assert match_window(text, OFFERED, TODAY) is None


def test_nothing_offered() -> None:
    assert match_window("明天上午", [], TODAY) is None
