"""Hook for a second factor on ticket checks: a one-time code sent by SMS.

By default a conversation proves a ticket of another conversation with its ticket number
and the contact phone recorded on it. A brand with an SMS gateway sets
``PHONE_VERIFIER=package.module:ClassName``: a class implementing :class:`PhoneVerifier`,
built once per action server process without arguments. The bot then sends a code to the
ticket's phone and shows the ticket (or offers its cancellation) only after the user has
sent that code back. Sending a code counts as a try against the attempt limits, so the
hook cannot be used to flood a phone with messages.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Protocol, runtime_checkable

from bot.settings import get_settings

_CODE = re.compile(r"[0-9]{4,8}")


@runtime_checkable
class PhoneVerifier(Protocol):
    """Sends one-time codes to a phone and checks them (an SMS gateway's client)."""

    async def send_code(self, phone: str) -> bool:
        """Send a new one-time code to ``phone`` (11 digits); False when it was not sent."""

    async def check_code(self, phone: str, code: str) -> bool:
        """Whether ``code`` is the unexpired code last sent to ``phone`` (used up if so)."""


class PhoneVerifierError(RuntimeError):
    """``PHONE_VERIFIER`` names nothing usable (missing module or class, wrong shape)."""


def parse_code(text: str) -> str | None:
    """A one-time code typed alone (4 to 8 digits, spaces ignored), or ``None``."""
    digits = "".join(text.split())
    return digits if _CODE.fullmatch(digits) else None


@lru_cache(maxsize=4)
def _build(path: str) -> PhoneVerifier:
    module_name, _, class_name = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), class_name)
        verifier = factory()
    except (ImportError, AttributeError, TypeError) as exc:
        raise PhoneVerifierError(f"PHONE_VERIFIER {path!r} cannot be built: {exc}") from exc
    if not isinstance(verifier, PhoneVerifier):
        raise PhoneVerifierError(f"PHONE_VERIFIER {path!r} has no send_code / check_code")
    return verifier


def phone_verifier() -> PhoneVerifier | None:
    """The configured verifier, or ``None`` when the matching phone alone proves a ticket.

    Raises:
        PhoneVerifierError: ``PHONE_VERIFIER`` is set but unusable.
    """
    path = get_settings().phone_verifier
    return _build(path) if path else None
