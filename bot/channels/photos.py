"""Fault photos from every channel: checks, metadata stripping, storage, retention.

Pure file handling, no web framework: the web channel calls :func:`store_photo` with the bytes
of an upload (and answers 4xx with the :class:`UploadRejected` reason), the WeChat channel with
the bytes it downloaded. Every photo is decoded and written again without its EXIF, XMP and
text metadata (a phone photo's EXIF holds the GPS position and the device): JPEGs keep their
quantisation tables, so an upright JPEG loses no quality; a rotated one is turned upright.
:func:`photo_ref` turns a stored photo into the metadata the photo action records in the
ticket store. :func:`purge_old_photos` deletes photos past the retention time
(``python -m bot.channels.photos purge``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from bot.intake.photos import PhotoRef

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 8 * 1024 * 1024
"""Largest accepted photo: a full-resolution phone photo is 2–6 MB."""

MAX_PHOTO_PIXELS = 64_000_000
"""Largest accepted image (a 50 MP phone photo fits); more is refused before decoding."""
JPEG_QUALITY = 92
"""Quality of a JPEG that had to be turned upright (an upright JPEG keeps its own tables)."""

_PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

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


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image written again without EXIF, XMP, comments or text chunks, turned upright.

    Raises:
        UploadRejected: ``bad_image`` when the bytes do not decode, ``too_large`` (413)
            above :data:`MAX_PHOTO_PIXELS`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=[_FORMATS[content_type]])
            width, height = image.size
            pixels = width * height
            if pixels <= MAX_PHOTO_PIXELS:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("too_large", 413) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise UploadRejected("bad_image") from None
    if pixels > MAX_PHOTO_PIXELS:
        raise UploadRejected("too_large", 413)
    orientation = image.getexif().get(0x0112, 1)  # EXIF Orientation
    options: dict[str, Any] = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]  # colours, not personal data
    if content_type == "image/png" and "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    upright = orientation not in range(2, 9)
    if content_type == "image/jpeg":
        options["comment"] = b""
        if upright and image.format == "JPEG":  # not an MPO (several frames)
            options.update(quality="keep", subsampling="keep")
        else:
            options["quality"] = JPEG_QUALITY
    elif content_type == "image/webp":
        options["quality"] = JPEG_QUALITY
    if not upright:
        image = ImageOps.exif_transpose(image)
    image.info = {}  # nothing of the original's metadata is written again
    out = io.BytesIO()
    try:
        image.save(out, format=_FORMATS[content_type], **options)
    except (OSError, ValueError):
        raise UploadRejected("bad_image") from None
    return out.getvalue()


def store_photo(
    directory: Path,
    data: bytes,
    *,
    session_id: str,
    max_bytes: int = MAX_PHOTO_BYTES,
    channel: str = "",
) -> StoredPhoto:
    """Check a photo, strip its metadata and store it under a random name with a sidecar.

    Decoding takes CPU time: call it off the event loop (``asyncio.to_thread``).

    Args:
        directory: Where photos go (created if missing), normally ``<VAR_DIR>/uploads``.
        data: The uploaded bytes.
        session_id: The conversation (Rasa sender id) the photo belongs to.
        max_bytes: Size limit.
        channel: The input channel it came through (``socketio``, ``wechat``); only photos of
            the web channel are ever served to a web session (:func:`owns_photo`).

    Returns:
        The stored photo.

    Raises:
        UploadRejected: ``empty``, ``too_large`` (413), ``unsupported_type`` (415),
            ``bad_image`` or ``bad_session``.
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
    cleaned = clean_image(data, content_type)
    directory.mkdir(parents=True, exist_ok=True)
    photo_id = secrets.token_hex(16)
    path = directory / f"{photo_id}{suffix}"
    path.write_bytes(cleaned)
    meta = {
        "photo_id": photo_id,
        "session_id": session_id,
        "channel": channel,
        "content_type": content_type,
        "size": len(cleaned),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    (directory / f"{photo_id}.json").write_text(json.dumps(meta, ensure_ascii=False))
    return StoredPhoto(photo_id, content_type, path, len(cleaned))


def find_photo(directory: Path, photo_id: str) -> StoredPhoto | None:
    """Return the stored photo with this id, or ``None`` (also for ids of the wrong shape)."""
    if not is_photo_id(photo_id):
        return None
    for _, _, content_type, suffix in _SIGNATURES:
        path = directory / f"{photo_id}{suffix}"
        if path.is_file():
            return StoredPhoto(photo_id, content_type, path, path.stat().st_size)
    return None


def _sidecar(directory: Path, photo_id: str) -> dict[str, Any] | None:
    if not is_photo_id(photo_id):
        return None
    try:
        meta = json.loads((directory / f"{photo_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def photo_owner(directory: Path, photo_id: str) -> str | None:
    """The session (Rasa sender id) a stored photo was uploaded for, from its sidecar."""
    meta = _sidecar(directory, photo_id)
    owner = meta.get("session_id") if meta else None
    return owner if isinstance(owner, str) else None


def owns_photo(directory: Path, photo_id: str, *, session_id: str, channel: str) -> bool:
    """Whether the photo was stored for this session of this channel."""
    meta = _sidecar(directory, photo_id)
    return bool(
        meta
        and channel
        and meta.get("channel") == channel
        and isinstance(meta.get("session_id"), str)
        and meta["session_id"] == session_id
    )


def photo_ref(stored: StoredPhoto, *, source_ref: str | None = None) -> PhotoRef:
    """The reference the channels hand to the assistant for a stored photo."""
    return PhotoRef(
        storage_key=stored.path.name,
        content_type=stored.content_type,
        size_bytes=stored.size,
        source_ref=source_ref,
    )


def _stored_at(path: Path, sidecar: dict[str, Any] | None) -> dt.datetime:
    created = sidecar.get("created_at") if sidecar else None
    if isinstance(created, str):
        try:
            at = dt.datetime.fromisoformat(created)
            if at.tzinfo is not None:
                return at
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


def purge_old_photos(directory: Path, *, days: int, now: dt.datetime | None = None) -> int:
    """Delete photos (and their sidecars) stored more than ``days`` days ago.

    The age is the sidecar's ``created_at``, else the file's modification time; sidecars
    left without a photo go the same way. ``days`` 0 keeps everything.

    Returns:
        How many photos (or orphaned sidecars) were deleted.
    """
    if days <= 0 or not directory.is_dir():
        return 0
    cutoff = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)
    deleted = 0
    for path in directory.iterdir():
        photo_id, suffix = path.stem, path.suffix
        if not is_photo_id(photo_id) or suffix not in {".json", ".jpg", ".png", ".webp"}:
            continue
        sidecar_path = directory / f"{photo_id}.json"
        if suffix == ".json" and find_photo(directory, photo_id) is not None:
            continue  # handled with its photo
        try:
            if _stored_at(path, _sidecar(directory, photo_id)) >= cutoff:
                continue
            path.unlink(missing_ok=True)
            sidecar_path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("photo %s not purged: %s", photo_id, error.strerror)
            continue
        deleted += 1
    if deleted:
        logger.info("deleted %d photo(s) older than %d days from %s", deleted, days, directory)
    return deleted


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.channels.photos purge``: apply ``PHOTO_RETENTION_DAYS`` now."""
    from bot.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m bot.channels.photos")
    parser.add_argument("command", choices=["purge"])
    parser.add_argument("--days", type=int, help="default: PHOTO_RETENTION_DAYS")
    args = parser.parse_args(argv)
    settings = get_settings()
    days = settings.photo_retention_days if args.days is None else args.days
    deleted = purge_old_photos(settings.var_dir / "uploads", days=days)
    print(f"{deleted} photo(s) older than {days} days deleted" if days > 0 else "retention off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
