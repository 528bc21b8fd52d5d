"""Short labels that tell users apart in the console without showing their ids.

A widget session id lets whoever holds it act as that user, and a WeChat openid is
personal data: agents see a label derived from it instead (the API still addresses
conversations by sender id, behind agent sign-in).
"""

from __future__ import annotations

import hashlib

#: Hex digits of a label (2^24 labels: enough to tell the queue's users apart).
LABEL_DIGITS = 6


def user_label(sender_id: str) -> str:
    """A short, stable, non-secret label of a sender id, e.g. ``3FA2C1``."""
    digest = hashlib.sha256(str(sender_id).encode("utf-8")).hexdigest()
    return digest[:LABEL_DIGITS].upper()
