"""Input checks of the web widget's socket.io channel (no server, no model)."""

from __future__ import annotations

import pytest

from bot.channels.web.channel import (
    MAX_MESSAGE_CHARS,
    WebChatInput,
    clean_user_text,
    valid_session_id,
)


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
