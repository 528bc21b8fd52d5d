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


#: Colours of a waiting chat against the queue's SLA.
SLA_OK, SLA_AMBER, SLA_RED = "ok", "amber", "red"


@dataclass(frozen=True)
class QueueSla:
    """Seconds of waiting after which a queued chat turns amber, then red."""

    amber_seconds: int
    red_seconds: int

    def level(self, waited_seconds: float) -> str:
        """``ok``, ``amber`` or ``red`` for a chat that has waited ``waited_seconds``."""
        if waited_seconds >= self.red_seconds:
            return SLA_RED
        return SLA_AMBER if waited_seconds >= self.amber_seconds else SLA_OK


@dataclass(frozen=True)
class WaitEstimate:
    """How the likely wait is estimated (:func:`bot.catalog.wait.wait_minutes`)."""

    default_handling_seconds: int
    recent_handoffs: int
    min_samples: int


@dataclass(frozen=True)
class HandoffPolicy:
    """Working hours, escalation thresholds, handing-over intents and reason labels.

    Also the agent tools' settings: queue SLA, presence staleness, when a waiting owner has
    left, and the wait estimate.
    """

    days: frozenset[int]
    start: dt.time
    end: dt.time
    fallbacks_in_a_row: int
    form_failures: int
    intents: MappingProxyType[str, str]
    reasons: MappingProxyType[str, str]
    queue_sla: QueueSla
    presence_stale_seconds: int
    abandon_after_minutes: int
    widget_gone_seconds: int
    wait_estimate: WaitEstimate

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


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CatalogueError(f"handoff.yml: {name} must be a whole number from {low} to {high}")
    return value


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    section = raw.get(name)
    if not isinstance(section, dict):
        raise CatalogueError(f"handoff.yml: {name} is missing")
    return section


def _queue_sla(raw: dict[str, Any]) -> QueueSla:
    section = _section(raw, "queue_sla")
    amber = _whole(section.get("amber_seconds"), "queue_sla.amber_seconds", 1, 86400)
    red = _whole(section.get("red_seconds"), "queue_sla.red_seconds", 1, 86400)
    if red <= amber:
        raise CatalogueError("handoff.yml: queue_sla.red_seconds must be above amber_seconds")
    return QueueSla(amber_seconds=amber, red_seconds=red)


def _wait_estimate(raw: dict[str, Any]) -> WaitEstimate:
    section = _section(raw, "wait_estimate")
    return WaitEstimate(
        default_handling_seconds=_whole(
            section.get("default_handling_seconds"),
            "wait_estimate.default_handling_seconds",
            10,
            7200,
        ),
        recent_handoffs=_whole(
            section.get("recent_handoffs"), "wait_estimate.recent_handoffs", 1, 500
        ),
        min_samples=_whole(section.get("min_samples"), "wait_estimate.min_samples", 1, 500),
    )


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
        queue_sla=_queue_sla(raw),
        presence_stale_seconds=_whole(
            _section(raw, "presence").get("stale_seconds"), "presence.stale_seconds", 10, 3600
        ),
        abandon_after_minutes=_whole(
            raw.get("abandon_after_minutes"), "abandon_after_minutes", 1, 1440
        ),
        widget_gone_seconds=_whole(raw.get("widget_gone_seconds"), "widget_gone_seconds", 5, 3600),
        wait_estimate=_wait_estimate(raw),
    )


@lru_cache(maxsize=4)
def load_handoff_policy(directory: Path | None = None) -> HandoffPolicy:
    """Read ``handoff.yml`` from the catalogue directory (the shipped one by default)."""
    path = (directory or CATALOG_DIR) / "handoff.yml"
    with path.open(encoding="utf-8") as handle:
        return parse_handoff_policy(yaml.safe_load(handle))
