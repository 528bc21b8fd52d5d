"""A photo of the fault as a channel hands it to the assistant, in the message metadata.

Pure: the channels build :class:`PhotoRef` after they stored (web) or downloaded (WeChat) the
file and checked that it belongs to the conversation; the photo action reads it back with
:func:`photo_from_metadata`. Metadata sent by a client is never trusted for this key: the
channels drop it before adding their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Metadata key under which a channel puts the photo it verified.
PHOTO_METADATA_KEY = "photo"

_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True)
class PhotoRef:
    """Where a user's photo is and what it is.

    Attributes:
        storage_key: File name under the upload directory, or ``wechat-media:<id>`` when a
            WeChat photo could not be downloaded yet (WeChat keeps it for 3 days).
        content_type: MIME type sniffed from the bytes (declared by WeChat when not downloaded).
        size_bytes: Size of the stored file; 0 when not downloaded.
        source_ref: The channel's own reference (WeChat MediaId), if any.
    """

    storage_key: str
    content_type: str
    size_bytes: int
    source_ref: str | None = None

    def as_metadata(self) -> dict[str, Any]:
        """The value to put under :data:`PHOTO_METADATA_KEY`."""
        return {
            "storage_key": self.storage_key,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "source_ref": self.source_ref,
        }


def photo_from_metadata(metadata: Mapping[str, Any] | None) -> PhotoRef | None:
    """The photo a channel attached to a message, or ``None`` when there is none or it is bad."""
    if not isinstance(metadata, Mapping):
        return None
    raw = metadata.get(PHOTO_METADATA_KEY)
    if not isinstance(raw, Mapping):
        return None
    storage_key = raw.get("storage_key")
    content_type = raw.get("content_type")
    size = raw.get("size_bytes")
    source_ref = raw.get("source_ref")
    if not isinstance(storage_key, str) or not storage_key.strip():
        return None
    if content_type not in _CONTENT_TYPES:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return None
    if source_ref is not None and not isinstance(source_ref, str):
        return None
    return PhotoRef(storage_key.strip(), content_type, size, source_ref or None)
