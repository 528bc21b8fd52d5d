"""Which browser origins may use the agent console (pure helpers: no Sanic, no database).

A browser names the page that makes a request in its ``Origin`` header and the server it
talks to in ``Host``; a page cannot forge either. The console answers its own origin (the
``Host`` the browser used, or the forwarded host of a trusted proxy) and the origins an
operator lists in ``CONSOLE_ALLOWED_ORIGINS``; every other origin is foreign.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

#: Port a browser leaves out of ``Origin`` and ``Host`` for each scheme.
DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """A parsed web origin: scheme, lower-case host and port."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        """The origin as a browser sends it (default port left out)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}"


def parse_origin(text: str) -> Origin | None:
    """Parse an ``Origin`` header value (``https://host[:port]``).

    Returns:
        The origin, or None for ``null``, other schemes, paths, credentials, queries or
        anything malformed.
    """
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > 300 or not text.isascii():
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return Origin(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme])


def parse_allowed_origins(text: str) -> frozenset[Origin]:
    """Parse ``CONSOLE_ALLOWED_ORIGINS``: origins separated by commas or spaces.

    Raises:
        ValueError: An entry that is not ``http(s)://host[:port]``.
    """
    found = set()
    for item in text.replace(",", " ").split():
        origin = parse_origin(item)
        if origin is None or item.rstrip("/").count("/") != 2:
            raise ValueError(
                "CONSOLE_ALLOWED_ORIGINS takes origins like https://admin.example.com or "
                f"http://10.0.0.5:8080, separated by commas: {item[:80]!r} is not one"
            )
        found.add(origin)
    return frozenset(found)


def is_own_origin(origin: Origin, host: str, scheme: str) -> bool:
    """Whether ``origin`` is the console's own, as the request reached it.

    Args:
        origin: The request's ``Origin``.
        host: The host the browser asked for (``Host``, or a trusted proxy's forwarded
            host), with its port when not the default one.
        scheme: The request's scheme (``https`` when a trusted proxy says so).

    A request seen as ``http`` may come from an ``https`` page (TLS ended by a proxy Sanic
    was not told about); a request seen as ``https`` never comes from an ``http`` page.
    Without a port in ``host`` the origin must use its scheme's default port.
    """
    if scheme == "https" and origin.scheme != "https":
        return False
    try:
        parts = urlsplit("//" + host.strip())
        port = parts.port
    except ValueError:
        return False
    if not parts.hostname or parts.hostname.lower() != origin.host:
        return False
    return origin.port == (port if port is not None else DEFAULT_PORTS[origin.scheme])
