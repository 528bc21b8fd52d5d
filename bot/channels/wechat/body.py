"""Read a webhook request body with a size limit that holds before the body is read.

For a route added with ``stream=True`` Sanic 21.12 reads nothing before the handler runs
and lifts its own ``REQUEST_MAX_SIZE`` (it sets the stream's limit to infinity), so the
handler's limit is the only one: :func:`read_limited` sets it on the stream and reads
chunk by chunk.
"""

from __future__ import annotations

from sanic.exceptions import PayloadTooLarge
from sanic.request import Request


class BodyTooLarge(ValueError):
    """The request body is (or says it is) larger than the limit."""


def limit_body(request: Request, limit: int) -> None:
    """Tell Sanic to read at most ``limit`` body bytes of ``request``, for any reader.

    Sanic checks this limit against ``Content-Length`` and each chunk size *before* reading
    the bytes, also when it drains the unread body of a refused request; past it, the
    connection is closed after the response.
    """
    stream = request.stream
    if stream is not None and hasattr(stream, "request_max_size"):
        stream.request_max_size = limit


def refuse_unread(request: Request) -> None:
    """Answer without reading the body: no ``100 Continue``, and ``Connection: close``."""
    stream = request.stream
    if stream is not None and hasattr(stream, "expecting_continue"):
        stream.expecting_continue = False
    if stream is not None and hasattr(stream, "keep_alive"):
        stream.keep_alive = False


async def read_limited(request: Request, limit: int) -> bytes:
    """Return the body of a streaming route's ``request``, refusing it past ``limit`` bytes.

    A ``Content-Length`` over the limit is refused without reading a byte; a chunked body
    is refused as soon as its chunks pass the limit.

    Raises:
        BodyTooLarge: the body is larger than ``limit``.
    """
    limit_body(request, limit)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        refuse_unread(request)
        raise BodyTooLarge(f"Content-Length {declared}")
    if request.body:  # a non-streaming route: Sanic has read it already
        if len(request.body) > limit:
            raise BodyTooLarge(f"{len(request.body)} bytes")
        return bytes(request.body)
    if request.stream is None:
        return b""
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = await request.stream.read()
            if chunk is None:
                break
            size += len(chunk)
            if size > limit:
                refuse_unread(request)
                raise BodyTooLarge(f"more than {limit} bytes")
            chunks.append(chunk)
    except PayloadTooLarge as error:  # Sanic's check of the limit set by limit_body
        refuse_unread(request)
        raise BodyTooLarge(f"more than {limit} bytes") from error
    return b"".join(chunks)
