"""The period a dashboard covers: whole days in the business time zone, both ends included."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: The longest period asked for at once, in days.
MAX_DAYS = 366
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadPeriod(ValueError):
    """The period is malformed, backwards or too long."""


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (both included) in time zone ``tz``.

    Attributes:
        first: The first day.
        last: The last day.
        tz: The business time zone.
    """

    first: dt.date
    last: dt.date
    tz: dt.tzinfo

    @property
    def start(self) -> dt.datetime:
        """The first moment of the period (aware)."""
        return dt.datetime.combine(self.first, dt.time(), self.tz)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (aware)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.tz)

    def day_of(self, moment: dt.datetime) -> dt.date:
        """The business-local day of an aware moment."""
        return moment.astimezone(self.tz).date()

    def holds(self, moment: dt.datetime | None) -> bool:
        """Whether an aware moment falls in the period."""
        return moment is not None and self.start <= moment < self.end

    def days(self) -> list[dt.date]:
        """Every day of the period, in order."""
        count = (self.last - self.first).days + 1
        return [self.first + dt.timedelta(days=n) for n in range(count)]


def _day(value: str | None) -> dt.date:
    if value is None or not _DAY.fullmatch(value.strip()):
        raise BadPeriod(f"not a day (YYYY-MM-DD): {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise BadPeriod(str(error)) from None


def parse_period(first: str | None, last: str | None, *, tz: dt.tzinfo) -> Period:
    """The period ``first`` to ``last`` (``YYYY-MM-DD``, both included).

    Raises:
        BadPeriod: A day is missing or malformed, ``first`` is after ``last``, or the period
            is longer than :data:`MAX_DAYS`.
    """
    period = Period(_day(first), _day(last), tz)
    if period.first > period.last:
        raise BadPeriod(f"{period.first} is after {period.last}")
    if (period.last - period.first).days + 1 > MAX_DAYS:
        raise BadPeriod(f"longer than {MAX_DAYS} days")
    return period
