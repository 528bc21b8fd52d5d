"""A PhoneVerifier for tests: codes are random, "sent" into an outbox the test reads."""

from __future__ import annotations

import secrets
from typing import ClassVar

#: Import path for ``PHONE_VERIFIER``.
VERIFIER_PATH = "tests.actions.sms:OutboxVerifier"


class OutboxVerifier:
    """Keeps the last code per phone; the outbox stands in for the user's SMS inbox."""

    outbox: ClassVar[list[tuple[str, str]]] = []
    _codes: ClassVar[dict[str, str]] = {}

    async def send_code(self, phone: str) -> bool:
        """Make a fresh 6-digit code for ``phone`` and put it in the outbox."""
        code = f"{secrets.randbelow(10**6):06d}"
        self._codes[phone] = code
        self.outbox.append((phone, code))
        return True

    async def check_code(self, phone: str, code: str) -> bool:
        """Whether ``code`` is the last one sent to ``phone``; a right code is used up."""
        if self._codes.get(phone) != code:
            return False
        del self._codes[phone]
        return True

    @classmethod
    def reset(cls) -> None:
        """Forget every code and empty the outbox."""
        cls.outbox.clear()
        cls._codes.clear()
