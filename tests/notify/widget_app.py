"""A Sanic app with the web widget's channel and the notice delivery, and no model.

``python -m tests.notify.widget_app PORT WORKERS``: the widget's socket.io channel as Rasa
mounts it, the bot answering ``echo <text>``, and :func:`bot.notify.serving.add_delivery`
delivering notices every ``NOTIFY_INTERVAL_SECONDS`` in each worker, with the settings of the
environment (``DATABASE_URL``, ``SMS_URL`` ...).
"""

from __future__ import annotations

import os
import sys

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response
from sanic.request import Request

from bot.channels.web import WebChatInput
from bot.notify.serving import add_delivery
from bot.settings import get_settings


class EchoAgent:
    """Stands in for Rasa's agent: Rasa's channel handler calls ``handle_message``."""

    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    app = Sanic("notice_widget_app")
    channel = WebChatInput(session_persistence=True)
    register([channel], app, route="/webhooks/")
    app.ctx.agent = EchoAgent()
    add_delivery(app, get_settings().notify_interval_seconds)

    @app.get("/pid")
    async def pid(_: Request) -> response.HTTPResponse:
        return response.text(str(os.getpid()))

    app.run(host="127.0.0.1", port=port, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
