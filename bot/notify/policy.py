"""When a notice is tried again: exponential backoff up to a cap, then ``failed``.

Pure: no database, no SDK.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a notice is retried.

    Attributes:
        max_attempts: Attempts before a notice is ``failed``.
        base_seconds: Wait after the first failed attempt; doubled after each failure.
        max_seconds: Longest wait between two attempts.
        claim_seconds: How long a delivery run holds the notices it claimed.
        widget_wait_seconds: How long a widget notice waits for an open widget before it
            becomes an SMS.
        batch_size: Notices claimed at most per channel and run.
    """

    max_attempts: int = 8
    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    claim_seconds: float = 300.0
    widget_wait_seconds: float = 120.0
    batch_size: int = 50

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first).

        30 s, 60 s, 120 s ... with the defaults, never more than ``max_seconds``.
        """
        exponent = max(0, attempts - 1)
        seconds = self.max_seconds if exponent >= 32 else self.base_seconds * 2**exponent
        return dt.timedelta(seconds=min(seconds, self.max_seconds))

    def gives_up(self, attempts: int) -> bool:
        """Whether a notice that failed its ``attempts``-th attempt is ``failed`` for good."""
        return attempts >= self.max_attempts
