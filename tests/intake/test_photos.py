"""The photo reference the channels put in the message metadata."""

from __future__ import annotations

from typing import Any

import pytest

from bot.intake.photos import PHOTO_METADATA_KEY, PhotoRef, photo_from_metadata

GOOD = PhotoRef("0123abcd.jpg", "image/jpeg", 2048, None)


def test_round_trip() -> None:
    metadata = {PHOTO_METADATA_KEY: GOOD.as_metadata(), "photo_id": "x"}
    assert photo_from_metadata(metadata) == GOOD
    media = PhotoRef("wechat-media:M1", "image/jpeg", 0, "M1")
    assert photo_from_metadata({PHOTO_METADATA_KEY: media.as_metadata()}) == media


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        "photo",
        {},
        {"photo_id": "0123"},  # what a client sends: not a checked photo
        {PHOTO_METADATA_KEY: "0123abcd.jpg"},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "storage_key": "  "}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "storage_key": 5}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "content_type": "text/html"}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "size_bytes": -1}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "size_bytes": True}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "size_bytes": "2048"}},
        {PHOTO_METADATA_KEY: {**GOOD.as_metadata(), "source_ref": ["M1"]}},
    ],
)
def test_bad_references_are_none(metadata: Any) -> None:
    assert photo_from_metadata(metadata) is None
