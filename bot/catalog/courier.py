"""The courier's pickup hours and how they are offered (``courier.yml``): pure, no Rasa.

A pickup window is written ``YYYY-MM-DD HH:MM-HH:MM`` in slots and button payloads
(:func:`window_key`); :meth:`CourierPolicy.offered` lists the windows an owner may choose
at a given local time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2}) ([0-2]\d:[0-5]\d)-([0-2]\d:[0-5]\d)$")
_LABEL_KEYS = ("window", "date", "today", "tomorrow")


@dataclass(frozen=True)
class PickupWindow:
    """One date and time window of a pickup (local time)."""

    date: dt.date
    start: dt.time
    end: dt.time

    @property
    def key(self) -> str:
        """The window as slots and payloads carry it: ``2026-12-04 09:00-11:00``."""
        return window_key(self.date, self.start, self.end)


@dataclass(frozen=True)
class CourierLabels:
    """How windows are written for owners."""

    window: str
    date: str
    today: str
    tomorrow: str
    weekdays: tuple[str, ...]
    statuses: dict[str, str]


@dataclass(frozen=True)
class CourierPolicy:
    """The courier's days, windows and booking horizon, and the retry schedule."""

    courier_name: str
    days: frozenset[int]
    windows: tuple[tuple[dt.time, dt.time], ...]
    days_ahead: int
    lead: dt.timedelta
    max_choices: int
    max_attempts: int
    retry_delays: tuple[dt.timedelta, ...]
    labels: CourierLabels

    def offered(self, now: dt.datetime) -> list[PickupWindow]:
        """The windows an owner may book at local time ``now``, earliest first.

        Args:
            now: The current local time (naive or aware, in the business time zone).

        Returns:
            Windows on collection days within ``days_ahead`` days (today counts), today's
            only when they start at least ``lead`` after ``now``.
        """
        naive_now = now.replace(tzinfo=None)
        found: list[PickupWindow] = []
        for offset in range(self.days_ahead):
            day = naive_now.date() + dt.timedelta(days=offset)
            if day.isoweekday() not in self.days:
                continue
            for start, end in self.windows:
                if dt.datetime.combine(day, start) - naive_now >= self.lead:
                    found.append(PickupWindow(day, start, end))
        return found

    def choices(self, now: dt.datetime) -> list[PickupWindow]:
        """The earliest ``max_choices`` offered windows: the buttons (later ones may be typed)."""
        return self.offered(now)[: self.max_choices]

    def is_offered(self, window: PickupWindow, now: dt.datetime) -> bool:
        """Whether ``window`` is one an owner may book at ``now``."""
        return window in self.offered(now)

    def status_name(self, status: str) -> str:
        """A pickup status as owners read it (the status itself when unnamed)."""
        return self.labels.statuses.get(status, status)

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after ``attempts`` failed tries (the last delay repeats)."""
        index = max(0, min(attempts - 1, len(self.retry_delays) - 1))
        return self.retry_delays[index]

    def describe(self, window: PickupWindow, today: dt.date) -> str:
        """A window as owners read it, e.g. ``明天（周五）09:00–11:00``."""
        labels = self.labels
        if window.date == today:
            day = labels.today
        elif window.date == today + dt.timedelta(days=1):
            day = labels.tomorrow
        else:
            day = labels.date.format(month=window.date.month, day=window.date.day)
        return labels.window.format(
            day=day,
            weekday=labels.weekdays[window.date.isoweekday() - 1],
            start=f"{window.start:%H:%M}",
            end=f"{window.end:%H:%M}",
        )


def window_key(date: dt.date, start: dt.time, end: dt.time) -> str:
    """``YYYY-MM-DD HH:MM-HH:MM``."""
    return f"{date.isoformat()} {start:%H:%M}-{end:%H:%M}"


def parse_window_key(value: Any) -> PickupWindow | None:
    """A window from :func:`window_key`'s form, or None when it is not one."""
    match = _KEY.match(str(value or "").strip())
    if not match:
        return None
    try:
        date = dt.date.fromisoformat(match.group(1))
        start = dt.time.fromisoformat(match.group(2))
        end = dt.time.fromisoformat(match.group(3))
    except ValueError:
        return None
    return PickupWindow(date, start, end) if start < end else None


def _time(value: Any) -> dt.time:
    match = _TIME.match(str(value).strip())
    if not match:
        raise CatalogueError(f"courier.yml: times must be HH:MM, not {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _int(raw: dict[str, Any], name: str, low: int, high: int) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CatalogueError(f"courier.yml: {name} must be a whole number from {low} to {high}")
    return value


def _windows(raw: Any) -> tuple[tuple[dt.time, dt.time], ...]:
    if not isinstance(raw, list) or not raw:
        raise CatalogueError("courier.yml: windows must list at least one HH:MM-HH:MM")
    windows = []
    for item in raw:
        start_text, _, end_text = str(item).replace("–", "-").partition("-")
        start, end = _time(start_text), _time(end_text)
        if start >= end:
            raise CatalogueError(f"courier.yml: window {item!r} must start before it ends")
        windows.append((start, end))
    if windows != sorted(windows) or any(a[1] > b[0] for a, b in itertools.pairwise(windows)):
        raise CatalogueError("courier.yml: windows must be in order and must not overlap")
    return tuple(windows)


def _labels(raw: Any) -> CourierLabels:
    if not isinstance(raw, dict) or any(not raw.get(key) for key in _LABEL_KEYS):
        raise CatalogueError(f"courier.yml: labels needs {', '.join(_LABEL_KEYS)}")
    weekdays = raw.get("weekdays")
    if not isinstance(weekdays, list) or len(weekdays) != 7:
        raise CatalogueError("courier.yml: labels.weekdays must name the 7 days, Monday first")
    return CourierLabels(
        window=str(raw["window"]),
        date=str(raw["date"]),
        today=str(raw["today"]),
        tomorrow=str(raw["tomorrow"]),
        weekdays=tuple(str(day) for day in weekdays),
        statuses=_statuses(raw.get("statuses")),
    )


def _statuses(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw or any(not str(v or "").strip() for v in raw.values()):
        raise CatalogueError("courier.yml: labels.statuses must name each pickup status")
    return {str(key): str(value) for key, value in raw.items()}


def parse_courier(raw: Any) -> CourierPolicy:
    """Check and convert the contents of ``courier.yml``.

    Raises:
        CatalogueError: A field is missing or out of range.
    """
    if not isinstance(raw, dict):
        raise CatalogueError("courier.yml must be a mapping")
    days = raw.get("days")
    if not isinstance(days, list) or not days or any(d not in range(1, 8) for d in days):
        raise CatalogueError("courier.yml: days must list ISO weekdays 1-7")
    delays = raw.get("retry_minutes")
    if (
        not isinstance(delays, list)
        or not delays
        or any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in delays)
    ):
        raise CatalogueError("courier.yml: retry_minutes must list whole minutes (at least 1)")
    name = str(raw.get("courier_name") or "").strip()
    if not name:
        raise CatalogueError("courier.yml: courier_name is required")
    return CourierPolicy(
        courier_name=name,
        days=frozenset(int(d) for d in days),
        windows=_windows(raw.get("windows")),
        days_ahead=_int(raw, "days_ahead", 1, 14),
        lead=dt.timedelta(minutes=_int(raw, "lead_minutes", 0, 24 * 60)),
        max_choices=_int(raw, "max_choices", 1, 30),
        max_attempts=_int(raw, "max_attempts", 1, 100),
        retry_delays=tuple(dt.timedelta(minutes=m) for m in delays),
        labels=_labels(raw.get("labels")),
    )


@lru_cache(maxsize=4)
def load_courier(path: Path | None = None) -> CourierPolicy:
    """The courier policy of ``bot/data/catalog/courier.yml`` (cached)."""
    file = path or CATALOG_DIR / "courier.yml"
    return parse_courier(yaml.safe_load(file.read_text(encoding="utf-8")))


def check_courier(statuses: tuple[str, ...], directory: Path | None = None) -> list[str]:
    """``make validate``: ``courier.yml`` loads and names every pickup status.

    Args:
        statuses: The pickup statuses of the ticket store (``PICKUP_STATUSES``).
        directory: Catalogue directory; the shipped one by default.

    Returns:
        The problems, or ``[]`` when the file is fine.
    """
    path = (directory or CATALOG_DIR) / "courier.yml"
    try:
        policy = parse_courier(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, CatalogueError) as error:
        return [str(error)]
    return [
        f"courier.yml: labels.statuses has no name for the pickup status {status!r}"
        for status in statuses
        if status not in policy.labels.statuses
    ]
