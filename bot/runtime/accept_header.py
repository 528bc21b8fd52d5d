"""Error pages that survive a malformed ``Accept`` header.

Sanic 21.12 renders every error (a 404, a 400 for bad JSON ...) in a format chosen from the
request's ``Accept`` header, and parses that header while rendering: an unparsable one
(``Accept: <``) raises again inside the error handler, and the client gets a 500 "An error
occurred while handling an error" with nothing logged. :func:`install` makes
``Request.accept`` read a malformed header as no header (any type), so the original error
is answered.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Replace Sanic's ``Request.accept`` with a tolerant one (idempotent)."""
    global _installed
    if _installed:
        return
    from sanic.exceptions import InvalidHeader
    from sanic.headers import parse_accept
    from sanic.request import Request

    def accept(self: Any) -> Any:
        if self.parsed_accept is None:
            try:
                self.parsed_accept = parse_accept(self.headers.getone("accept", ""))
            except InvalidHeader:
                self.parsed_accept = parse_accept("")
        return self.parsed_accept

    Request.accept = property(accept)  # type: ignore[assignment,method-assign]
    _installed = True
