"""The widget's files: ``widget.js``, ``widget.css``, socket.io's client and a demo page."""

from __future__ import annotations

import logging
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.web.cors import cors_headers

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

_STATIC_TYPES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}


def add_widget_routes(bp: Blueprint, origins: tuple[str, ...]) -> None:
    """Add the widget's script, style sheet, socket.io client and demo page to ``bp``."""

    async def static(request: Request, name: str, mime: str) -> HTTPResponse:
        headers = cors_headers(request.headers.get("origin"), origins)
        return await response.file(
            name, mime_type=mime, headers={**headers, "Cache-Control": "no-cache"}
        )

    async def widget_js(request: Request) -> HTTPResponse:
        return await static(request, str(STATIC_DIR / "widget.js"), _STATIC_TYPES["widget.js"])

    async def widget_css(request: Request) -> HTTPResponse:
        return await static(request, str(STATIC_DIR / "widget.css"), _STATIC_TYPES["widget.css"])

    async def socketio_client(request: Request) -> HTTPResponse:
        if not SOCKET_IO_CLIENT.is_file():
            logger.error("%s is missing: run scripts/web_setup.sh", SOCKET_IO_CLIENT)
            return response.text("socket.io client not installed", status=503)
        headers = cors_headers(request.headers.get("origin"), origins)
        return await response.file(
            SOCKET_IO_CLIENT,
            mime_type="application/javascript; charset=utf-8",
            headers={**headers, "Cache-Control": "public, max-age=3600"},
        )

    async def demo(_: Request) -> HTTPResponse:
        return await response.file(STATIC_DIR / "demo.html", mime_type="text/html; charset=utf-8")

    bp.add_route(widget_js, "/widget.js", methods=["GET"], name="web_widget_js")
    bp.add_route(widget_css, "/widget.css", methods=["GET"], name="web_widget_css")
    bp.add_route(
        socketio_client, "/vendor/socket.io.min.js", methods=["GET"], name="web_socketio_client"
    )
    bp.add_route(demo, "/demo", methods=["GET"], name="web_demo_page")
