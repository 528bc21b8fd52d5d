"""What a widget client sends, checked: message text and id, metadata, a brand's JWT."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from bot.channels.photos import find_photo, owns_photo, photo_ref
from bot.channels.web.sessions import session_tag, valid_session_id
from bot.channels.web.uploads import CHANNEL
from bot.intake.photos import PHOTO_METADATA_KEY

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
"""Longer user messages are cut to this length before NLU (the widget caps input at 500)."""
_MESSAGE_ID = re.compile(r"^[0-9a-f]{16,64}$")


def trusted_metadata(raw: Any, *, sender_id: str, upload_dir: Path) -> dict[str, Any] | None:
    """The client's metadata with the photo it names checked against the upload store.

    A client may not hand the assistant a photo reference itself: the ``photo`` key is
    dropped, and set again only when ``photo_id`` names a stored photo uploaded through this
    channel by this session.
    """
    if not isinstance(raw, dict):
        return None
    metadata = {key: value for key, value in raw.items() if key != PHOTO_METADATA_KEY}
    photo_id = metadata.get("photo_id")
    if photo_id is None:
        return metadata
    stored = find_photo(upload_dir, photo_id) if isinstance(photo_id, str) else None
    if stored is None or not owns_photo(
        upload_dir, stored.photo_id, session_id=sender_id, channel=CHANNEL
    ):
        logger.warning("%s named a photo it did not upload: ignored", session_tag(sender_id))
        return metadata
    metadata[PHOTO_METADATA_KEY] = photo_ref(stored).as_metadata()
    return metadata


def valid_message_id(value: Any) -> str | None:
    """The widget's random message id (16–64 lowercase hex digits), else None."""
    return value if isinstance(value, str) and _MESSAGE_ID.match(value) else None


def clean_user_text(value: Any) -> str:
    """The message text to give Rasa: a string, stripped, at most ``MAX_MESSAGE_CHARS``."""
    text = value.strip() if isinstance(value, str) else ""
    return text[:MAX_MESSAGE_CHARS]


def jwt_sender(payload: Any) -> str | None:
    """The sender id a brand's JWT names: ``sub``, else Rasa's ``user.username``."""
    if not isinstance(payload, dict):
        return None
    user = payload.get("user")
    subject = payload.get("sub")
    if subject is None and isinstance(user, dict):
        subject = user.get("username")
    return valid_session_id(subject)
