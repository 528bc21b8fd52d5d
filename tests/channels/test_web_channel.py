"""Input checks of the web widget's socket.io channel (no server, no model)."""

from __future__ import annotations

import pytest

from bot.channels.photos import store_photo
from bot.channels.web.channel import WebChatInput
from bot.channels.web.inbound import (
    MAX_MESSAGE_CHARS,
    clean_user_text,
    trusted_metadata,
    valid_message_id,
)
from bot.channels.web.sessions import valid_session_id
from bot.intake.photos import PHOTO_METADATA_KEY, photo_from_metadata
from tests.channels.test_photos import image_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"),
        ("s-upload", "s-upload"),
        ("", None),
        (None, None),
        (42, None),
        ({"id": "x"}, None),
        ("has space", None),
        ("line\nbreak", None),
        ("x" * 65, None),
    ],
)
def test_valid_session_id(value, expected):
    assert valid_session_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  我要报修 \n", "我要报修"),
        ("", ""),
        ("   ", ""),
        (None, ""),
        (["我要报修"], ""),
        ("😭😭😭", "😭😭😭"),
    ],
)
def test_clean_user_text(value, expected):
    assert clean_user_text(value) == expected


def test_long_text_is_cut():
    assert clean_user_text("坏" * 10_000) == "坏" * MAX_MESSAGE_CHARS


def test_from_credentials_keeps_socketio_settings(tmp_path):
    channel = WebChatInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "upload_dir": str(tmp_path),
            "max_upload_bytes": 1024,
        }
    )
    assert channel.name() == "socketio"
    assert channel.session_persistence is True
    assert (channel.user_message_evt, channel.bot_message_evt) == ("user_uttered", "bot_uttered")
    assert (channel.upload_dir, channel.max_upload_bytes) == (tmp_path, 1024)
    assert channel.metadata_key == "metadata"


JPEG = image_bytes("JPEG")


def test_a_photo_of_this_session_becomes_a_trusted_reference(tmp_path):
    stored = store_photo(tmp_path, JPEG, session_id="s1", channel="socketio")
    metadata = trusted_metadata(
        {"photo_id": stored.photo_id, "lang": "zh"}, sender_id="s1", upload_dir=tmp_path
    )
    assert metadata is not None
    photo = photo_from_metadata(metadata)
    assert photo is not None
    assert (photo.storage_key, photo.size_bytes) == (stored.path.name, stored.size)
    assert metadata["lang"] == "zh"


def test_a_photo_of_another_channel_is_never_a_web_sessions(tmp_path):
    """A WeChat user's photo, even under the same sender id, is not a web session's."""
    stored = store_photo(tmp_path, JPEG, session_id="s1", channel="wechat")
    metadata = trusted_metadata({"photo_id": stored.photo_id}, sender_id="s1", upload_dir=tmp_path)
    assert metadata is not None and photo_from_metadata(metadata) is None


def test_a_client_cannot_hand_over_photos_it_did_not_upload(tmp_path):
    stored = store_photo(tmp_path, JPEG, session_id="s1", channel="socketio")
    forged = {"storage_key": "../../etc/passwd", "content_type": "image/jpeg", "size_bytes": 1}
    # a reference made up by the client is dropped
    metadata = trusted_metadata({PHOTO_METADATA_KEY: forged}, sender_id="s1", upload_dir=tmp_path)
    assert metadata == {}
    # another session's photo, an unknown id, an id that is not a string: no reference
    for photo_id in (stored.photo_id, "f" * 32, 12, "../x"):
        sender = "s2" if photo_id == stored.photo_id else "s1"
        metadata = trusted_metadata({"photo_id": photo_id}, sender_id=sender, upload_dir=tmp_path)
        assert metadata is not None and photo_from_metadata(metadata) is None
    assert trusted_metadata("not a dict", sender_id="s1", upload_dir=tmp_path) is None
    assert trusted_metadata({"lang": "zh"}, sender_id="s1", upload_dir=tmp_path) == {"lang": "zh"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789abcdef", "0123456789abcdef"),
        ("f" * 64, "f" * 64),
        ("f" * 65, None),
        ("0123456789ABCDEF", None),
        ("short", None),
        (12345678901234567, None),
        (None, None),
    ],
)
def test_valid_message_id(value, expected):
    assert valid_message_id(value) == expected
