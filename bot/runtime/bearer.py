"""Shared-secret checks for server-to-server calls: ``Authorization: Bearer <token>``.

Pure helpers (no Sanic or Rasa imports), used by the REST channel (``REST_TOKEN``) and the
action server (``ACTION_SERVER_TOKEN``). Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac

SCHEME = "bearer"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, or ``None``."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != SCHEME or not token:
        return None
    return token


def token_matches(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected`` (constant time; an empty ``expected`` never matches)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def authorization_header(token: str) -> dict[str, str]:
    """The header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}
