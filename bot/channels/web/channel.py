"""``WebChatInput``: Rasa's socket.io channel, fixed for session persistence, plus the widget.

Rasa 3.6's ``SocketIOInput`` calls python-socketio 5's ``enter_room`` coroutine without
awaiting it, so with ``session_persistence: true`` the socket never joins the room named after
its session and the bot's answers (emitted to that room) are lost. This channel registers the
same socket.io events with that fixed, and serves under ``/webhooks/socketio/``:

- ``GET widget.js`` / ``widget.css``: the embeddable widget (one ``<script>`` tag);
- ``GET vendor/socket.io.min.js``: socket.io's official client from ``node_modules``
  (installed from the npm registry by ``scripts/web_setup.sh``);
- ``GET demo``: a mock brand support page with the widget;
- ``POST upload`` and ``GET uploads/<id>``: fault photos (see :mod:`bot.channels.web.uploads`).

With several Rasa workers, emits reach sockets held by any worker (:mod:`bot.runtime.socketio_bus`)
and only websockets are accepted (:mod:`bot.channels.web.websocket`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dedup import SeenMessages
from bot.channels.live import register_live_channel
from bot.channels.photos import (
    MAX_PHOTO_BYTES,
    UploadRejected,
    find_photo,
    photo_owner,
    photo_ref,
    store_photo,
)
from bot.channels.replies import channel_replies
from bot.channels.web.websocket import fix_sanic_websockets
from bot.intake.photos import PHOTO_METADATA_KEY
from bot.runtime import socketio_bus
from bot.runtime.workers import requested_workers
from bot.settings import get_settings

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
MAX_MESSAGE_CHARS = 2000
"""Longer user messages are cut to this length before NLU (the widget caps input at 500)."""
MAX_SESSION_ID_CHARS = 64
REPLAY_WINDOW_SECONDS = 600.0
"""A message id seen again within this time is a replay and is not processed again."""
_MESSAGE_ID = re.compile(r"^[0-9a-f]{16,64}$")

_STATIC_TYPES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}


def several_workers() -> bool:
    """Whether Rasa runs several Sanic workers (``SANIC_WORKERS``, see bot.runtime.workers)."""
    return requested_workers() > 1


def valid_session_id(value: Any) -> str | None:
    """A client-sent session id if it is a short printable string without spaces, else None."""
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SESSION_ID_CHARS
        and value.isprintable()
        and not any(c.isspace() for c in value)
    ):
        return value
    return None


def trusted_metadata(raw: Any, *, sender_id: str, upload_dir: Path) -> dict[str, Any] | None:
    """The client's metadata with the photo it names checked against the upload store.

    A client may not hand the assistant a photo reference itself: the ``photo`` key is
    dropped, and set again only when ``photo_id`` names a stored photo uploaded by this
    session.
    """
    if not isinstance(raw, dict):
        return None
    metadata = {key: value for key, value in raw.items() if key != PHOTO_METADATA_KEY}
    photo_id = metadata.get("photo_id")
    if photo_id is None:
        return metadata
    stored = find_photo(upload_dir, photo_id) if isinstance(photo_id, str) else None
    if stored is None or photo_owner(upload_dir, stored.photo_id) != sender_id:
        logger.warning("session %s named photo %r it did not upload: ignored", sender_id, photo_id)
        return metadata
    metadata[PHOTO_METADATA_KEY] = photo_ref(stored).as_metadata()
    return metadata


def valid_message_id(value: Any) -> str | None:
    """The widget's random message id (16–64 lowercase hex digits), else None."""
    return value if isinstance(value, str) and _MESSAGE_ID.match(value) else None


def clean_user_text(value: Any) -> str:
    """The message text to give Rasa: a string, stripped, at most ``MAX_MESSAGE_CHARS``."""
    text = value.strip() if isinstance(value, str) else ""
    return text[:MAX_MESSAGE_CHARS]


class WebChatInput(SocketIOInput):  # type: ignore[misc]  # Rasa is untyped (skipped by mypy)
    """Socket.io channel for the web widget; the credentials are those of ``socketio``."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Read the ``socketio`` settings plus ``upload_dir`` and ``max_upload_bytes``."""
        credentials = credentials or {}
        upload_dir = credentials.get("upload_dir")
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=bool(credentials.get("session_persistence", False)),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", "metadata"),
            upload_dir=Path(upload_dir) if upload_dir else None,
            max_upload_bytes=int(credentials.get("max_upload_bytes", MAX_PHOTO_BYTES)),
        )

    def __init__(
        self,
        *,
        upload_dir: Path | None = None,
        max_upload_bytes: int = MAX_PHOTO_BYTES,
        **socketio_settings: Any,
    ) -> None:
        super().__init__(**socketio_settings)
        self.upload_dir = upload_dir or get_settings().var_dir / "uploads"
        self.max_upload_bytes = max_upload_bytes
        # A socket.io connection stays with one worker, so the replay check can be in-process
        # (a client that reconnects to another worker and replays an id is not caught).
        self.seen = SeenMessages(ttl=REPLAY_WINDOW_SECONDS)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint with the fixed events and the widget routes."""
        fix_sanic_websockets()
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint
        # Emits reach sockets held by the other Sanic workers of this machine too (agents'
        # replies from the console, a session open in two tabs).
        socketio_bus.install(sio, socketio_bus.bus_directory(get_settings().var_dir))
        if several_workers():
            # Long-polling is a series of requests that the workers would share, and each
            # keeps its Engine.IO sessions in memory: refuse it rather than lose messages.
            sio.eio.transports = ["websocket"]
            logger.info("several Rasa workers: the widget's socket.io accepts websockets only")

        async def session_request(sid: str, data: Any) -> None:
            asked = valid_session_id(data.get("session_id")) if isinstance(data, dict) else None
            session_id = asked or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("socket.io message that is not an object from %s: ignored", sid)
                return
            if self.session_persistence:
                sender_id = valid_session_id(data.get("session_id"))
                if sender_id is None:
                    logger.warning("socket.io message without a valid session_id: ignored")
                    return
            else:
                sender_id = sid
            metadata = trusted_metadata(
                data.get(self.metadata_key), sender_id=sender_id, upload_dir=self.upload_dir
            )
            text = clean_user_text(data.get("message"))
            if not text:
                logger.info("empty socket.io message from %s: answered by the channel", sender_id)
                await sio.emit(
                    self.bot_message_evt,
                    {"text": channel_replies()["utter_channel_empty"]},
                    room=sid,
                    namespace=self.namespace,
                )
                return
            message_id = valid_message_id(data.get("message_id"))
            if message_id and not self.seen.first_time(f"{sender_id}:{message_id}"):
                logger.info("replayed message %s from %s: ignored", message_id, sender_id)
                return
            await on_new_message(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    message_id=message_id,
                    metadata=metadata,
                )
            )

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        self._add_widget_routes(bp)
        register_live_channel(self)  # agents' replies reach widget users through it
        return bp

    def _add_widget_routes(self, bp: Blueprint) -> None:
        upload_dir, max_bytes = self.upload_dir, self.max_upload_bytes

        async def widget_js(_: Request) -> HTTPResponse:
            return await _static("widget.js")

        async def widget_css(_: Request) -> HTTPResponse:
            return await _static("widget.css")

        async def socketio_client(_: Request) -> HTTPResponse:
            if not SOCKET_IO_CLIENT.is_file():
                logger.error("%s is missing: run scripts/web_setup.sh", SOCKET_IO_CLIENT)
                return response.text("socket.io client not installed", status=503)
            return await response.file(
                SOCKET_IO_CLIENT,
                mime_type="application/javascript; charset=utf-8",
                headers={"Cache-Control": "public, max-age=3600"},
            )

        async def demo(_: Request) -> HTTPResponse:
            return await response.file(
                STATIC_DIR / "demo.html", mime_type="text/html; charset=utf-8"
            )

        async def upload(request: Request) -> HTTPResponse:
            declared = int(request.headers.get("content-length") or 0)
            if declared > max_bytes + 64 * 1024:
                return response.json({"error": "too_large"}, status=413)
            photo = request.files.get("photo") if request.files else None
            session_id = valid_session_id(request.form.get("session_id") if request.form else None)
            if photo is None:
                return response.json({"error": "no_photo"}, status=400)
            try:
                stored = store_photo(
                    upload_dir, photo.body, session_id=session_id or "", max_bytes=max_bytes
                )
            except UploadRejected as rejected:
                return response.json({"error": rejected.reason}, status=rejected.status)
            logger.info("photo %s stored for session %s", stored.photo_id, session_id)
            return response.json(
                {
                    "id": stored.photo_id,
                    "url": f"uploads/{stored.photo_id}",
                    "content_type": stored.content_type,
                    "size": stored.size,
                },
                status=201,
            )

        async def stored_photo(_: Request, photo_id: str) -> HTTPResponse:
            stored = find_photo(upload_dir, photo_id)
            if stored is None:
                return response.json({"error": "not_found"}, status=404)
            return await response.file(
                stored.path,
                mime_type=stored.content_type,
                headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private"},
            )

        bp.add_route(widget_js, "/widget.js", methods=["GET"], name="web_widget_js")
        bp.add_route(widget_css, "/widget.css", methods=["GET"], name="web_widget_css")
        bp.add_route(
            socketio_client, "/vendor/socket.io.min.js", methods=["GET"], name="web_socketio_client"
        )
        bp.add_route(demo, "/demo", methods=["GET"], name="web_demo_page")
        bp.add_route(upload, "/upload", methods=["POST"], name="web_photo_upload")
        bp.add_route(stored_photo, "/uploads/<photo_id:str>", methods=["GET"], name="web_photo")


async def _static(name: str) -> HTTPResponse:
    return await response.file(
        STATIC_DIR / name,
        mime_type=_STATIC_TYPES[name],
        headers={"Cache-Control": "no-cache"},
    )
