"""Malformed socket.io packets end the client's connection with a warning, not a traceback.

python-socketio decodes a client's packets (and dispatches them) without error handling of
its own: a binary frame where text is expected, an event without data, a ``CONNECT_ERROR``
sent by a client, JSON that does not parse ... raise inside Engine.IO's receive loop, which
logs each with its traceback. Any visitor could repeat that to flood the logs. A client that
sends one is disconnected instead, with a one-line warning. The project's event handlers run
in their own tasks (python-socketio's ``async_handlers``), so their errors are not caught
here.
"""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

#: What python-socketio's decoding and dispatch raise for a malformed packet.
MALFORMED = (ValueError, TypeError, IndexError, KeyError, AttributeError, json.JSONDecodeError)


def disconnect_on_malformed_packets(sio: Any) -> None:
    """Wrap ``sio``'s Engine.IO message handler: a malformed packet disconnects its client."""
    handle = sio.eio.handlers["message"]

    async def guarded(eio_sid: str, data: Any) -> None:
        try:
            await handle(eio_sid, data)
        except MALFORMED as error:
            logger.warning(
                "malformed socket.io packet (%s): client disconnected", type(error).__name__
            )
            await sio.eio.disconnect(eio_sid)

    sio.eio.on("message", guarded)
