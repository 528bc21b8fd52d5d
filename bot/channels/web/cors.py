"""Cross-origin access to the widget's routes and socket.io from the brands' pages.

The widget runs on a brand's page (another origin) and calls the Rasa server: its HTTP routes
answer the configured origins (``WIDGET_ALLOWED_ORIGINS``) with CORS headers, never with
``Access-Control-Allow-Credentials`` (the widget authenticates with its signed session token,
not with cookies). Rasa's CORS layer (Sanic-CORS, installed on every Rasa server) answers all
``OPTIONS`` requests itself, so the widget makes only requests that need no preflight.
Engine.IO checks the ``Origin`` of socket.io connections with :func:`socketio_origin_check`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.settings import get_settings

SESSION_HEADER = "X-Widget-Session"
"""Header in which other clients (same origin, server to server) may send the session token."""


def origin_allowed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a page of ``origin`` may call the widget's routes."""
    return bool(origin) and ("*" in allowed or origin in allowed)


def cors_headers(origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """The CORS response headers for a request from ``origin`` (none if it is not allowed)."""
    headers = {"Vary": "Origin"}
    if origin_allowed(origin, allowed):
        headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else str(origin)
    return headers


def _own_origin_host(environ: Mapping[str, Any]) -> set[str]:
    """This server's host names; the proxy's ``X-Forwarded-Host`` only if a proxy is trusted."""
    hosts = {str(environ.get("HTTP_HOST", ""))}
    settings = get_settings()
    forwarded = str(environ.get("HTTP_X_FORWARDED_HOST", "")).split(",")[0].strip()
    if forwarded and (settings.proxies_count or settings.forwarded_secret):
        hosts.add(forwarded)
    return {host.lower() for host in hosts if host}


def socketio_origin_check(allowed: tuple[str, ...]) -> Callable[[str | None, Any], bool]:
    """Engine.IO's ``cors_allowed_origins`` callable: the configured origins plus this server.

    Pages served by the Rasa server itself (the demo page) keep working whatever the list.
    """

    def check(origin: str | None, environ: Mapping[str, Any]) -> bool:
        if not origin:
            return True  # not a browser request: CORS does not apply
        if origin_allowed(origin, allowed):
            return True
        return urlsplit(origin).netloc.lower() in _own_origin_host(environ)

    return check
