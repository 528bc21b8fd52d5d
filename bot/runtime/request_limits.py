"""Request body limits of the Sanic servers (Rasa's and the action server).

Sanic 21.12 buffers a request body up to ``REQUEST_MAX_SIZE`` (100 MB by default) before the
route's handler or any request middleware runs. How the limit works there:

- The limit is read from ``app.config.REQUEST_MAX_SIZE`` when a connection opens, so it is set
  on the app before the server starts (:func:`limit_app`).
- A declared ``Content-Length`` above the limit is refused (413) before the body is read; a
  chunked body is counted as it arrives and refused once it passes the limit.
- A route declared with ``stream=True`` is exempt: Sanic lifts the limit to infinity before
  calling its handler, which must set ``request.stream.request_max_size`` itself before it
  reads (:func:`read_body`). What such a handler leaves unread is drained up to the app's
  limit, then the connection is closed.

:func:`install` makes ``rasa run`` (``python -m bot.serve``) apply ``MAX_REQUEST_BYTES`` to
Rasa's app and answer a body over the limit with a JSON error.
"""

from __future__ import annotations

import functools
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse


def too_large(limit: int | float) -> HTTPResponse:
    """The 413 answer to a body over ``limit`` bytes."""
    return response.json(
        {"error": f"request body too large: at most {int(limit)} bytes"}, status=413
    )


def limit_app(app: Sanic, limit: int) -> None:
    """Read at most ``limit`` bytes of a request body in ``app``; a JSON 413 above that."""
    app.config.REQUEST_MAX_SIZE = limit

    async def payload_too_large(request: Request, exception: Exception) -> HTTPResponse:
        return too_large(limit)

    app.exception(PayloadTooLarge)(payload_too_large)


def limit_body(request: Request, limit: int) -> None:
    """Tell Sanic to read at most ``limit`` body bytes of a ``stream=True`` route's request.

    Sanic checks it against ``Content-Length`` and each chunk *before* reading, also when it
    drains what a handler left unread after answering.
    """
    stream = request.stream
    if stream is not None:
        stream.request_max_size = limit


def refuse_unread(request: Request) -> None:
    """Answer without reading the body: no ``100 Continue``, nothing drained, then close."""
    stream = request.stream
    if stream is None:
        return
    stream.request_max_size = 0
    if hasattr(stream, "expecting_continue"):
        stream.expecting_continue = False
    stream.keep_alive = False


async def read_body(request: Request, limit: int) -> bytes:
    """The body of a request to a ``stream=True`` route, read only up to ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked
    body once its chunks pass the limit. Either way the rest is not read and the connection
    closes after the answer.

    Raises:
        sanic.exceptions.PayloadTooLarge: The body (declared or received) is larger.
    """
    stream = request.stream
    if stream is None:  # no body
        return b""
    limit_body(request, limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        refuse_unread(request)
        raise PayloadTooLarge(f"Content-Length {declared} over {limit} bytes")
    try:
        await request.receive_body()
    except PayloadTooLarge:
        refuse_unread(request)
        raise
    return bytes(request.body or b"")


_installed = False


def install(limit: int | None = None) -> None:
    """Make Rasa's server (``rasa.core.run.configure_app``) apply the body limit (idempotent).

    Args:
        limit: Bytes; ``MAX_REQUEST_BYTES`` when ``None``.
    """
    global _installed
    if _installed:
        return
    import rasa.core.run

    from bot.settings import get_settings

    stock = rasa.core.run.configure_app
    size = get_settings().max_request_bytes if limit is None else limit

    @functools.wraps(stock)
    def configure_app(*args: Any, **kwargs: Any) -> Sanic:
        app = stock(*args, **kwargs)
        limit_app(app, size)
        return app

    rasa.core.run.configure_app = configure_app
    _installed = True
