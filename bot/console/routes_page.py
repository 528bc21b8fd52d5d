"""The console's page, its assets (an ES module per concern, no build step) and its texts.

Open to everyone: the sign-in page needs them, and nothing here is secret. The page's
Content-Security-Policy allows scripts, styles and requests from the console's own origin only.
"""

from __future__ import annotations

import re
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.replies import error_reply, json_reply
from bot.console.texts import page_texts

STATIC_DIR = Path(__file__).resolve().parent / "static"
MODULE_DIR = STATIC_DIR / "js"
JAVASCRIPT = "text/javascript; charset=utf-8"
_ASSETS = {"console.js": JAVASCRIPT, "console.css": "text/css; charset=utf-8"}
_MODULE = re.compile(r"^[a-z][a-z0-9_]*\.js$")
_ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'"
    ),
}


async def page(request: Request) -> HTTPResponse:
    """``index.html`` (redirected to the slashed path, which relative paths need)."""
    if not request.path.endswith("/"):
        return response.redirect(request.path + "/")
    return await response.file(
        STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


async def asset(request: Request, name: str) -> HTTPResponse:
    """``console.js`` (the entry module) or ``console.css``."""
    if name == "":  # Sanic routes ".../console/" here
        return await page(request)
    if name not in _ASSETS:
        return error_reply("not_found", 404)
    return await response.file(STATIC_DIR / name, mime_type=_ASSETS[name], headers=_ASSET_HEADERS)


async def module(request: Request, name: str) -> HTTPResponse:
    """One of the page's ES modules, ``js/<name>.js``."""
    path = MODULE_DIR / name
    if not _MODULE.match(name) or not path.is_file():
        return error_reply("not_found", 404)
    return await response.file(path, mime_type=JAVASCRIPT, headers=_ASSET_HEADERS)


async def texts(request: Request) -> HTTPResponse:
    """The page's Chinese texts (``console.yml``'s ``page`` section) as ``{"page": {...}}``."""
    return json_reply({"page": page_texts()}, headers={"Cache-Control": "no-cache"})
