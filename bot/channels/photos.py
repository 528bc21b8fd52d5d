"""Fault photos from every channel: type and size checks, storage under ``VAR_DIR/uploads``.

Pure file handling, no web framework: the web channel calls :func:`store_photo` with the bytes
of an upload (and answers 4xx with the :class:`UploadRejected` reason), the WeChat channel with
the bytes it downloaded. :func:`photo_ref` turns a stored photo into the metadata the photo
action records in the ticket store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.intake.photos import PhotoRef

MAX_PHOTO_BYTES = 8 * 1024 * 1024
"""Largest accepted photo: a full-resolution phone photo is 2–6 MB."""

_PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")

# Magic bytes → (content type, file suffix). The browser's declared type is never trusted.
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"WEBP", 8, "image/webp", ".webp"),
)


class UploadRejected(ValueError):
    """The upload is not stored; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class StoredPhoto:
    """A photo on disk: ``photo_id`` is the public handle, the file name is derived from it."""

    photo_id: str
    content_type: str
    path: Path
    size: int


def sniff_image_type(data: bytes) -> tuple[str, str] | None:
    """Return ``(content_type, suffix)`` for JPEG, PNG or WebP bytes, else ``None``."""
    for magic, offset, content_type, suffix in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and data[:4] != b"RIFF":
                continue
            return content_type, suffix
    return None


def is_photo_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id made by :func:`store_photo`."""
    return bool(_PHOTO_ID.match(value))


def store_photo(
    directory: Path,
    data: bytes,
    *,
    session_id: str,
    max_bytes: int = MAX_PHOTO_BYTES,
) -> StoredPhoto:
    """Check and store a photo under a random name, with a JSON sidecar naming its session.

    Args:
        directory: Where photos go (created if missing), normally ``<VAR_DIR>/uploads``.
        data: The uploaded bytes.
        session_id: The conversation (Rasa sender id) the photo belongs to.
        max_bytes: Size limit.

    Returns:
        The stored photo.

    Raises:
        UploadRejected: ``empty``, ``too_large`` (413), ``unsupported_type`` (415) or
            ``bad_session``.
    """
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", 413)
    if not session_id or len(session_id) > 128 or not session_id.isprintable():
        raise UploadRejected("bad_session")
    kind = sniff_image_type(data)
    if kind is None:
        raise UploadRejected("unsupported_type", 415)
    content_type, suffix = kind
    directory.mkdir(parents=True, exist_ok=True)
    photo_id = secrets.token_hex(16)
    path = directory / f"{photo_id}{suffix}"
    path.write_bytes(data)
    meta = {
        "photo_id": photo_id,
        "session_id": session_id,
        "content_type": content_type,
        "size": len(data),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    (directory / f"{photo_id}.json").write_text(json.dumps(meta, ensure_ascii=False))
    return StoredPhoto(photo_id, content_type, path, len(data))


def find_photo(directory: Path, photo_id: str) -> StoredPhoto | None:
    """Return the stored photo with this id, or ``None`` (also for ids of the wrong shape)."""
    if not is_photo_id(photo_id):
        return None
    for _, _, content_type, suffix in _SIGNATURES:
        path = directory / f"{photo_id}{suffix}"
        if path.is_file():
            return StoredPhoto(photo_id, content_type, path, path.stat().st_size)
    return None


def photo_owner(directory: Path, photo_id: str) -> str | None:
    """The session (Rasa sender id) a stored photo was uploaded for, from its sidecar."""
    if not is_photo_id(photo_id):
        return None
    try:
        meta = json.loads((directory / f"{photo_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    owner = meta.get("session_id") if isinstance(meta, dict) else None
    return owner if isinstance(owner, str) else None


def photo_ref(stored: StoredPhoto, *, source_ref: str | None = None) -> PhotoRef:
    """The reference the channels hand to the assistant for a stored photo."""
    return PhotoRef(
        storage_key=stored.path.name,
        content_type=stored.content_type,
        size_bytes=stored.size,
        source_ref=source_ref,
    )
