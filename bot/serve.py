"""Rasa's command line with the project's channels under their short ``credentials.yml`` keys.

``python -m bot.serve run --credentials credentials.yml ...`` is ``rasa run`` in which the key
``socketio`` means the web widget's channel (Rasa's socket.io channel, fixed for session
persistence), ``wechat`` the WeChat Official Account channel, ``console`` the agent
console and ``rest`` the REST channel locked for server-to-server use
(:mod:`bot.channels.rest`). ``scripts/run.sh`` (``make run``) starts Rasa this way, with
``SANIC_WORKERS`` workers (one when the endpoints need a single process:
:mod:`bot.runtime.workers`). The full class paths (``bot.channels.web.WebChatInput`` ...)
work with a plain ``rasa run`` too.
"""

from __future__ import annotations

import sys

from rasa.core.channels import BUILTIN_CHANNELS

from bot.channels.rest import ServerRestInput
from bot.channels.web import WebChatInput
from bot.channels.wechat import WeChatInput
from bot.console.channel import ConsoleInput
from bot.courier.webhook import CourierEventsInput

#: credentials.yml key → channel class, added to (or replacing) Rasa's built-in channels.
PROJECT_CHANNELS = {
    "socketio": WebChatInput,
    "wechat": WeChatInput,
    "console": ConsoleInput,
    "rest": ServerRestInput,
    "courier": CourierEventsInput,  # after-sales: pickup (the courier's signed events)
}


def register_channels() -> None:
    """Make the short keys name the project's channels in this process."""
    BUILTIN_CHANNELS.update(PROJECT_CHANNELS)


def install_engine_speedups() -> None:
    """Action responses validated once, events by name, SQLite trackers in WAL (issue 14)."""
    from bot.runtime import action_schema, event_types, sqlite_tracker

    action_schema.install()
    event_types.install()
    sqlite_tracker.install()


def install_server_guards() -> None:
    """Body limits, the action server's secret, and an apology when an action cannot run.

    - :mod:`bot.runtime.accept_header`: error pages survive a malformed ``Accept`` header;
    - :mod:`bot.runtime.request_limits`: Rasa's app reads bodies up to ``MAX_REQUEST_BYTES``;
    - :mod:`bot.runtime.action_auth`: calls to the action server carry ``ACTION_SERVER_TOKEN``;
    - :mod:`bot.runtime.action_outage`: the owner hears ``utter_action_unavailable``.
    """
    from bot.runtime import accept_header, action_auth, action_outage, request_limits

    accept_header.install()
    request_limits.install()
    action_auth.install()
    action_outage.install()


def install_notice_delivery() -> None:
    """Deliver owners' notices from the outbox in each worker (:mod:`bot.notify.serving`)."""
    from bot.notify import serving

    serving.install()


def settle_workers() -> None:
    """Keep one Sanic worker when the endpoints need one process (bot.runtime.workers)."""
    from bot.runtime.workers import settle_workers as settle

    settle(sys.argv[1:])


def main() -> None:
    """Mask logs, register the channels, install speed-ups and guards, then run Rasa."""
    from bot.runtime import log_masking

    log_masking.install()
    register_channels()
    install_engine_speedups()
    install_server_guards()
    install_notice_delivery()
    settle_workers()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
