"""HMAC-SHA256 signatures of the courier's event webhook.

The courier signs ``<timestamp>.<raw body>`` with the shared secret and sends
``X-Courier-Timestamp: <unix seconds>`` and ``X-Courier-Signature: <hex digest>``.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Courier-Timestamp"
SIGNATURE_HEADER = "X-Courier-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float,
    max_age: int,
) -> bool:
    """Whether ``signature`` signs ``body`` at ``timestamp``, within ``max_age`` s of ``now``.

    An empty secret verifies nothing.
    """
    if not secret or not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > max_age:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace"))
