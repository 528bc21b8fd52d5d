"""Widget session tokens the server signs, and the key that signs them.

A widget session id (the Rasa sender id of a web conversation) is never trusted from the
client alone: the server hands out ``<session id>.<issued at>.<signature>``, an HMAC-SHA256
of the id and time under :func:`session_key`, and a client resumes a session (after a reload,
on another Rasa worker or server) only with a token whose signature and age check out.
Short-lived photo links are signed with the same key for another purpose.

Pure standard library: no web framework, no settings (the key is passed in).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

MAX_SESSION_ID_CHARS = 64
MAX_TOKEN_CHARS = 200
CLOCK_SKEW_SECONDS = 300
"""A token issued up to this far in the future (another server's clock) is accepted."""
KEY_FILE = Path("secrets") / "widget_session.key"
"""Where, under ``VAR_DIR``, the development key is kept when no secret is configured."""

_SESSION_PURPOSE = b"shouhou-widget-session\x00"
_PHOTO_PURPOSE = b"shouhou-widget-photo\x00"


def valid_session_id(value: object) -> str | None:
    """A session id if it is a short printable string without spaces, else None."""
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SESSION_ID_CHARS
        and value.isprintable()
        and not any(c.isspace() for c in value)
    ):
        return value
    return None


def session_tag(session_id: str) -> str:
    """A short, stable hash of a session id for logs (the id itself is a secret)."""
    return "s#" + hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()[:10]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SessionSigner:
    """Issues and checks widget session tokens and photo links under one key.

    Attributes:
        key: The HMAC key (at least 16 bytes).
        max_age: Seconds a session token stays valid after it was issued.
    """

    key: bytes
    max_age: int

    def _mac(self, purpose: bytes, message: str) -> str:
        return _b64(hmac.new(self.key, purpose + message.encode("utf-8"), hashlib.sha256).digest())

    def issue(self, session_id: str, *, now: float | None = None) -> str:
        """A token for ``session_id`` issued now."""
        if valid_session_id(session_id) is None:
            raise ValueError("not a session id")
        issued = f"{session_id}.{int(time.time() if now is None else now):x}"
        return f"{issued}.{self._mac(_SESSION_PURPOSE, issued)}"

    def verify(self, token: object, *, now: float | None = None) -> str | None:
        """The session id of a genuine, unexpired token; None for anything else."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            return None
        parts = token.rsplit(".", 2)
        if len(parts) != 3:
            return None
        session_id, issued_hex, signature = parts
        if valid_session_id(session_id) is None or not 0 < len(issued_hex) <= 12:
            return None
        try:
            issued = int(issued_hex, 16)
        except ValueError:
            return None
        expected = self._mac(_SESSION_PURPOSE, f"{session_id}.{issued_hex}")
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        at = time.time() if now is None else now
        if issued > at + CLOCK_SKEW_SECONDS or at - issued > self.max_age:
            return None
        return session_id

    def photo_link(self, photo_id: str, *, ttl: int, now: float | None = None) -> str:
        """The query string (``exp=...&sig=...``) of a link to one photo valid ``ttl`` s."""
        expires = int(time.time() if now is None else now) + ttl
        return f"exp={expires}&sig={self._mac(_PHOTO_PURPOSE, f'{photo_id}.{expires}')}"

    def check_photo_link(
        self, photo_id: str, expires: object, signature: object, *, now: float | None = None
    ) -> bool:
        """Whether ``exp`` and ``sig`` of a photo link are genuine and not yet expired."""
        if not isinstance(expires, str) or not isinstance(signature, str):
            return False
        if not expires.isdigit() or len(expires) > 12 or len(signature) > 64:
            return False
        expected = self._mac(_PHOTO_PURPOSE, f"{photo_id}.{expires}")
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return False
        return int(expires) >= (time.time() if now is None else now)


def session_key(secret: str, *, var_dir: Path, production: bool) -> bytes:
    """The signing key: the configured secret, else a random key kept under ``var_dir``.

    The kept key is created once (atomically: several workers starting together agree on
    it), so sessions survive restarts of a single-machine deployment.

    Raises:
        RuntimeError: No secret is configured and ``production`` is set.
    """
    if secret:
        return secret.encode("utf-8")
    if production:
        raise RuntimeError(
            "WIDGET_SESSION_SECRET must be set when ENVIRONMENT=production "
            "(the same value on every Rasa server, e.g. `openssl rand -hex 32`)"
        )
    path = var_dir / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # fails if another process made it first: use theirs
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} is damaged: delete it (open widget sessions then restart)")
    return key.encode("ascii")
