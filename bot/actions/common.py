"""Shared helpers of the custom actions: catalogue, dates, slot resets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.actions.dialogue import INTAKE_SLOTS, PENDING_SLOTS, part
from bot.catalog import Catalogue, load_catalogue
from bot.settings import get_settings


def catalogue() -> Catalogue:
    """The brand's catalogue (cached by the loader)."""
    return load_catalogue()


def today() -> dt.date:
    """Today in the business time zone."""
    return get_settings().today()


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def latest_text(tracker: Tracker) -> str:
    """Text of the latest user message ('' for a button payload)."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else str(text).strip()


def events_after_latest_user(tracker: Tracker) -> list[dict[str, Any]]:
    """Events since the latest user message, oldest first."""
    after: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        after.append(event)
    return after[::-1]


def bot_responses(events: list[dict[str, Any]]) -> list[str]:
    """Names of the responses the bot sent in ``events``."""
    return [
        str((e.get("metadata") or {}).get("utter_action"))
        for e in events
        if e.get("event") == "bot"
    ]


def last_response_before_latest_user(tracker: Tracker) -> str | None:
    """Name of the bot's last response before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "bot":
            return bot_responses([event])[0]
    return None


def reset_intake() -> list[EventType]:
    """Events that clear every slot of the intake."""
    return [SlotSet(slot, None) for slot in INTAKE_SLOTS]


def parse_iso_date(value: Any) -> dt.date | None:
    """An ISO date from a slot, or ``None``."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def format_date(value: dt.date, precision: str = "day") -> str:
    """A date as Chinese users write it (``2025年3月15日`` / ``2025年3月``, ``utter_part_date_*``).

    ``precision`` is ``year``, ``month`` or (anything else) ``day``.
    """
    name = precision if precision in ("year", "month") else "day"
    return part(f"date_{name}", year=value.year, month=value.month, day=value.day)


def clear_pending(*keep: str) -> list[EventType]:
    """Events that forget every pending follow-up question except those in ``keep``."""
    return [SlotSet(slot, None) for slot in PENDING_SLOTS if slot not in keep]


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The first value of ``entity`` in the latest user message."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value not in (None, "") else None


def in_form(tracker: Tracker) -> bool:
    """Whether a form (the intake) is active."""
    return bool((tracker.active_loop or {}).get("name"))


def user_turns(tracker: Tracker) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each user message with the events that followed it, oldest first."""
    turns: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for event in tracker.events:
        if event.get("event") == "user":
            turns.append((event, []))
        elif turns:
            turns[-1][1].append(event)
    return turns


def action_names(events: list[dict[str, Any]]) -> list[str]:
    """Names of the actions run in ``events``."""
    return [str(e.get("name")) for e in events if e.get("event") == "action"]


def local_date(value: dt.datetime) -> dt.date:
    """The business-time-zone date of an aware timestamp."""
    return value.astimezone(get_settings().tz).date()
