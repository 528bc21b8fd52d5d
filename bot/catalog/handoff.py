"""When the assistant hands a chat to a hotline agent (``handoff.yml``): pure, no Rasa."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError

_INTENT = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class HandoffPolicy:
    """Working hours, escalation thresholds, handing-over intents and reason labels."""

    days: frozenset[int]
    start: dt.time
    end: dt.time
    fallbacks_in_a_row: int
    form_failures: int
    intents: MappingProxyType[str, str]
    reasons: MappingProxyType[str, str]

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether agents work at ``moment`` (a local time in the business time zone)."""
        return moment.isoweekday() in self.days and self.start <= moment.time() < self.end

    def label(self, reason: str) -> str:
        """The Chinese label of a reason (the reason itself when it has none)."""
        return self.intents.get(reason) or self.reasons.get(reason) or reason

    @property
    def hours_text(self) -> str:
        """The working hours as users read them, e.g. ``9:00–21:00``."""
        end = "24:00" if self.end == dt.time.max else f"{self.end.hour}:{self.end:%M}"
        return f"{self.start.hour}:{self.start:%M}–{end}"


def _time(value: Any, name: str) -> dt.time:
    if str(value) == "24:00" and name == "end":
        return dt.time.max  # the end of the day
    match = _TIME.match(str(value))
    if not match:
        raise CatalogueError(f"handoff.yml: {name} must be HH:MM, not {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def override_hours(policy: HandoffPolicy, hours: str) -> HandoffPolicy:
    """The policy with other working hours, every day: ``"HH:MM-HH:MM"`` (end may be 24:00).

    Raises:
        CatalogueError: ``hours`` is not two times, the first before the second.
    """
    start_text, _, end_text = hours.replace("–", "-").partition("-")
    start, end = _time(start_text.strip(), "start"), _time(end_text.strip(), "end")
    if start >= end:
        raise CatalogueError(f"working hours {hours!r}: the start must be before the end")
    return dataclasses.replace(policy, days=frozenset(range(1, 8)), start=start, end=end)


def _count(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise CatalogueError(f"handoff.yml: {name} must be a whole number from 1 to 10")
    return value


def _labels(raw: Any, name: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise CatalogueError(f"handoff.yml: {name} must map names to Chinese labels")
    labels: dict[str, str] = {}
    for key, label in raw.items():
        name_ok = _INTENT.match(str(key)) and len(str(key)) <= 64  # the handoffs.reason limit
        if not name_ok or not isinstance(label, str) or not label.strip():
            raise CatalogueError(f"handoff.yml: {name}.{key} needs a name and a label")
        labels[str(key)] = label.strip()
    return labels


def parse_handoff_policy(raw: Any) -> HandoffPolicy:
    """Check and convert the content of ``handoff.yml``.

    Raises:
        CatalogueError: A part is missing or malformed.
    """
    if not isinstance(raw, dict):
        raise CatalogueError("handoff.yml: expected a mapping at the top level")
    hours = raw.get("working_hours")
    if not isinstance(hours, dict):
        raise CatalogueError("handoff.yml: working_hours is missing")
    days = hours.get("days")
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and 1 <= d <= 7 for d in days)
    ):
        raise CatalogueError("handoff.yml: working_hours.days must list ISO weekdays 1–7")
    start, end = _time(hours.get("start"), "start"), _time(hours.get("end"), "end")
    if start >= end:
        raise CatalogueError("handoff.yml: working_hours.start must be before end")
    intents = _labels(raw.get("intents"), "intents")
    if not intents:
        raise CatalogueError("handoff.yml: intents must name at least one intent")
    return HandoffPolicy(
        days=frozenset(days),
        start=start,
        end=end,
        fallbacks_in_a_row=_count(raw, "fallbacks_in_a_row"),
        form_failures=_count(raw, "form_failures"),
        intents=MappingProxyType(intents),
        reasons=MappingProxyType(_labels(raw.get("reasons") or {}, "reasons")),
    )


@lru_cache(maxsize=4)
def load_handoff_policy(directory: Path | None = None) -> HandoffPolicy:
    """Read ``handoff.yml`` from the catalogue directory (the shipped one by default)."""
    path = (directory or CATALOG_DIR) / "handoff.yml"
    with path.open(encoding="utf-8") as handle:
        return parse_handoff_policy(yaml.safe_load(handle))
