"""Origin checks and CORS headers of the console's routes (blueprint middleware).

A request whose ``Origin`` is neither the console's own nor listed in
``CONSOLE_ALLOWED_ORIGINS`` is foreign: its POSTs and preflights are refused (403), and no
response to it carries ``Access-Control-*`` headers. The response filter runs after every
app-wide response middleware (Sanic runs a blueprint's own middleware last), so CORS
headers that Rasa's ``--cors`` (Sanic-CORS) adds are removed again for the console, even
on the preflights Sanic-CORS answers itself. Requests without ``Origin`` (same-origin
GETs, command-line clients) pass: they carry no other site's cookies.
"""

from __future__ import annotations

from typing import Literal

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.origins import is_own_origin, parse_allowed_origins, parse_origin
from bot.settings import get_settings

#: Methods refused from foreign origins: those that change something, and preflights.
REFUSED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: What the console allows a listed origin (preflight answers).
ALLOW_METHODS = "GET, POST"
ALLOW_HEADERS = "Content-Type, X-Requested-With, X-Console-Background"
PREFLIGHT_MAX_AGE = "600"

Verdict = Literal["none", "own", "listed", "foreign"]


def verdict(request: Request) -> Verdict:
    """Where the request comes from: no ``Origin``, the console's own, a listed one, foreign."""
    header = request.headers.get("origin")
    if header is None:
        return "none"
    origin = parse_origin(header)
    if origin is None:  # "null" (sandboxed frames, file:), or garbage
        return "foreign"
    if is_own_origin(origin, request.host, request.scheme):
        return "own"
    if origin in parse_allowed_origins(get_settings().console_allowed_origins):
        return "listed"
    return "foreign"


def _refused() -> HTTPResponse:
    return response.json({"error": "origin"}, status=403, headers={"Vary": "Origin"})


async def check_origin(request: Request) -> HTTPResponse | None:
    """Request middleware: refuse state-changing requests and preflights of foreign origins."""
    if request.method in REFUSED_METHODS and verdict(request) == "foreign":
        return _refused()
    return None


async def filter_cors(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
    """Response middleware: only listed origins get CORS headers; foreign preflights a 403."""
    found = verdict(request)
    if found == "foreign" and request.method == "OPTIONS":
        return _refused()  # replaces a preflight answered by Sanic-CORS
    for name in {name.lower() for name in reply.headers}:
        if name.startswith("access-control-"):
            del reply.headers[name]
    if found == "listed":
        reply.headers["Access-Control-Allow-Origin"] = request.headers["origin"]
        reply.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            reply.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            reply.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            reply.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    if found != "none":
        reply.headers["Vary"] = "Origin"
    return None


async def preflight(request: Request, **kwargs: object) -> HTTPResponse:
    """The answer to an ``OPTIONS`` request that no middleware answered: empty."""
    return response.empty()
