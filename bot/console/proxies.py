"""Trusted proxies: the real client address and scheme behind a TLS proxy.

Sanic believes ``Forwarded`` / ``X-Forwarded-*`` headers only when it is told which proxy
to trust (``FORWARDED_SECRET``, ``PROXIES_COUNT``, ``REAL_IP_HEADER``). These settings
are copied to the Rasa app's Sanic config when the server starts; without them the
headers are ignored, so a client cannot pick its own address (sign-in throttling) or
scheme. The config is the app's: every channel on the Rasa port sees the same client.
"""

from __future__ import annotations

from typing import Any

from sanic.request import Request

from bot.settings import Settings, get_settings


def configure(config: Any, settings: Settings | None = None) -> None:
    """Copy the proxy settings that are set onto a Sanic config (unset ones: left alone)."""
    settings = settings or get_settings()
    if settings.forwarded_secret:
        config.FORWARDED_SECRET = settings.forwarded_secret
    if settings.proxies_count:
        config.PROXIES_COUNT = settings.proxies_count
    if settings.real_ip_header:
        config.REAL_IP_HEADER = settings.real_ip_header.lower()


async def configure_app(app: Any, loop: Any = None) -> None:
    """``before_server_start`` listener: :func:`configure` on the serving app."""
    configure(app.config)


def client_address(request: Request) -> str:
    """The client's address: from the trusted proxy's headers, else the peer's."""
    return str(request.remote_addr or request.ip or "")
