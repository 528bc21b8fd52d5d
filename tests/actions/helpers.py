"""Helpers shared by the action tests."""

from __future__ import annotations

import datetime as dt
from typing import Any


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
