"""Widget notices: a push into the owner's open web widget, through the socket.io server.

The push is the bot message event emitted to the room of the owner's session, the way
agents' replies reach the widget (through Redis or the machine's worker bus when other
processes hold sockets). Only the process holding an open socket of that session delivers
it (:meth:`WidgetSender.local_recipients`); a notice that no process delivers within
``NOTIFY_WIDGET_WAIT_SECONDS`` becomes an SMS (:mod:`bot.notify.worker`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.notify.senders import Notice, RecipientAbsent

logger = logging.getLogger(__name__)

#: The socket.io namespace of the widget (Rasa's default).
DEFAULT_NAMESPACE = "/"


class WidgetSender:
    """Pushes notices to open widgets of this process.

    Args:
        channel: A function returning the running widget channel (an ``InputChannel`` with
            ``sio``, ``namespace`` and ``get_output_channel()``), or ``None`` when the
            widget does not run in this process.
    """

    def __init__(self, channel: Callable[[], Any | None]) -> None:
        self._channel = channel

    def _server(self) -> tuple[Any, str] | None:
        channel = self._channel()
        sio = getattr(channel, "sio", None)
        if sio is None:
            return None
        return sio, getattr(channel, "namespace", None) or DEFAULT_NAMESPACE

    def local_recipients(self) -> set[str]:
        """Session ids with an open socket in this process (their room has a member)."""
        server = self._server()
        if server is None:
            return set()
        sio, namespace = server
        rooms = sio.manager.rooms.get(namespace, {})
        return {room for room, members in rooms.items() if isinstance(room, str) and members}

    async def send(self, notice: Notice) -> None:
        """Push ``notice`` to the widget of session ``notice.recipient``.

        Raises:
            RecipientAbsent: That session has no open socket here (any more).
        """
        if notice.recipient not in self.local_recipients():
            raise RecipientAbsent("the widget is not open")
        channel = self._channel()
        output = channel.get_output_channel() if channel is not None else None
        if output is None:
            raise RecipientAbsent("the widget channel does not run here")
        await output.send_text_message(notice.recipient, notice.text)
