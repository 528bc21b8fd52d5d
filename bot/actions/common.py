"""Shared helpers of the custom actions: catalogue, dates, slot resets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.catalog import Catalogue, load_catalogue
from bot.settings import get_settings

# Slots of one intake; cleared when a ticket is created or the intake is cancelled.
INTAKE_SLOTS = (
    "device_model",
    "serial_number",
    "purchase_date",
    "purchase_date_precision",
    "fault_description",
    "fault_category",
    "fault_brief",
    "service_type",
    "city",
    "contact_phone",
    "existing_ticket_no",
    "duplicate_confirmed",
    "intake_confirmed",
    "intake_id",
    "intake_failures",
    "skipped_slots",
    "warranty_status",
    "cancel_pending",
    "ticket_pending",
    "ticket_retries",
    "requested_slot",
)


# The slots the intake form asks for, in order.
FORM_SLOTS = (
    "fault_description",
    "device_model",
    "purchase_date",
    "serial_number",
    "service_type",
    "city",
    "contact_phone",
    "intake_confirmed",
)


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
    """A date as Chinese users write it (``2025年3月15日`` / ``2025年3月``)."""
    if precision == "year":
        return f"{value.year}年"
    if precision == "month":
        return f"{value.year}年{value.month}月"
    return f"{value.year}年{value.month}月{value.day}日"


# Follow-up questions outside the intake: the bot asked something and waits for the answer.
PENDING_SLOTS = (
    "status_asked",
    "status_ticket_no",
    "ticket_cancel_pending",
    "ticket_cancel_no",
    "centre_city_asked",
    "price_asked",
    "price_part",
    "rating_pending",
    "rating_context",
)


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
