"""``WebChatInput``: Rasa's socket.io channel, fixed and secured, plus the widget.

Rasa 3.6's ``SocketIOInput`` calls python-socketio 5's ``enter_room`` coroutine without
awaiting it, so with ``session_persistence: true`` the socket never joins the room named after
its session and the bot's answers (emitted to that room) are lost. This channel registers the
same socket.io events with that fixed, and secures the sessions:

- ``session_request`` answers ``session_confirm`` with a token the server signed
  (:mod:`bot.channels.web.sessions`): ``<session id>.<issued>.<signature>``. A client resumes
  its session by sending that token back; an unsigned, forged or expired one gets a fresh
  session. Clients that store what ``session_confirm`` gives them (Rasa's protocol) need no
  change.
- A session is usable only by the sockets that obtained it or resumed it with its token: only
  they join its room (and so receive the bot's and agents' messages), and ``user_uttered``
  naming any other session is refused. The grant lives with the socket (in-process: a socket
  stays with one Sanic worker); resuming checks the signature, so any worker or server agrees.
- With ``jwt_key`` in the credentials (brands that sign their users in), a socket connects
  only with a valid JWT in its ``auth`` (``{"token": ...}``, as in Rasa) and the session is
  the JWT's ``sub`` (or Rasa's ``user.username``).
- Session ids never reach the logs (a short hash instead, :func:`session_tag`).
- What a client sends is checked in :mod:`bot.channels.web.inbound`.
- Sockets opening, writing and closing are signs of an owner waiting for an agent
  (:mod:`bot.channels.web.owners`): the console marks a queued chat abandoned once its owner's
  last socket has been gone for a while.

Routes under ``/webhooks/socketio/``: ``GET widget.js`` / ``widget.css``, ``GET
vendor/socket.io.min.js`` (socket.io's official client from ``node_modules``, installed from
the npm registry by ``scripts/web_setup.sh``), ``GET demo`` (a mock brand support page):
:mod:`bot.channels.web.widget`; the photo routes of :mod:`bot.channels.web.uploads`. They,
and socket.io, answer the pages of ``WIDGET_ALLOWED_ORIGINS`` (:mod:`bot.channels.web.cors`).

Emits (the bot's answers, agents' replies, pushes) reach a socket whichever process holds it:
through Redis when ``SOCKETIO_REDIS_URL`` is set (several Rasa servers,
:mod:`bot.runtime.socketio_redis`), else through the datagram bus of this machine's workers
(:mod:`bot.runtime.socketio_bus`). A message id is processed once (:mod:`bot.channels.web.replays`:
on any server with Redis, else in the process). With several Sanic workers only websockets are
accepted (:mod:`bot.channels.web.websocket`).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jwt
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.live import register_live_channel
from bot.channels.photos import MAX_PHOTO_BYTES
from bot.channels.replies import channel_replies
from bot.channels.web.cors import socketio_origin_check
from bot.channels.web.inbound import clean_user_text, jwt_sender, trusted_metadata, valid_message_id
from bot.channels.web.owners import OwnerSockets, refresh_periodically
from bot.channels.web.packets import disconnect_on_malformed_packets
from bot.channels.web.replays import ReplayGuard
from bot.channels.web.sessions import SessionSigner, session_key, session_tag
from bot.channels.web.uploads import UploadSettings, add_upload_routes, purge_photos_periodically
from bot.channels.web.websocket import fix_sanic_websockets, refuse_undecodable_frames
from bot.channels.web.widget import add_widget_routes
from bot.runtime import socketio_bus, socketio_redis
from bot.runtime.workers import requested_workers
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 600.0
"""A message id seen again within this time is a replay and is not processed again."""
_GRANTED = "granted_session"
_JWT_SENDER = "jwt_sender"


def several_workers() -> bool:
    """Whether Rasa runs several Sanic workers (``SANIC_WORKERS``, see bot.runtime.workers)."""
    return requested_workers() > 1


def widget_origins(settings: Settings) -> tuple[str, ...]:
    """``WIDGET_ALLOWED_ORIGINS``; any origin (``*``) outside production when unset.

    Raises:
        RuntimeError: Unset in production.
    """
    if settings.widget_origins:
        return settings.widget_origins
    if settings.environment == "production":
        raise RuntimeError(
            "WIDGET_ALLOWED_ORIGINS must be set when ENVIRONMENT=production: the origins of "
            "the pages that embed the widget (https://www.brand.com,...), or * for any"
        )
    return ("*",)


def default_signer(settings: Settings) -> SessionSigner:
    """The signer of ``WIDGET_SESSION_SECRET`` (or the development key in ``VAR_DIR``)."""
    key = session_key(
        settings.widget_session_secret,
        var_dir=settings.var_dir,
        production=settings.environment == "production",
    )
    return SessionSigner(key, max_age=settings.widget_session_ttl_days * 86400)


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
        signer: SessionSigner | None = None,
        **socketio_settings: Any,
    ) -> None:
        super().__init__(**socketio_settings)
        self.upload_dir = upload_dir or get_settings().var_dir / "uploads"
        self.max_upload_bytes = max_upload_bytes
        self._signer = signer
        # In the process until the blueprint shares it through Redis (SOCKETIO_REDIS_URL).
        self.seen = ReplayGuard(ttl=REPLAY_WINDOW_SECONDS)
        # Owners waiting for an agent: here while a socket is open (bot.channels.web.owners).
        self.owners = OwnerSockets()

    @property
    def signer(self) -> SessionSigner:
        """The session token signer (made from the settings on first use)."""
        if self._signer is None:
            self._signer = default_signer(get_settings())
        return self._signer

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint with the secured events and the widget routes.

        Raises:
            RuntimeError: In production without ``WIDGET_SESSION_SECRET`` or
                ``WIDGET_ALLOWED_ORIGINS`` (Rasa then does not start).
        """
        settings = get_settings()
        origins = widget_origins(settings)
        signer = self.signer
        fix_sanic_websockets()
        refuse_undecodable_frames()
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint
        disconnect_on_malformed_packets(sio)
        sio.eio.cors_allowed_origins = socketio_origin_check(origins)
        sio.eio.cors_credentials = False  # the widget sends no cookies
        # Emits reach sockets held by other processes too (agents' replies from the console,
        # a session open in two tabs).
        self._share_emits(bp, sio, settings, signer)
        if several_workers():
            # Long-polling is a series of requests that the workers would share, and each
            # keeps its Engine.IO sessions in memory: refuse it rather than lose messages.
            sio.eio.transports = ["websocket"]
            logger.info("several Rasa workers: the widget's socket.io accepts websockets only")
        namespace = self.namespace

        async def socket_state(sid: str) -> dict[str, Any]:
            with contextlib.suppress(KeyError):
                state = await sio.get_session(sid, namespace=namespace)
                if isinstance(state, dict):
                    return state
            return {}

        async def connect(sid: str, environ: Any, auth: Any = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            sender = None
            if isinstance(token, str) and token:
                try:
                    payload = jwt.decode(
                        token.removeprefix("Bearer "),
                        self.jwt_key,
                        algorithms=[self.jwt_algorithm],
                    )
                except jwt.PyJWTError as error:
                    logger.info(
                        "socket.io connection with an invalid JWT: %s", type(error).__name__
                    )
                else:
                    sender = jwt_sender(payload)
            if sender is None:
                logger.info("socket.io connection without a valid JWT: refused")
                return False
            await sio.save_session(sid, {_JWT_SENDER: sender}, namespace=namespace)
            return True

        async def session_request(sid: str, data: Any) -> None:
            state = await socket_state(sid)
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = state.get(_JWT_SENDER) or signer.verify(asked)
            if session_id is None:
                if asked:
                    logger.info("session_request with an unsigned or expired token: new session")
                session_id = uuid.uuid4().hex
            previous = state.get(_GRANTED)
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            state[_GRANTED] = session_id
            await sio.save_session(sid, state, namespace=namespace)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit(
                "session_confirm", signer.issue(session_id), room=sid, namespace=namespace
            )
            await self.owners.opened(sid, session_id)

        async def sender_of(sid: str, data: dict[str, Any]) -> str | None:
            state = await socket_state(sid)
            if state.get(_JWT_SENDER):
                return str(state[_JWT_SENDER])
            if not self.session_persistence:
                return sid
            granted = state.get(_GRANTED)
            claimed = data.get("session_id")
            if granted and (claimed == granted or signer.verify(claimed) == granted):
                return str(granted)
            logger.warning("socket.io message for a session this socket was not granted: refused")
            return None

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("socket.io message that is not an object: ignored")
                return
            sender_id = await sender_of(sid, data)
            if sender_id is None:
                return
            metadata = trusted_metadata(
                data.get(self.metadata_key), sender_id=sender_id, upload_dir=self.upload_dir
            )
            text = clean_user_text(data.get("message"))
            if not text:
                logger.info("empty socket.io message: answered by the channel")
                await sio.emit(
                    self.bot_message_evt,
                    {"text": channel_replies()["utter_channel_empty"]},
                    room=sid,
                    namespace=namespace,
                )
                return
            await self.owners.wrote(sid, sender_id)
            message_id = valid_message_id(data.get("message_id"))
            if message_id and not await self.seen.first_time(f"{sender_id}:{message_id}"):
                logger.info("replayed message from %s: ignored", session_tag(sender_id))
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

        async def disconnect(sid: str) -> None:
            await self.owners.closed(sid)  # the owner may have left a queued chat

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        add_widget_routes(bp, origins)
        add_upload_routes(
            bp,
            UploadSettings(
                upload_dir=self.upload_dir,
                max_bytes=self.max_upload_bytes,
                signer=signer,
                origins=origins,
            ),
        )
        purge_photos_periodically(bp, self.upload_dir, settings.photo_retention_days)
        refresh_periodically(bp, self.owners)
        register_live_channel(self)  # agents' replies reach widget users through it
        return bp

    def _share_emits(
        self, bp: Blueprint, sio: Any, settings: Settings, signer: SessionSigner
    ) -> None:
        """Share emits (and replay checks) through Redis, else between this machine's workers."""
        if settings.socketio_redis_url:
            channel = socketio_redis.channel_name(signer.key)
            manager = socketio_redis.install(sio, settings.socketio_redis_url, channel)
            if manager is not None:
                link = manager.link
                self.seen = ReplayGuard(REPLAY_WINDOW_SECONDS, link, channel)

                async def check_redis(app: Any, _: Any) -> None:
                    if await link.ping():  # a failure is logged by the link
                        logger.info("socket.io: Redis reachable")

                bp.listener("after_server_start")(check_redis)
                return
        socketio_bus.install(sio, socketio_bus.bus_directory(settings.var_dir))
