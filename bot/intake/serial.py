"""Device identifiers: IMEI (15 digits, Luhn check digit) or serial number (SN)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.intake.normalize import to_halfwidth

__all__ = [
    "IMEI_LENGTH",
    "SN_MAX_LENGTH",
    "SN_MIN_LENGTH",
    "SerialError",
    "SerialKind",
    "SerialResult",
    "luhn_valid",
    "mask_serial",
    "parse_serial",
]

IMEI_LENGTH = 15
SN_MIN_LENGTH = 8
SN_MAX_LENGTH = 20
# Digit runs shorter than this are ignored (quantities, years...), not reported as wrong.
_MIN_DIGITS_REPORTED = 5


class SerialKind(str, Enum):
    """Which identifier was found."""

    IMEI = "imei"
    SN = "sn"


class SerialError(str, Enum):
    """Why no identifier could be accepted."""

    NOT_FOUND = "not_found"
    WRONG_LENGTH = "wrong_length"
    BAD_CHECKSUM = "bad_checksum"


@dataclass(frozen=True)
class SerialResult:
    """Outcome of :func:`parse_serial`: a value and its kind, or an error."""

    value: str | None
    kind: SerialKind | None
    error: SerialError | None

    @property
    def ok(self) -> bool:
        """Whether an identifier was accepted."""
        return self.value is not None


# Labels users put around the value. "IMEI1:" / "IMEI 2：" are labels too.
_LABEL = re.compile(
    r"(?<![a-z])(?:imei\s*[12]?(?=\s*[:=])|imei|meid|s/n(?![a-z0-9])|sn(?![a-z0-9])"
    r"|serial\s*(?:number|no)?(?![a-z0-9]))",
    re.IGNORECASE,
)
_CHUNK = re.compile(r"[A-Za-z0-9]+(?:[ \t\-‐–—]+[A-Za-z0-9]+)*")
_SPLIT = re.compile(r"([ \t]+|[\-‐–—]+)")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def luhn_valid(digits: str) -> bool:
    """Check the Luhn checksum of a digit string (the IMEI check digit).

    Args:
        digits: Digits only; anything else makes the check fail.

    Returns:
        ``True`` when the last digit is the correct Luhn check digit.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _joins(left: str, separator: str, right: str) -> bool:
    """Whether two groups around a separator belong to one identifier."""
    if separator.strip():
        return True  # dashes always join: "8612-3456-7890-127", "ABCD-1234"
    if left.isdigit() and right.isdigit():
        return True  # "86 1234 5678 9012 7"
    # "AB12 CD34 EF56": short letter-and-digit groups, none a complete SN on its own.
    short = len(left) < SN_MIN_LENGTH and len(right) < SN_MIN_LENGTH
    return short and all(any(c.isdigit() for c in part) for part in (left, right))


def _candidates(text: str) -> list[str]:
    """Identifier-like tokens: groups joined across spaces or dashes, then the groups."""
    cleaned = _LABEL.sub(" ", to_halfwidth(text))
    joined: list[str] = []
    groups: list[str] = []
    for chunk in _CHUNK.finditer(cleaned):
        parts = _SPLIT.split(chunk.group())
        current = previous = parts[0]
        for separator, part in zip(parts[1::2], parts[2::2], strict=True):
            if _joins(previous, separator, part):
                current += part
            else:
                joined.append(current)
                current = part
            previous = part
        joined.append(current)
        groups.extend(parts[0::2])
    return joined + [g for g in groups if g not in joined]


def _classify(token: str) -> SerialResult | None:
    """Judge one token; ``None`` when it is not identifier-like at all."""
    if token.isdigit():
        if len(token) == IMEI_LENGTH:
            if luhn_valid(token):
                return SerialResult(token, SerialKind.IMEI, None)
            return SerialResult(None, None, SerialError.BAD_CHECKSUM)
        if len(token) == 11 and _MOBILE.fullmatch(token):
            return None  # a phone number, not an identifier
        if len(token) >= _MIN_DIGITS_REPORTED:
            return SerialResult(None, None, SerialError.WRONG_LENGTH)
        return None
    has_letter = any(c.isalpha() for c in token)
    has_digit = any(c.isdigit() for c in token)
    if not (has_letter and has_digit):
        return None
    if SN_MIN_LENGTH <= len(token) <= SN_MAX_LENGTH:
        return SerialResult(token.upper(), SerialKind.SN, None)
    return SerialResult(None, None, SerialError.WRONG_LENGTH)


_ERROR_RANK = {SerialError.BAD_CHECKSUM: 0, SerialError.WRONG_LENGTH: 1}


def parse_serial(text: str) -> SerialResult:
    """Find an IMEI or serial number in user text.

    Full-width characters, spaces and dashes inside the value and labels around it
    (``IMEI：``, ``SN:``, ``我的串号是``) are accepted. An IMEI is exactly 15 digits with
    a valid Luhn check digit; an SN is 8–20 letters and digits with at least one
    letter and one digit (returned upper-case). An 11-digit mobile number is ignored.

    Args:
        text: The user's message.

    Returns:
        The first IMEI, else the first SN, else the most telling error:
        ``BAD_CHECKSUM`` (15 digits, wrong check digit), ``WRONG_LENGTH`` (a digit run of
        5+ digits other than 15, or a letter-and-digit token of the wrong length),
        ``NOT_FOUND`` (nothing identifier-like).
    """
    results = [r for r in map(_classify, _candidates(text)) if r is not None]
    for kind in (SerialKind.IMEI, SerialKind.SN):
        for result in results:
            if result.kind is kind:
                return result
    errors = [r.error for r in results if r.error is not None]
    if errors:
        return SerialResult(None, None, min(errors, key=_ERROR_RANK.__getitem__))
    return SerialResult(None, None, SerialError.NOT_FOUND)


def mask_serial(value: str) -> str:
    """Mask an identifier for display, keeping the first and last four characters.

    Args:
        value: An accepted IMEI or SN.

    Returns:
        The value with the middle replaced by ``*`` (same length). Values of eight
        characters or fewer keep only their first and last two characters.
    """
    keep = 4 if len(value) > 8 else 2 if len(value) > 4 else 1 if len(value) > 2 else 0
    if keep == 0:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
