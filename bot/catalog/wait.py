"""The likely wait for an agent, as the bot tells it when it queues a chat: pure, no store.

Each online agent frees up about once per typical handling time ``h``, so ``n`` agents take
about ``n / h`` chats per second, and the chat at place ``p`` in the queue (``p - 1`` ahead)
waits about ``p * h / n``. ``h`` is the median of recent handling times (an agent's claim to
the end of the chat), or the catalogue's default while there are too few of them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from bot.catalog.handoff import WaitEstimate


def handling_seconds(recent: Sequence[float], settings: WaitEstimate) -> float:
    """The typical handling time: the median of ``recent`` (seconds), or the default.

    Args:
        recent: Handling times of recent handoffs, in seconds (negative ones are ignored).
        settings: ``wait_estimate`` of ``handoff.yml``.
    """
    samples = [value for value in recent if value >= 0]
    if len(samples) < settings.min_samples:
        return float(settings.default_handling_seconds)
    return float(statistics.median(samples))


def wait_minutes(
    *, ahead: int, online_agents: int, recent: Sequence[float], settings: WaitEstimate
) -> int:
    """Whole minutes (at least 1) a newly queued chat is likely to wait.

    Args:
        ahead: Chats queued before this one.
        online_agents: Agents online now (counted as at least one: the chat is only queued
            when someone is).
        recent: Handling times of recent handoffs, in seconds.
        settings: ``wait_estimate`` of ``handoff.yml``.

    Raises:
        ValueError: ``ahead`` or ``online_agents`` is negative.
    """
    if ahead < 0 or online_agents < 0:
        raise ValueError("ahead and online_agents must not be negative")
    position = ahead + 1
    seconds = position * handling_seconds(recent, settings) / max(online_agents, 1)
    return max(1, math.ceil(seconds / 60))
