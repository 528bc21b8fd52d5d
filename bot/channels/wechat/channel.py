"""The WeChat Official Account input channel: ``/webhooks/wechat/webhook``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dedup import SeenMessages
from bot.channels.live import register_live_channel
from bot.channels.photos import MAX_PHOTO_BYTES, UploadRejected, photo_ref, store_photo
from bot.channels.wechat.api import TokenCache, WeChatApi, WeChatApiError
from bot.channels.wechat.inbound import Inbound, parse_inbound
from bot.channels.wechat.output import WeChatOutput
from bot.channels.wechat.render import ChoiceMemory
from bot.channels.wechat.security import (
    SafeMode,
    UndecryptableBody,
    is_fresh,
    is_valid_signature,
)
from bot.channels.wechat.shared_state import build_state
from bot.channels.wechat.texts import WeChatData, load_wechat_data
from bot.channels.wechat.xmlio import MalformedXml, render_text_reply
from bot.intake.photos import PHOTO_METADATA_KEY, PhotoRef
from bot.runtime.request_limits import limit_body, read_body, refuse_unread
from bot.settings import get_settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024
"""Larger bodies are refused before they are read (WeChat's messages are a few kilobytes)."""

REST_DELAY = 0.5
"""Seconds between a passive reply and the customer-service messages that follow it, so
that WeChat shows them after the reply."""

_REQUIRED = ("token", "app_id", "app_secret")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class WeChatCredentialsError(RasaException):  # type: ignore[misc]  # Rasa is untyped
    """The ``wechat`` channel is configured without its credentials, or with bad ones."""


class WeChatInput(InputChannel):  # type: ignore[misc]  # Rasa is untyped
    """WeChat Official Account (公众号) messages in plain or safe (AES) mode."""

    @classmethod
    def name(cls) -> str:
        """The channel name: URL prefix ``/webhooks/wechat`` and ticket ``channel``."""
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        """Build the channel from ``credentials.yml``; refuse missing or invalid values.

        Keys: ``token``, ``app_id``, ``app_secret`` (required), ``encoding_aes_key``
        (safe mode). The API base URL and timings come from the settings (``WECHAT_*``);
        with ``WECHAT_REDIS_URL``, retries, choices and the token are shared through Redis.
        """
        if not credentials:
            raise WeChatCredentialsError(
                "The wechat channel needs token, app_id and app_secret in credentials.yml."
            )
        values = {key: str(credentials.get(key) or "").strip() for key in credentials}
        missing = [key for key in _REQUIRED if not values.get(key)]
        if missing:
            raise WeChatCredentialsError(
                f"The wechat channel needs {', '.join(missing)} in credentials.yml "
                "(from WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET: see docs/channels.md)."
            )
        settings = get_settings()
        try:
            state = build_state(settings, values["app_id"])
            return cls(
                token=values["token"],
                app_id=values["app_id"],
                app_secret=values["app_secret"],
                encoding_aes_key=values.get("encoding_aes_key") or None,
                api_base_url=settings.wechat_api_base_url,
                reply_deadline=settings.wechat_reply_deadline,
                http_timeout=settings.wechat_http_timeout,
                dedup_ttl=settings.wechat_dedup_ttl,
                signature_max_age=settings.wechat_signature_max_age,
                choice_ttl=settings.wechat_choice_ttl,
                max_input_chars=settings.wechat_max_input_chars,
                seen=state.seen,
                choices=state.choices,
                token_cache=state.tokens,
            )
        except ValueError as error:
            raise WeChatCredentialsError(f"The wechat channel: {error}") from error

    def __init__(
        self,
        *,
        token: str,
        app_id: str,
        app_secret: str,
        encoding_aes_key: str | None = None,
        api_base_url: str = "https://api.weixin.qq.com",
        reply_deadline: float = 4.0,
        http_timeout: float = 5.0,
        dedup_ttl: float = 300.0,
        signature_max_age: float = 300.0,
        choice_ttl: float = 3600.0,
        max_input_chars: int = 2000,
        data: WeChatData | None = None,
        upload_dir: Path | None = None,
        seen: SeenMessages | None = None,
        choices: ChoiceMemory | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.token = token
        self.app_id = app_id
        self.safe_mode = SafeMode(token, encoding_aes_key, app_id) if encoding_aes_key else None
        self.api = WeChatApi(
            base_url=api_base_url,
            app_id=app_id,
            app_secret=app_secret,
            timeout=http_timeout,
            token_cache=token_cache,
        )
        self.reply_deadline = reply_deadline
        self.signature_max_age = signature_max_age
        self.max_input_chars = max_input_chars
        self.data = data or load_wechat_data()
        self.upload_dir = upload_dir or get_settings().var_dir / "uploads"
        self.seen = seen if seen is not None else SeenMessages(ttl=dedup_ttl)
        self.choices = choices if choices is not None else ChoiceMemory(ttl=choice_ttl)
        self._running: set[asyncio.Task[Any]] = set()

    def get_output_channel(self) -> WeChatOutput:
        """A pushing output channel, for messages the user did not trigger (reminders)."""
        return self._output(push=True)

    def _output(self, *, push: bool) -> WeChatOutput:
        return WeChatOutput(
            api=self.api, choices=self.choices, choice_line=self.data.texts.choice, push=push
        )

    # --- the webhook --------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """``GET /`` health, ``GET /webhook`` server verification, ``POST /webhook`` messages.

        ``POST /webhook`` streams its body: Sanic reads nothing before the signature is
        checked, and stops at :data:`MAX_BODY_BYTES`.
        """
        webhook = Blueprint("wechat_webhook", __name__)

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def verify(request: Request) -> HTTPResponse:
            if not self._signed(request):
                return response.text("forbidden", status=403)
            return response.text(request.args.get("echostr", ""))

        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        # add_route rather than decorators: Sanic is untyped, and mypy is strict here.
        webhook.add_route(health, "/", methods=["GET"], name="health")
        webhook.add_route(verify, "/webhook", methods=["GET"], name="verify")
        webhook.add_route(receive, "/webhook", methods=["POST"], name="receive", stream=True)
        register_live_channel(self)  # agents' replies go out as customer-service messages
        return webhook

    def _signed(self, request: Request) -> bool:
        """Whether WeChat signed the query, within ``signature_max_age`` of now (logged if not).

        The ``timestamp`` checked here is also the one ``msg_signature`` signs in safe mode.
        """
        args = request.args
        timestamp = args.get("timestamp", "")
        if not is_valid_signature(
            self.token, args.get("signature", ""), timestamp, args.get("nonce", "")
        ):
            logger.warning("wechat: bad signature from %s, refused", request.ip)
            return False
        if not is_fresh(timestamp, now=time.time(), max_age=self.signature_max_age):
            logger.warning(
                "wechat: signature with a timestamp more than %d s off (%s) from %s, refused",
                self.signature_max_age,
                timestamp,
                request.ip,
            )
            return False
        return True

    def _plain_body(self, request: Request, body: bytes) -> bytes | str | HTTPResponse:
        """The message XML, decrypted in safe mode, or the 4xx response that refuses it.

        In safe mode only encrypted messages are read: WeChat's query signature does not
        cover the body, so a plain body there would be anyone's.
        """
        encrypt_type = request.args.get("encrypt_type", "raw")
        if self.safe_mode is not None and encrypt_type != "aes":
            logger.warning("wechat: unencrypted message (%r) in safe mode refused", encrypt_type)
            return response.text("encrypted messages only", status=403)
        if encrypt_type == "raw":
            return body
        if encrypt_type != "aes" or self.safe_mode is None:
            logger.warning("wechat: encrypt_type %r not configured, refused", encrypt_type)
            return response.text("unsupported encrypt_type", status=400)
        timestamp = request.args.get("timestamp", "")
        nonce = request.args.get("nonce", "")
        msg_signature = request.args.get("msg_signature", "")
        try:
            encrypted = self.safe_mode.encrypted_field(body)
        except MalformedXml as error:
            logger.warning("wechat: malformed safe-mode body refused: %s", error)
            return response.text("malformed body", status=400)
        if not self.safe_mode.has_valid_msg_signature(msg_signature, timestamp, nonce, encrypted):
            logger.warning("wechat: bad msg_signature from %s, refused", request.ip)
            return response.text("forbidden", status=403)
        try:
            return self.safe_mode.decrypt(msg_signature, timestamp, nonce, encrypted)
        except UndecryptableBody as error:
            logger.warning("wechat: undecryptable body refused: %s", error)
            return response.text("undecryptable body", status=400)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        # the smaller of this limit and Sanic's REQUEST_MAX_SIZE, which stream routes lift
        limit = min(MAX_BODY_BYTES, int(request.app.config.REQUEST_MAX_SIZE))
        limit_body(request, limit)
        if not self._signed(request):
            refuse_unread(request)
            return response.text("forbidden", status=403)
        try:
            raw = await read_body(request, limit)
        except PayloadTooLarge as error:
            logger.warning("wechat: body refused from %s: %s", request.ip, error)
            return response.text("body too large", status=413)
        plain = self._plain_body(request, raw)
        if isinstance(plain, HTTPResponse):
            return plain
        try:
            inbound = parse_inbound(plain, self.data, max_chars=self.max_input_chars)
        except MalformedXml as error:
            logger.warning("wechat: malformed message refused: %s", error)
            return response.text("malformed message", status=400)

        if not self.seen.first_time(inbound.dedup_key):
            logger.info("wechat: retry of %s not processed again", inbound.dedup_key)
            return self._raw_reply(self.seen.reply_for(inbound.dedup_key))

        encrypted = request.args.get("encrypt_type") == "aes"
        if inbound.direct_reply is not None:
            body = self._passive(inbound, inbound.direct_reply, encrypted=encrypted)
        else:
            body = await self._converse(inbound, on_new_message, encrypted=encrypted)
        return self._remember(inbound, body)

    async def _converse(
        self, inbound: Inbound, on_new_message: OnNewMessage, *, encrypted: bool
    ) -> str | None:
        """Run the bot; the passive reply body if it answered in time, else ``None``."""
        text = inbound.text or ""
        metadata = inbound.metadata
        if inbound.msg_type == "text":
            payload = self.choices.resolve(inbound.openid, text)
            if payload is not None:
                metadata = {**metadata, "wechat": {**metadata["wechat"], "choice": text}}
                text = payload
        self.choices.offer(inbound.openid, [])  # a new turn: older numbers mean nothing
        output = self._output(push=False)
        message = UserMessage(
            text,
            output,
            inbound.openid,
            input_channel=self.name(),
            message_id=inbound.metadata["wechat"]["msg_id"],
            metadata=metadata,
        )
        task = asyncio.get_running_loop().create_task(
            self._handle(on_new_message, message, output, inbound)
        )
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda _: output.end_turn())
        done, _ = await asyncio.wait({task}, timeout=self.reply_deadline)
        if task not in done:
            logger.info("wechat: bot slower than %.1f s, answering later", self.reply_deadline)
            output.start_pushing()
            return None
        if not task.result():
            return self._passive(inbound, self.data.texts.bot_error, encrypted=encrypted)
        reply, rest = output.take_passive()
        output.push_parts(rest, delay=REST_DELAY)
        return self._passive(inbound, reply, encrypted=encrypted)

    async def _handle(
        self,
        on_new_message: OnNewMessage,
        message: UserMessage,
        output: WeChatOutput,
        inbound: Inbound,
    ) -> bool:
        """Run the bot on ``message`` (a photo fetched first); ``False`` (logged) if it failed."""
        try:
            attachment = inbound.metadata.get("attachment")
            if isinstance(attachment, dict):
                photo = await self._fetch_photo(inbound.openid, attachment)
                message.metadata = {**message.metadata, PHOTO_METADATA_KEY: photo.as_metadata()}
            await on_new_message(message)
        except Exception:  # the bot's failure must not become a retry storm from WeChat
            logger.exception("wechat: the assistant failed on message %s", message.message_id)
            if output.pushing:  # too late for a passive reply: say it with a message
                output.push_parts([(message.sender_id, self.data.texts.bot_error)])
            return False
        return True

    async def _fetch_photo(self, openid: str, attachment: dict[str, Any]) -> PhotoRef:
        """Download a user's photo into the upload store, without its EXIF metadata.

        The photo is stored for the ``wechat`` channel, so no web session is ever served it.
        When WeChat cannot deliver it (or it is not a JPEG/PNG/WebP within the size limit),
        the media id is kept instead: WeChat holds the file for three days.
        """
        media_id = str(attachment.get("media_id") or "")
        fallback = PhotoRef(
            storage_key=f"wechat-media:{media_id}",
            content_type="image/jpeg",  # WeChat's image messages are JPEG
            size_bytes=0,
            source_ref=media_id or None,
        )
        if not media_id:
            logger.warning("wechat: image message from %s without a MediaId", openid)
            return fallback
        try:
            data, _ = await asyncio.to_thread(
                self.api.get_media, media_id, max_bytes=MAX_PHOTO_BYTES
            )
            # decoding to strip the metadata takes CPU time: off the event loop
            stored = await asyncio.to_thread(
                store_photo, self.upload_dir, data, session_id=openid, channel=self.name()
            )
        except (WeChatApiError, UploadRejected, OSError) as error:
            logger.warning("wechat: photo %s not downloaded (%s); media id kept", media_id, error)
            return fallback
        logger.info("wechat: photo %s stored as %s", media_id, stored.path.name)
        return photo_ref(stored, source_ref=media_id)

    def _passive(self, inbound: Inbound, text: str, *, encrypted: bool) -> str | None:
        """The passive reply body for ``text`` (encrypted in safe mode); ``None`` for none."""
        if not text:
            return None
        reply = render_text_reply(inbound.openid, inbound.account, text)
        if encrypted and self.safe_mode is not None:
            return self.safe_mode.encrypt(reply)
        return reply

    def _remember(self, inbound: Inbound, body: str | None) -> HTTPResponse:
        if body is not None:
            self.seen.remember_reply(inbound.dedup_key, body)
        return self._raw_reply(body)

    @staticmethod
    def _raw_reply(body: str | None) -> HTTPResponse:
        if body is None:
            return response.text("success")
        return response.text(body, content_type="application/xml; charset=utf-8")
