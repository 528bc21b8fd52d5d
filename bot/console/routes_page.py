"""The console's page, its assets (an ES module per concern, no build step) and its texts.

Open to everyone: the sign-in page needs them, and nothing here is secret. The page's
Content-Security-Policy allows scripts, styles and requests from the console's own origin only.
The dashboard's charts use Chart.js's UMD build from the npm registry (exact version in
``bot/console/package-lock.json``, installed into ``node_modules`` by ``scripts/web_setup.sh``),
served here as ``chart.umd.min.js`` and loaded by the page only when a manager opens the
dashboard.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.replies import error_reply, json_reply
from bot.console.texts import page_texts

logger = logging.getLogger(__name__)

CONSOLE_DIR = Path(__file__).resolve().parent
STATIC_DIR = CONSOLE_DIR / "static"
MODULE_DIR = STATIC_DIR / "js"
CHART_JS = CONSOLE_DIR / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
JAVASCRIPT = "text/javascript; charset=utf-8"
#: The assets served beside the page, by name: their file and media type.
_ASSETS = {
    "console.js": (STATIC_DIR / "console.js", JAVASCRIPT),
    "console.css": (STATIC_DIR / "console.css", "text/css; charset=utf-8"),
    "chart.umd.min.js": (CHART_JS, JAVASCRIPT),
}
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
    """``console.js`` (the entry module), ``console.css`` or Chart.js (503 when not installed)."""
    if name == "":  # Sanic routes ".../console/" here
        return await page(request)
    if name not in _ASSETS:
        return error_reply("not_found", 404)
    path, mime = _ASSETS[name]
    if not path.is_file():
        logger.error("%s is missing: run scripts/web_setup.sh", path)
        return error_reply("not_installed", 503)
    return await response.file(path, mime_type=mime, headers=_ASSET_HEADERS)


async def module(request: Request, name: str) -> HTTPResponse:
    """One of the page's ES modules, ``js/<name>.js``."""
    path = MODULE_DIR / name
    if not _MODULE.match(name) or not path.is_file():
        return error_reply("not_found", 404)
    return await response.file(path, mime_type=JAVASCRIPT, headers=_ASSET_HEADERS)


async def texts(request: Request) -> HTTPResponse:
    """The page's Chinese texts (``console.yml``'s ``page`` section) as ``{"page": {...}}``."""
    return json_reply({"page": page_texts()}, headers={"Cache-Control": "no-cache"})
