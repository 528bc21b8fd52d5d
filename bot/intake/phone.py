"""Mainland China mobile numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.intake.normalize import to_halfwidth

__all__ = ["MOBILE_LENGTH", "PhoneError", "PhoneResult", "mask_phone", "parse_mobile"]

MOBILE_LENGTH = 11
# Digit runs shorter than this are not taken for a phone number at all.
_MIN_DIGITS = 5


class PhoneError(str, Enum):
    """Why no mobile number could be accepted."""

    NOT_FOUND = "not_found"
    WRONG_LENGTH = "wrong_length"
    NOT_MOBILE = "not_mobile"


@dataclass(frozen=True)
class PhoneResult:
    """Outcome of :func:`parse_mobile`: the 11-digit number or an error."""

    value: str | None
    error: PhoneError | None

    @property
    def ok(self) -> bool:
        """Whether a mobile number was accepted."""
        return self.value is not None


_RUN = re.compile(r"(?:\+|(?<![0-9]))[0-9]+(?:[ \t\-‐–—()]+[0-9]+)*\)?")
_PIECE = re.compile(r"[0-9]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _strip_country_code(digits: str, plus: bool) -> str:
    if digits.startswith("0086") and len(digits) > 13:
        return digits[4:]
    if digits.startswith("86") and (plus or len(digits) >= 13):
        return digits[2:]
    return digits


def _judge(digits: str) -> PhoneResult:
    if _MOBILE.fullmatch(digits):
        return PhoneResult(digits, None)
    if digits.startswith("0") or (len(digits) == MOBILE_LENGTH and digits.startswith("1")):
        return PhoneResult(None, PhoneError.NOT_MOBILE)  # landline, or 10x/11x/12x
    return PhoneResult(None, PhoneError.WRONG_LENGTH)


def parse_mobile(text: str) -> PhoneResult:
    """Find a mainland China mobile number (11 digits starting ``1[3-9]``) in user text.

    Accepts ``+86``/``0086``/``86`` prefixes, full-width digits, spaces, dashes and
    brackets between groups and a label around the number.

    Args:
        text: The user's message, e.g. ``"我的电话是 139-1234-5678"``.

    Returns:
        The number as 11 digits, or an error: ``NOT_MOBILE`` (a landline starting with
        0, or 11 digits starting 10/11/12), ``WRONG_LENGTH`` (another run of 5+ digits),
        ``NOT_FOUND`` (no such digit run).
    """
    halfwidth = to_halfwidth(text)
    first_error: PhoneError | None = None
    for match in _RUN.finditer(halfwidth):
        raw = match.group()
        digits = _strip_country_code("".join(_PIECE.findall(raw)), raw.startswith("+"))
        if len(digits) < _MIN_DIGITS:
            continue
        result = _judge(digits)
        if result.ok:
            return result
        # Groups that were joined wrongly ("13912345678 2025") may hide a number.
        for piece in _PIECE.findall(raw):
            if _MOBILE.fullmatch(piece):
                return PhoneResult(piece, None)
        if first_error is None:
            first_error = result.error
    return PhoneResult(None, first_error or PhoneError.NOT_FOUND)


def mask_phone(value: str) -> str:
    """Mask a mobile number for display: ``13912345678`` → ``139****5678``.

    Args:
        value: An accepted 11-digit number.

    Returns:
        The first three and last four digits with four stars between.
    """
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
