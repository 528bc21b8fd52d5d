"""What an agent does to a conversation, through the running Rasa agent.

Every change goes through Rasa's tracker store under the conversation's lock, so the bot has
the whole history (agents' messages included) when it resumes. Messages reach the user on
their own channel through :mod:`bot.channels.live`; a channel that cannot push (``rest``)
still gets the message recorded, and the caller is told it was not delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SlotSet,
    UserUttered,
)

from bot.analytics.summary import CALLBACK_OFFERED, CALLBACK_SLOT
from bot.channels.live import push_output
from bot.channels.replies import channel_replies
from bot.console.labels import user_label
from bot.console.transcript import transcript

logger = logging.getLogger(__name__)

#: The action run when an agent closes a chat: it asks the user for a rating.
CLOSE_ACTION = "action_ask_handoff_rating"
#: The slot keeping why the chat was handed over, for the callback request.
HANDOFF_REASON = "handoff_reason"


def reply_text(name: str, **values: str) -> str:
    """A channel reply of the domain (``utter_channel_<name>``) with its values filled in."""
    return channel_replies()[f"utter_channel_{name}"].format(**values)


async def conversation(agent: Any, sender_id: str, after: int = -1) -> dict[str, Any]:
    """The transcript of ``sender_id`` after event ``after``, and whether the bot is paused."""
    tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
    if tracker is None:
        return {"events": [], "paused": False}
    events = [event.as_dict() for event in tracker.events]
    return {"events": transcript(events, after), "paused": tracker.is_paused()}


async def _push(channel: str, sender_id: str, text: str) -> bool:
    output = push_output(channel)
    if output is None:
        logger.warning(
            "console: channel %s cannot push; message to user %s recorded",
            channel,
            user_label(sender_id),
        )
        return False
    try:
        await output.send_text_message(sender_id, text)
        drain = getattr(output, "drain", None)
        if drain is not None:  # channels that send in the background: keep the order
            await drain()
    except Exception:  # the user's channel failed; the message stays in the transcript
        logger.exception(
            "console: delivery to user %s on %s failed", user_label(sender_id), channel
        )
        return False
    return True


async def _record(agent: Any, sender_id: str, *events: Any, pause: bool = False) -> None:
    """Append ``events`` (after a pause, if asked and not paused yet) under the lock."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(sender_id)
        if pause and not tracker.is_paused():
            tracker.update(ConversationPaused())
        for event in events:
            tracker.update(event)
        await agent.tracker_store.save(tracker)


def _agent_event(text: str, agent_user: Mapping[str, str]) -> BotUttered:
    return BotUttered(
        text,
        metadata={"agent": agent_user["username"], "agent_name": agent_user["display_name"]},
    )


async def say_as_agent(
    agent: Any, sender_id: str, channel: str, text: str, agent_user: Mapping[str, str]
) -> bool:
    """Send an agent's message to the user and record it; ``True`` if it was delivered."""
    shown = reply_text("agent_message", agent=agent_user["display_name"], text=text)
    await _record(agent, sender_id, _agent_event(text, agent_user))
    return await _push(channel, sender_id, shown)


async def announce_agent(
    agent: Any, sender_id: str, channel: str, agent_user: Mapping[str, str]
) -> bool:
    """Tell the user an agent took the chat (the bot stays paused)."""
    text = reply_text("agent_joined", agent=agent_user["display_name"])
    await _record(agent, sender_id, BotUttered(text), pause=True)
    return await _push(channel, sender_id, text)


def _listening() -> ActionExecuted:
    """The bot waits for the user: what the policies expect before a user's message.

    (While paused, the user's messages were logged with no action after them; without this,
    the rules would not recognise the next message as a new turn.)
    """
    return ActionExecuted(ACTION_LISTEN_NAME)


async def hand_back(agent: Any, sender_id: str, channel: str) -> bool:
    """Resume the bot and tell the user."""
    text = reply_text("handoff_returned")
    await _record(agent, sender_id, ConversationResumed(), BotUttered(text), _listening())
    return await _push(channel, sender_id, text)


async def resume_quietly(agent: Any, sender_id: str) -> None:
    """Resume the bot without a word (the owner left the queue; they get answers again)."""
    await _record(agent, sender_id, ConversationResumed(), _listening())


async def offer_callback_after_wait(agent: Any, sender_id: str, channel: str, reason: str) -> bool:
    """Resume the bot after a wait nobody answered, and offer the owner a callback.

    The conversation continues as after the callback offer of ``action_handoff``
    (``callback_step`` offered, the handoff's reason kept): a yes gives a callback request.
    """
    text = reply_text("handoff_timeout")
    await _record(
        agent,
        sender_id,
        ConversationResumed(),
        SlotSet(CALLBACK_SLOT, CALLBACK_OFFERED),
        SlotSet(HANDOFF_REASON, reason),
        BotUttered(text),
        _listening(),
    )
    return await _push(channel, sender_id, text)


async def last_owner_message(agent: Any, sender_id: str) -> float | None:
    """When the owner last wrote (a Unix time), from the conversation's latest session."""
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return float(event.timestamp)
    return None


async def close(agent: Any, sender_id: str, channel: str) -> bool:
    """Resume the bot, say goodbye, and ask for the satisfaction rating (a custom action)."""
    text = reply_text("handoff_closed")
    await _record(agent, sender_id, ConversationResumed(), BotUttered(text))
    delivered = await _push(channel, sender_id, text)
    output = push_output(channel)
    if output is None:
        return False
    async with agent.lock_store.lock(sender_id):
        await agent.processor.execute_action(
            sender_id,
            CLOSE_ACTION,
            output,
            agent.nlg,
            PolicyPrediction.for_action_name(agent.domain, CLOSE_ACTION),
        )
    await _record(agent, sender_id, _listening())
    return delivered
