"""The input channels running in this Rasa process, so that people can reach their users.

A channel registers itself when Rasa mounts it; the agent console asks here for an output
channel that pushes to a user of that channel (socket.io room, WeChat customer-service
messages). Channels that only answer requests (``rest``) cannot push and are not here.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_channels: dict[str, Any] = {}


def register_live_channel(channel: Any) -> None:
    """Remember ``channel`` (an ``InputChannel`` with ``get_output_channel()``) by its name."""
    with _lock:
        _channels[str(channel.name())] = channel


def push_output(channel_name: str) -> Any | None:
    """An output channel that pushes to users of ``channel_name``, or ``None`` if none can."""
    with _lock:
        channel = _channels.get(channel_name)
    return None if channel is None else channel.get_output_channel()


def live_channel(channel_name: str) -> Any | None:
    """The input channel ``channel_name`` running in this process, or ``None`` (notices)."""
    with _lock:
        return _channels.get(channel_name)


def live_channel_names() -> list[str]:
    """Names of the channels that can push, sorted."""
    with _lock:
        return sorted(_channels)
