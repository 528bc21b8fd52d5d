"""The widget's photo routes: ``POST upload`` and ``GET uploads/<id>``.

- ``POST upload`` (multipart, field ``photo``) needs the widget's signed session token, in the
  ``X-Widget-Session`` header (checked before the body is read) or the form field
  ``session_id``: none is 401, a forged or expired one 403. The route streams its body and
  stops reading past the size limit (413), whatever ``Content-Length`` says or when the
  body is chunked; Sanic's global ``REQUEST_MAX_SIZE`` does not apply to it.
- ``GET uploads/<id>`` serves a photo to the web session that uploaded it (token in the
  ``X-Widget-Session`` header), to whoever holds a short-lived signed link (``?exp=&sig=``,
  for ``<img>`` tags) and to signed-in agents (the console's session cookie). Photos of other
  channels (WeChat) are served to agents only. No credentials: 401; not allowed, or no such
  photo: 404.
- ``POST uploads/<id>/link`` (form field ``session_id``: the token) gives the photo's session
  a fresh signed link (the upload's answer carries the first one).

They answer the pages of ``WIDGET_ALLOWED_ORIGINS`` (CORS). Rasa's own CORS layer answers
every ``OPTIONS`` request of the server before any route does, so the widget sends only
requests that need no preflight: form bodies, the token in a form field, photos by link.

Each worker also deletes photos past ``PHOTO_RETENTION_DAYS`` (:func:`purge_photos_periodically`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.headers import parse_content_header
from sanic.request import Request, RequestParameters, parse_multipart_form
from sanic.response import HTTPResponse

from bot.channels.photos import (
    UploadRejected,
    find_photo,
    owns_photo,
    purge_old_photos,
    store_photo,
)
from bot.channels.web.cors import SESSION_HEADER, cors_headers
from bot.channels.web.sessions import SessionSigner, session_tag
from bot.console import accounts
from bot.console.channel import COOKIE
from bot.runtime.background import run_while_serving
from bot.runtime.request_limits import read_body, refuse_unread
from bot.tickets import TicketStoreUnavailable

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
"""The channel name recorded with the photos uploaded here (the web channel's Rasa name)."""
FORM_OVERHEAD_BYTES = 64 * 1024
"""Room for the multipart boundaries and headers around the photo."""
PHOTO_LINK_SECONDS = 3600
"""How long a signed photo link works."""
PURGE_INTERVAL_SECONDS = 6 * 3600.0
"""How often each worker deletes photos past ``PHOTO_RETENTION_DAYS`` (also at start-up)."""


@dataclass(frozen=True)
class UploadSettings:
    """What the photo routes need: the store, the limit, the signer and the allowed origins."""

    upload_dir: Path
    max_bytes: int
    signer: SessionSigner
    origins: tuple[str, ...]


def _json(body: object, status: int, headers: dict[str, str]) -> HTTPResponse:
    return response.json(body, status=status, headers=headers)


async def _is_signed_in_agent(request: Request) -> bool:
    """Whether the request carries the session cookie of a signed-in console agent."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    try:
        return await asyncio.to_thread(accounts.agent_for_token, token) is not None
    except TicketStoreUnavailable:
        logger.warning("photo requested with a console cookie while the ticket store is down")
        return False


def parse_form(request: Request) -> bool:
    """Parse the request's form (``request.form`` / ``request.files``); False if malformed.

    Sanic's own parsing logs a malformed form (no multipart boundary, undecodable part
    names or headers) at ERROR with its traceback, which any client could repeat; here it
    is a one-line warning and the caller answers 400.
    """
    content_type, parameters = parse_content_header(
        request.headers.getone("content-type", "application/octet-stream")
    )
    form, files = RequestParameters(), RequestParameters()
    try:
        if content_type == "application/x-www-form-urlencoded":
            form = RequestParameters(parse_qs(request.body.decode("utf-8")))
        elif content_type == "multipart/form-data":
            boundary = parameters.get("boundary")
            if not isinstance(boundary, str) or not boundary:
                raise ValueError("no multipart boundary")
            form, files = parse_multipart_form(request.body, boundary.encode("utf-8"))
    except (ValueError, KeyError, IndexError, UnicodeError) as error:
        logger.warning("malformed upload form (%s): refused", type(error).__name__)
        return False
    request.parsed_form, request.parsed_files = form, files
    return True


def add_upload_routes(bp: Blueprint, config: UploadSettings) -> None:
    """Add ``POST upload``, ``GET uploads/<id>`` and ``POST uploads/<id>/link`` to ``bp``."""

    async def upload(request: Request) -> HTTPResponse:
        headers = cors_headers(request.headers.get("origin"), config.origins)
        in_header = request.headers.get(SESSION_HEADER)
        session_id = config.signer.verify(in_header) if in_header else None
        if in_header and session_id is None:
            # Sanic lifts its size limit for streamed routes and reads what the handler left
            # of the body after it answered: read none of it, and close the connection.
            refuse_unread(request)
            return _json({"error": "bad_session"}, 403, headers)
        limit = config.max_bytes + FORM_OVERHEAD_BYTES
        try:
            await read_body(request, limit)
        except PayloadTooLarge:
            return _json({"error": "too_large"}, 413, headers)
        if request.body and not parse_form(request):
            return _json({"error": "bad_form"}, 400, headers)
        form = request.form if request.body else None
        if session_id is None:
            in_form = form.get("session_id") if form else None
            if not in_form:
                return _json({"error": "no_session"}, 401, headers)
            session_id = config.signer.verify(in_form)
            if session_id is None:
                return _json({"error": "bad_session"}, 403, headers)
        photo = request.files.get("photo") if request.body and request.files else None
        if photo is None:
            return _json({"error": "no_photo"}, 400, headers)
        try:
            stored = await asyncio.to_thread(
                store_photo,
                config.upload_dir,
                photo.body,
                session_id=session_id,
                max_bytes=config.max_bytes,
                channel=CHANNEL,
            )
        except UploadRejected as rejected:
            return _json({"error": rejected.reason}, rejected.status, headers)
        logger.info("photo stored for web session %s", session_tag(session_id))
        link = config.signer.photo_link(stored.photo_id, ttl=PHOTO_LINK_SECONDS)
        body = {
            "id": stored.photo_id,
            "url": f"uploads/{stored.photo_id}?{link}",
            "content_type": stored.content_type,
            "size": stored.size,
        }
        return _json(body, 201, headers)

    async def photo_link(request: Request, photo_id: str) -> HTTPResponse:
        headers = cors_headers(request.headers.get("origin"), config.origins)
        if request.body and not parse_form(request):
            return _json({"error": "bad_form"}, 400, headers)
        token = request.headers.get(SESSION_HEADER) or (
            request.form.get("session_id") if request.form else None
        )
        if not token:
            return _json({"error": "no_session"}, 401, headers)
        session_id = config.signer.verify(token)
        if session_id is None:
            return _json({"error": "bad_session"}, 403, headers)
        if not owns_photo(config.upload_dir, photo_id, session_id=session_id, channel=CHANNEL):
            return _json({"error": "not_found"}, 404, headers)
        link = config.signer.photo_link(photo_id, ttl=PHOTO_LINK_SECONDS)
        return _json({"url": f"uploads/{photo_id}?{link}"}, 200, headers)

    async def stored_photo(request: Request, photo_id: str) -> HTTPResponse:
        headers = cors_headers(request.headers.get("origin"), config.origins)
        token = request.headers.get(SESSION_HEADER)
        expires, signature = request.args.get("exp"), request.args.get("sig")
        session_id = config.signer.verify(token) if token else None
        allowed = (
            session_id is not None
            and owns_photo(config.upload_dir, photo_id, session_id=session_id, channel=CHANNEL)
        ) or (
            signature is not None and config.signer.check_photo_link(photo_id, expires, signature)
        )
        if not allowed:
            allowed = await _is_signed_in_agent(request)
        stored = find_photo(config.upload_dir, photo_id) if allowed else None
        if stored is None:
            if not (token or signature or allowed):
                return _json({"error": "not_signed_in"}, 401, headers)
            return _json({"error": "not_found"}, 404, headers)
        return await response.file(
            stored.path,
            mime_type=stored.content_type,
            headers={
                **headers,
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=600",
            },
        )

    bp.add_route(upload, "/upload", methods=["POST"], name="web_photo_upload", stream=True)
    bp.add_route(stored_photo, "/uploads/<photo_id:str>", methods=["GET"], name="web_photo")
    bp.add_route(
        photo_link, "/uploads/<photo_id:str>/link", methods=["POST"], name="web_photo_link"
    )


def purge_photos_periodically(bp: Blueprint, upload_dir: Path, days: int) -> None:
    """Delete photos past the retention time at start-up, then every few hours."""
    if days <= 0:
        return

    async def purge_loop() -> None:
        while True:
            try:
                await asyncio.to_thread(purge_old_photos, upload_dir, days=days)
            except Exception:  # keep purging later; say why now
                logger.exception("photo retention: purge failed")
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)

    run_while_serving(bp, "photo_purge", purge_loop)
