"""Queued chats whose owner left: found and ended where agents look at the queue.

What counts as leaving (``handoff.yml``):

- the web widget's connection has been gone for ``widget_gone_seconds`` (the widget channel
  records it, :mod:`bot.channels.web.owners`; a reload or a reconnect clears it);
- or no sign of the owner for ``abandon_after_minutes``: no message (read from the
  conversation's tracker here, for every channel) and, on the widget, no open connection
  (the widget channel refreshes the sign of connected owners every minute).

The sweep runs when an agent reads the queue or the supervisor view (every few seconds while
the console is open), at most once per :data:`SWEEP_EVERY` in a process. Each handoff is ended
by a conditional ``UPDATE`` (:func:`bot.tickets.sweep_abandoned`), so several servers sweeping
at once end it once; the server that ended it resumes the bot in the conversation: quietly
when the widget was closed, with an apology and a callback offer when the owner was only
silent (on WeChat, say, they may still be waiting).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from functools import partial
from typing import Any

from bot.catalog.handoff import load_handoff_policy
from bot.console import conversations
from bot.console.labels import user_label
from bot.console.replies import in_session
from bot.tickets import (
    HandoffRecord,
    TicketStoreUnavailable,
    idle_queued,
    note_owner_activity,
    sweep_abandoned,
)

logger = logging.getLogger(__name__)

#: Seconds between two sweeps of one process.
SWEEP_EVERY = 10.0
_last_sweep = {"at": float("-inf")}


async def _refresh_from_trackers(rasa_agent: Any, now: dt.datetime, idle_minutes: int) -> None:
    """Record the owner's latest message of each idle-looking queued chat."""
    candidates = await in_session(partial(idle_queued, now=now, idle_minutes=idle_minutes))
    for handoff in candidates:
        last = await conversations.last_owner_message(rasa_agent, handoff.sender_id)
        if last is None:
            continue
        seen = dt.datetime.fromtimestamp(last, dt.timezone.utc)
        await in_session(partial(note_owner_activity, handoff_id=handoff.id, at=min(seen, now)))


async def sweep(
    rasa_agent: Any, *, now: dt.datetime | None = None, force: bool = False
) -> list[HandoffRecord]:
    """End the queued chats whose owner left, and resume the bot in their conversations.

    Args:
        rasa_agent: The running Rasa agent (tracker and lock stores).
        now: Time of the sweep (aware); default the current time.
        force: Sweep even if this process swept less than :data:`SWEEP_EVERY` ago.

    Returns:
        The handoffs this call ended.
    """
    if not force and time.monotonic() - _last_sweep["at"] < SWEEP_EVERY:
        return []
    _last_sweep["at"] = time.monotonic()
    try:
        return await _sweep(rasa_agent, now or dt.datetime.now(dt.timezone.utc))
    except TicketStoreUnavailable:
        raise  # the console answers 503
    except Exception:  # a tracker store hiccup must not take the queue down; next time
        logger.exception("console: sweeping abandoned chats failed")
        return []


async def _sweep(rasa_agent: Any, at: dt.datetime) -> list[HandoffRecord]:
    policy = load_handoff_policy()
    await _refresh_from_trackers(rasa_agent, at, policy.abandon_after_minutes)
    ended = await in_session(
        partial(
            sweep_abandoned,
            now=at,
            idle_minutes=policy.abandon_after_minutes,
            gone_seconds=policy.widget_gone_seconds,
        )
    )
    for handoff in ended:
        label = user_label(handoff.sender_id)
        logger.info("console: queued chat of user %s abandoned", label)
        try:
            if handoff.owner_left_at is None:  # silent, perhaps still waiting: offer a call
                await conversations.offer_callback_after_wait(
                    rasa_agent, handoff.sender_id, handoff.channel, handoff.reason
                )
            else:  # the widget was closed: nobody to tell
                await conversations.resume_quietly(rasa_agent, handoff.sender_id)
        except Exception:  # the others are still resumed
            logger.exception("console: the bot could not be resumed for user %s", label)
    return ended
