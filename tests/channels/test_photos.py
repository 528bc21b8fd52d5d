"""The shared photo store: type sniffing, limits, random names, sidecar, references."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot.channels.photos import (
    UploadRejected,
    find_photo,
    is_photo_id,
    owns_photo,
    photo_owner,
    photo_ref,
    sniff_image_type,
    store_photo,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def image_bytes(fmt: str, size: tuple[int, int] = (8, 6)) -> bytes:
    """A real image (the store decodes every photo)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, format=fmt)
    return out.getvalue()


REAL_JPEG, REAL_PNG, REAL_WEBP = image_bytes("JPEG"), image_bytes("PNG"), image_bytes("WEBP")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (JPEG, ("image/jpeg", ".jpg")),
        (PNG, ("image/png", ".png")),
        (WEBP, ("image/webp", ".webp")),
        (b"GIF89a" + b"\x00" * 10, None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"XXXX\x00\x00\x00\x00WEBP", None),
        (b"", None),
    ],
)
def test_sniff_image_type_trusts_magic_bytes_only(data, expected):
    assert sniff_image_type(data) == expected


def test_store_photo_writes_file_and_sidecar_under_random_name(tmp_path):
    first = store_photo(tmp_path / "uploads", REAL_JPEG, session_id="abc123", channel="socketio")
    second = store_photo(tmp_path / "uploads", REAL_JPEG, session_id="abc123")
    assert first.photo_id != second.photo_id
    assert is_photo_id(first.photo_id)
    assert first.path == tmp_path / "uploads" / f"{first.photo_id}.jpg"
    with Image.open(first.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (8, 6))
    meta = json.loads((tmp_path / "uploads" / f"{first.photo_id}.json").read_text())
    assert (meta["session_id"], meta["channel"]) == ("abc123", "socketio")
    assert (meta["content_type"], meta["size"]) == ("image/jpeg", first.path.stat().st_size)
    assert find_photo(tmp_path / "uploads", first.photo_id) == first


@pytest.mark.parametrize(
    ("data", "session_id", "reason", "status"),
    [
        (b"", "s", "empty", 400),
        (JPEG + b"\x00" * 2000, "s", "too_large", 413),
        (b"%PDF-1.7 not a photo", "s", "unsupported_type", 415),
        (JPEG, "s", "bad_image", 400),  # the right magic bytes, but no image
        (PNG, "s", "bad_image", 400),
        (REAL_JPEG, "", "bad_session", 400),
        (REAL_JPEG, "x" * 200, "bad_session", 400),
    ],
)
def test_store_photo_rejects(tmp_path, data, session_id, reason, status):
    with pytest.raises(UploadRejected) as rejected:
        store_photo(tmp_path, data, session_id=session_id, max_bytes=2000)
    assert (rejected.value.reason, rejected.value.status) == (reason, status)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("photo_id", ["../../etc/passwd", "ABC", "0" * 31, "g" * 32, ""])
def test_find_photo_refuses_ids_of_the_wrong_shape(tmp_path, photo_id):
    assert find_photo(tmp_path, photo_id) is None


def test_owner_and_reference_of_a_stored_photo(tmp_path):
    stored = store_photo(tmp_path, REAL_PNG, session_id="session-1", channel="wechat")
    assert photo_owner(tmp_path, stored.photo_id) == "session-1"
    assert owns_photo(tmp_path, stored.photo_id, session_id="session-1", channel="wechat")
    assert not owns_photo(tmp_path, stored.photo_id, session_id="session-1", channel="socketio")
    assert not owns_photo(tmp_path, stored.photo_id, session_id="session-2", channel="wechat")
    ref = photo_ref(stored, source_ref="MEDIA_1")
    assert (ref.storage_key, ref.content_type, ref.size_bytes, ref.source_ref) == (
        f"{stored.photo_id}.png",
        "image/png",
        stored.size,
        "MEDIA_1",
    )
    assert (tmp_path / ref.storage_key).stat().st_size == stored.size


def test_owner_is_unknown_without_a_readable_sidecar(tmp_path):
    stored = store_photo(tmp_path, REAL_WEBP, session_id="session-1")
    assert stored.path.suffix == ".webp"
    assert photo_owner(tmp_path, "../" + stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").write_text("not json")
    assert photo_owner(tmp_path, stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").write_text('["a list"]')
    assert photo_owner(tmp_path, stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").unlink()
    assert photo_owner(tmp_path, stored.photo_id) is None
