"""Calendar arithmetic shared by date parsing and warranty checks."""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["add_months", "month_start"]


def add_months(d: dt.date, months: int) -> dt.date:
    """Shift a date by whole months, clamping the day to the end of the target month.

    Args:
        d: The start date.
        months: Months to add; negative to go back.

    Returns:
        The shifted date, e.g. 2024-01-31 + 1 month = 2024-02-29.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def month_start(d: dt.date) -> dt.date:
    """Return the first day of the month of ``d``.

    Args:
        d: Any date.

    Returns:
        The same year and month, day 1.
    """
    return d.replace(day=1)
