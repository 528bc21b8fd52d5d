"""Labels the bot shows for intents, FAQ keys and ticket timelines (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError


@dataclass(frozen=True)
class FaqLabel:
    """A FAQ key as a button: its title and the question it sends."""

    key: str
    title: str
    question: str


@dataclass(frozen=True)
class IntentLabels:
    """Button titles for "did you mean ...?" suggestions."""

    intents: dict[str, str]
    fault_format: str
    faq: dict[str, FaqLabel]


@dataclass(frozen=True)
class TimelineFormat:
    """How one step of a ticket's timeline is written."""

    line: str
    tracking: str
    tracking_no_courier: str


def _read(path: Path) -> dict[str, object]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=4)
def load_intent_labels(directory: Path | None = None) -> IntentLabels:
    """Read ``intent_labels.yml``.

    Args:
        directory: Catalogue directory; the shipped one by default.

    Returns:
        The labels.

    Raises:
        CatalogueError: A FAQ entry lacks its title or question.
    """
    data = _read((directory or CATALOG_DIR) / "intent_labels.yml")
    intents = {str(k): str(v) for k, v in dict(data.get("intents") or {}).items()}  # type: ignore[call-overload]
    faq: dict[str, FaqLabel] = {}
    for key, entry in dict(data.get("faq") or {}).items():  # type: ignore[call-overload]
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("question"):
            raise CatalogueError(f"intent_labels.yml: faq {key} needs a title and a question")
        faq[str(key)] = FaqLabel(str(key), str(entry["title"]), str(entry["question"]))
    return IntentLabels(intents, str(data.get("fault") or "{name}"), faq)


@lru_cache(maxsize=4)
def load_timeline_format(directory: Path | None = None) -> TimelineFormat:
    """Read the ``timeline`` section of ``ticket_statuses.yml``.

    Raises:
        CatalogueError: A format is missing.
    """
    data = _read((directory or CATALOG_DIR) / "ticket_statuses.yml")
    section = data.get("timeline")
    keys = ("line", "tracking", "tracking_no_courier")
    if not isinstance(section, dict) or any(not section.get(k) for k in keys):
        raise CatalogueError(f"ticket_statuses.yml: timeline needs {', '.join(keys)}")
    return TimelineFormat(*(str(section[k]) for k in keys))
