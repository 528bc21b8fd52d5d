"""The dashboard's period: business-local days, both included, at most a year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.dashboard.period import MAX_DAYS, BadPeriod, parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_period_covers_whole_local_days() -> None:
    period = parse_period("2026-12-01", "2026-12-02", tz=SHANGHAI)
    assert period.start == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.timezone.utc)
    assert period.end == dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.timezone.utc)
    assert period.days() == [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    late = dt.datetime(2026, 12, 2, 15, 59, 59, tzinfo=dt.timezone.utc)
    assert period.holds(late) and period.day_of(late) == dt.date(2026, 12, 2)
    assert not period.holds(period.end) and not period.holds(None)


def test_a_year_is_the_longest() -> None:
    assert len(parse_period("2024-01-01", "2024-12-31", tz=SHANGHAI).days()) == MAX_DAYS
    with pytest.raises(BadPeriod):
        parse_period("2024-01-01", "2025-01-01", tz=SHANGHAI)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (None, "2026-12-01"),
        ("2026-12-01", None),
        ("", ""),
        ("2026-12-02", "2026-12-01"),
        ("2026-12-1", "2026-12-02"),
        ("2026-13-01", "2026-12-02"),
        ("2026-12-01T00:00", "2026-12-02"),
        ("２０２６-12-01", "2026-12-02"),
    ],
)
def test_a_bad_period_is_refused(first: str | None, last: str | None) -> None:
    with pytest.raises(BadPeriod):
        parse_period(first, last, tz=SHANGHAI)
