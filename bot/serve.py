"""Rasa's command line with the project's channels under their short ``credentials.yml`` keys.

``python -m bot.serve run --credentials credentials.yml ...`` is ``rasa run`` in which the key
``socketio`` means the web widget's channel (Rasa's socket.io channel, fixed for session
persistence), ``wechat`` the WeChat Official Account channel and ``console`` the agent
console. ``scripts/run.sh`` (``make run``) starts Rasa this way, with ``SANIC_WORKERS`` workers
(one when the endpoints need a single process: :mod:`bot.runtime.workers`). The full class paths
(``bot.channels.web.WebChatInput`` ...) work with a plain ``rasa run`` too.
"""

from __future__ import annotations

import sys

from rasa.core.channels import BUILTIN_CHANNELS

from bot.channels.web import WebChatInput
from bot.channels.wechat import WeChatInput
from bot.console.channel import ConsoleInput

#: credentials.yml key → channel class, added to (or replacing) Rasa's built-in channels.
PROJECT_CHANNELS = {"socketio": WebChatInput, "wechat": WeChatInput, "console": ConsoleInput}


def register_channels() -> None:
    """Make the short keys name the project's channels in this process."""
    BUILTIN_CHANNELS.update(PROJECT_CHANNELS)


def install_engine_speedups() -> None:
    """Action responses validated once, events by name, SQLite trackers in WAL (issue 14)."""
    from bot.runtime import action_schema, event_types, sqlite_tracker

    action_schema.install()
    event_types.install()
    sqlite_tracker.install()


def settle_workers() -> None:
    """Keep one Sanic worker when the endpoints need one process (bot.runtime.workers)."""
    from bot.runtime.workers import settle_workers as settle

    settle(sys.argv[1:])


def main() -> None:
    """Register the channels, install the engine speed-ups, then run Rasa's command line."""
    register_channels()
    install_engine_speedups()
    settle_workers()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
