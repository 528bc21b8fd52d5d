"""A conversation's events as the agent console shows them (pure: plain Rasa event dicts).

Each entry keeps the index of its event in the full tracker, so the console can ask for
what came after the last entry it has. User button presses show the button's title;
photos show as a photo; agents' messages (bot events with ``agent`` metadata) are marked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.console.texts import console_text

#: Events shown as a system line (their texts: ``api.transcript.<event>`` in console.yml).
SYSTEM_EVENTS = ("pause", "resume", "session_started")
#: A photo in the upload store (see bot.channels.photos): 32 hex digits and a type.
PHOTO_FILE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def _iso(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isoformat()


def _button_titles(event: Mapping[str, Any]) -> list[dict[str, str]]:
    data = event.get("data") or {}
    buttons = data.get("buttons") or data.get("quick_replies") or []
    return [
        {"title": str(b.get("title") or b.get("payload") or "")}
        for b in buttons
        if isinstance(b, Mapping) and (b.get("title") or b.get("payload"))
    ]


def _photo_file(event: Mapping[str, Any]) -> str | None:
    """The stored file of a photo the user sent (not a WeChat media id kept for later)."""
    metadata = event.get("metadata") or {}
    photo = metadata.get("photo") if isinstance(metadata, Mapping) else None
    key = photo.get("storage_key") if isinstance(photo, Mapping) else None
    return key if isinstance(key, str) and PHOTO_FILE.match(key) else None


def system_text(event: str) -> str:
    """How a system event (one of :data:`SYSTEM_EVENTS`) reads in the transcript."""
    return console_text(f"api.transcript.{event}")


def photo_text() -> str:
    """What a photo the user sent reads as in the transcript (``［照片］``)."""
    return console_text("api.transcript.photo")


def _user_text(event: Mapping[str, Any], last_buttons: list[Mapping[str, Any]]) -> str:
    text = str(event.get("text") or "")
    metadata = event.get("metadata") or {}
    if isinstance(metadata, Mapping) and metadata.get("photo"):
        return photo_text()
    if text.startswith("/"):
        for button in last_buttons:
            if button.get("payload") == text:
                return str(button.get("title") or text)
    return text


def transcript(events: Iterable[Mapping[str, Any]], after: int = -1) -> list[dict[str, Any]]:
    """The console's view of ``events`` (all of a tracker's events), after index ``after``.

    Args:
        events: Rasa event dicts, oldest first (``tracker.events`` as dicts).
        after: Only entries whose event index is greater are returned.

    Returns:
        Entries ``{index, kind, text, at}`` plus ``buttons`` for bot messages,
        ``agent_name`` for agents' messages and ``photo`` (a stored file name) for the
        user's photos; kind is user, bot, agent or system.
    """
    entries: list[dict[str, Any]] = []
    last_buttons: list[Mapping[str, Any]] = []
    for index, event in enumerate(events):
        kind = event.get("event")
        entry: dict[str, Any] | None = None
        if kind == "user":
            text = _user_text(event, last_buttons)
            if text:
                entry = {"kind": "user", "text": text}
                photo = _photo_file(event)
                if photo:
                    entry["photo"] = photo
        elif kind == "bot":
            data = event.get("data") or {}
            last_buttons = [b for b in (data.get("buttons") or []) if isinstance(b, Mapping)]
            metadata = event.get("metadata") or {}
            text = str(event.get("text") or "")
            if isinstance(metadata, Mapping) and metadata.get("agent"):
                entry = {
                    "kind": "agent",
                    "text": text,
                    "agent_name": str(metadata.get("agent_name") or metadata["agent"]),
                }
            elif text or last_buttons:
                entry = {"kind": "bot", "text": text, "buttons": _button_titles(event)}
        elif kind in SYSTEM_EVENTS:
            entry = {"kind": "system", "text": system_text(str(kind))}
        if entry is not None and index > after:
            entries.append({"index": index, **entry, "at": _iso(event.get("timestamp"))})
    return entries
