"""The REST channel, locked for server-to-server use (``credentials.yml`` key ``rest``).

Enable it with the key ``rest`` under ``python -m bot.serve`` (``make run``), or with the
class path ``bot.channels.rest.ServerRestInput`` under a plain ``rasa run``. The channel
class is imported on first use, so :mod:`bot.channels.rest.body` stays free of Rasa.
"""

from __future__ import annotations

from typing import Any

from bot.channels.rest.body import SENDER_NAMESPACE, rest_sender_id

__all__ = ["SENDER_NAMESPACE", "ServerRestInput", "rest_sender_id"]


def __getattr__(name: str) -> Any:
    if name == "ServerRestInput":
        from bot.channels.rest.channel import ServerRestInput

        return ServerRestInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
