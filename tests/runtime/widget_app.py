"""A Sanic app with the web widget's channel and no model, for ``test_socketio_bus``.

``python -m tests.runtime.widget_app PORT WORKERS``: the bot answers ``echo <text>`` plus the
pid of the worker that handled the message; ``GET /push/<session>?text=...`` pushes a message
to a widget session the way the agent console does (``bot.channels.live``), from whichever
worker takes the request, and answers with that worker's pid.
"""

from __future__ import annotations

import os
import sys

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response
from sanic.request import Request

from bot.channels.live import push_output
from bot.channels.web import WebChatInput


class EchoAgent:
    """Stands in for Rasa's agent: Rasa's channel handler calls ``handle_message``."""

    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_text_message(
            message.sender_id, f"echo {message.text} pid {os.getpid()}"
        )


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    app = Sanic("widget_app")
    channel = WebChatInput(session_persistence=True)
    register([channel], app, route="/webhooks/")
    app.ctx.agent = EchoAgent()

    @app.get("/push/<session>")
    async def push(request: Request, session: str) -> response.HTTPResponse:
        output = push_output("socketio")
        assert output is not None
        await output.send_text_message(session, request.args.get("text", ""))
        return response.text(str(os.getpid()))

    @app.get("/pid")
    async def pid(_: Request) -> response.HTTPResponse:
        return response.text(str(os.getpid()))

    app.run(host="127.0.0.1", port=port, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
