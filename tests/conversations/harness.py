"""Hold real conversations with the trained model and the real action server."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered


@dataclass
class Turn:
    """What the bot did in answer to one user message."""

    user: str
    responses: list[str]
    texts: list[str]
    buttons: list[list[dict[str, Any]]]
    slots: dict[str, Any] = field(default_factory=dict)


class Conversation:
    """One user talking to the agent; each ``say`` returns the bot's responses by name."""

    def __init__(self, agent: Agent, loop: asyncio.AbstractEventLoop, sender_id: str) -> None:
        self.agent = agent
        self.loop = loop
        self.sender_id = sender_id

    def say(self, text: str) -> Turn:
        """Send ``text`` (or a ``/intent{...}`` payload) and collect the bot's answer."""
        return self.loop.run_until_complete(self._say(text))

    async def _say(self, text: str) -> Turn:
        tracker_before = await self.agent.tracker_store.get_or_create_tracker(self.sender_id)
        seen = len(tracker_before.events)
        channel = CollectingOutputChannel()
        await self.agent.handle_message(
            UserMessage(text, channel, self.sender_id, input_channel="rest")
        )
        tracker = await self.agent.tracker_store.get_or_create_tracker(self.sender_id)
        uttered = [e for e in list(tracker.events)[seen:] if isinstance(e, BotUttered)]
        return Turn(
            user=text,
            responses=[str(e.metadata.get("utter_action") or "<text>") for e in uttered],
            texts=[e.text or "" for e in uttered],
            buttons=[list(e.data.get("buttons") or []) for e in uttered],
            slots=tracker.current_slot_values(),
        )


def expand(value: Any, today: dt.date) -> Any:
    """Fill ``{last_year}``, ``{this_year}`` and ``{today}`` placeholders in expectations."""
    if isinstance(value, str):
        return value.format(last_year=today.year - 1, this_year=today.year, today=today.isoformat())
    return value
