"""The shared photo store: type sniffing, limits, random names, sidecar, references."""

from __future__ import annotations

import json

import pytest

from bot.channels.photos import (
    UploadRejected,
    find_photo,
    is_photo_id,
    photo_owner,
    photo_ref,
    sniff_image_type,
    store_photo,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


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
    first = store_photo(tmp_path / "uploads", JPEG, session_id="abc123")
    second = store_photo(tmp_path / "uploads", JPEG, session_id="abc123")
    assert first.photo_id != second.photo_id
    assert is_photo_id(first.photo_id)
    assert first.path == tmp_path / "uploads" / f"{first.photo_id}.jpg"
    assert first.path.read_bytes() == JPEG
    meta = json.loads((tmp_path / "uploads" / f"{first.photo_id}.json").read_text())
    assert meta["session_id"] == "abc123"
    assert (meta["content_type"], meta["size"]) == ("image/jpeg", len(JPEG))
    assert find_photo(tmp_path / "uploads", first.photo_id) == first


@pytest.mark.parametrize(
    ("data", "session_id", "reason", "status"),
    [
        (b"", "s", "empty", 400),
        (JPEG + b"\x00" * 200, "s", "too_large", 413),
        (b"%PDF-1.7 not a photo", "s", "unsupported_type", 415),
        (JPEG, "", "bad_session", 400),
        (JPEG, "x" * 200, "bad_session", 400),
    ],
)
def test_store_photo_rejects(tmp_path, data, session_id, reason, status):
    with pytest.raises(UploadRejected) as rejected:
        store_photo(tmp_path, data, session_id=session_id, max_bytes=200)
    assert (rejected.value.reason, rejected.value.status) == (reason, status)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("photo_id", ["../../etc/passwd", "ABC", "0" * 31, "g" * 32, ""])
def test_find_photo_refuses_ids_of_the_wrong_shape(tmp_path, photo_id):
    assert find_photo(tmp_path, photo_id) is None


def test_owner_and_reference_of_a_stored_photo(tmp_path):
    stored = store_photo(tmp_path, PNG, session_id="session-1")
    assert photo_owner(tmp_path, stored.photo_id) == "session-1"
    ref = photo_ref(stored, source_ref="MEDIA_1")
    assert (ref.storage_key, ref.content_type, ref.size_bytes, ref.source_ref) == (
        f"{stored.photo_id}.png",
        "image/png",
        len(PNG),
        "MEDIA_1",
    )
    assert (tmp_path / ref.storage_key).read_bytes() == PNG


def test_owner_is_unknown_without_a_readable_sidecar(tmp_path):
    stored = store_photo(tmp_path, PNG, session_id="session-1")
    assert photo_owner(tmp_path, "../" + stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").write_text("not json")
    assert photo_owner(tmp_path, stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").write_text('["a list"]')
    assert photo_owner(tmp_path, stored.photo_id) is None
    (tmp_path / f"{stored.photo_id}.json").unlink()
    assert photo_owner(tmp_path, stored.photo_id) is None
