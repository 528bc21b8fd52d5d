"""Helpers shared by the action tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from rasa_sdk.events import BotUttered, SlotSet

# The follow-up questions outside the intake (bot/actions/common.py PENDING_SLOTS), spelled out
# here so that a change to that list shows up in the tests.
PENDING = (
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


def msg(response: str, buttons: list[dict[str, Any]] | None = None, **kwargs: Any) -> dict:
    """A message exactly as ``CollectingDispatcher.utter_message(response=...)`` records it."""
    return {
        "text": None,
        "buttons": buttons or [],
        "elements": [],
        "custom": {},
        "template": response,
        "response": response,
        "image": None,
        "attachment": None,
        **kwargs,
    }


def cn(day: dt.date) -> str:
    """A date as the bot writes it."""
    return f"{day.year}年{day.month}月{day.day}日"


def months_back(today: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def cleared(*keep: str) -> list[dict[str, Any]]:
    """The ``SlotSet(..., None)`` events of ``clear_pending(*keep)``, in their order."""
    return [SlotSet(slot, None) for slot in PENDING if slot not in keep]


def bot_said(response: str) -> dict[str, Any]:
    """A ``bot`` event of a response, as Rasa records it (metadata ``utter_action``)."""
    return BotUttered("…", metadata={"utter_action": response})


def message_values(messages: Iterable[dict[str, Any]]) -> list[str]:
    """Every value of every message (text, kwargs, buttons) as text."""
    return [repr(value) for message in messages for value in message.values()]
