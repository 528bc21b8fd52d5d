import datetime as dt

import pytest

from bot.intake.months import add_months, month_start

D = dt.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 3, 15), 24, D(2027, 3, 15)),
        (D(2025, 3, 15), 0, D(2025, 3, 15)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2025, 11, 30), 2, D(2026, 1, 30)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 11, 22), -120, D(2016, 11, 22)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize("day", [D(2026, 11, 1), D(2026, 11, 22), D(2024, 2, 29)], ids=str)
def test_month_start(day: dt.date) -> None:
    assert month_start(day) == D(day.year, day.month, 1)
