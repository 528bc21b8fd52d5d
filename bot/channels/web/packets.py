"""Malformed socket.io packets end the client's connection with a warning, not a traceback.

python-socketio decodes a client's packets (and dispatches them) without error handling of
its own: a binary frame where text is expected, an event without data, a ``CONNECT_ERROR``
sent by a client, JSON that does not parse ... raise inside Engine.IO's receive loop, which
logs each with its traceback. Any visitor could repeat that to flood the logs. A client that
sends one is disconnected instead, with a one-line warning; so is an event whose name is
not a string, which python-socketio would otherwise fail on in a task of its own. The
project's event handlers run in their own tasks (python-socketio's ``async_handlers``), so
their errors are not caught here.
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
            if isinstance(data, str) and eio_sid not in sio._binary_packet:
                _check_event(sio.packet_class(encoded_packet=data))
            await handle(eio_sid, data)
        except MALFORMED as error:
            logger.warning(
                "malformed socket.io packet (%s): client disconnected", type(error).__name__
            )
            await sio.eio.disconnect(eio_sid)

    sio.eio.on("message", guarded)


def _check_event(packet: Any) -> None:
    """Refuse an event whose name is not a string.

    python-socketio dispatches events in tasks of their own, where a name that is not a
    string (``42[{"a":1}]``) fails as "Task exception was never retrieved".

    Raises:
        TypeError: The packet is an event without a string name.
    """
    from socketio import packet as socketio_packet

    events = (socketio_packet.EVENT, socketio_packet.BINARY_EVENT)
    if packet.packet_type in events and not (
        isinstance(packet.data, list) and packet.data and isinstance(packet.data[0], str)
    ):
        raise TypeError("socket.io event without a string name")
