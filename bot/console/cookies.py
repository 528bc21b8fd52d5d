"""The console's session cookie: set on sign-in, removed on sign-out, on one path.

The cookie is HttpOnly, ``SameSite=Strict``, limited to the console's path, and ``Secure``
when ``CONSOLE_COOKIE_SECURE`` says so, or (unset) in production or when the request came
over HTTPS, as seen through a trusted proxy (:mod:`bot.console.proxies`).
"""

from __future__ import annotations

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings

#: Name of the session cookie.
COOKIE = "shouhou_console"
#: Where Rasa mounts the console; the cookie is sent there only.
COOKIE_PATH = "/webhooks/console"


def secure(request: Request) -> bool:
    """Whether the session cookie gets the ``Secure`` flag for this request."""
    settings = get_settings()
    if settings.console_cookie_secure is not None:
        return settings.console_cookie_secure
    return settings.environment == "production" or request.scheme == "https"


def _attributes(reply: HTTPResponse, request: Request, value: str, max_age: int) -> None:
    reply.cookies[COOKIE] = value
    cookie = reply.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    if secure(request):
        cookie["secure"] = True


def set_session(reply: HTTPResponse, request: Request, token: str, max_age: int) -> None:
    """Give the browser its session token for ``max_age`` seconds."""
    _attributes(reply, request, token, max_age)


def clear_session(reply: HTTPResponse, request: Request) -> None:
    """Make the browser drop the session cookie (same name and path as it was set with)."""
    _attributes(reply, request, "", 0)
