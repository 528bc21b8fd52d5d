"""Personal data in free text (log lines, tracebacks) replaced by masked forms.

Pure: text in, text out. What is masked, in this order at each position:

- secret-looking tokens: a run of 20 or more ``[A-Za-z0-9_-]`` (with ``.``-joined parts, as in
  ``<session id>.<issued>.<signature>``) in which a part of 8 or more characters between
  ``-``, ``_`` and ``.`` mixes letters and digits, e.g.
  widget session ids (uuid4 hex), signed session tokens, photo ids, WeChat openids: the first
  four characters are kept (``3f2a****``);
- serial numbers in the shape of ``bot/data/nlu/regex.yml`` (8–20 letters and digits, two of
  each; capitals or at least four digits): :func:`~bot.intake.serial.mask_serial`;
- runs of 14 digits or more (IMEI, MEID, IMEISV): :func:`~bot.intake.serial.mask_serial`;
- mainland mobile numbers, also with ``+86``/``0086``, spaces or dashes, in half- or
  full-width digits: :func:`~bot.intake.phone.mask_phone` (``139****5678``).

Masked text is stable: masking it again changes nothing.
"""

from __future__ import annotations

import re

from bot.intake.phone import MOBILE_LENGTH, mask_phone
from bot.intake.serial import mask_serial

__all__ = ["mask_personal_data"]

TOKEN_KEEP = 4
"""Characters of a masked token that stay visible (enough to tell two sessions apart)."""

_D = "[0-9０-９]"
_W = "A-Za-z0-9_\\-"
_TOKEN = f"(?<![{_W}])[{_W}]{{20,}}(?:\\.[{_W}]{{4,}})*(?![{_W}])"
_SERIAL = (
    "(?<![A-Za-z0-9])(?=(?:[A-Za-z]*[0-9]){2})(?=(?:[0-9]*[A-Za-z]){2})"
    "[A-Za-z0-9]{8,20}(?![A-Za-z0-9])"
)
_DIGITS = f"(?<!{_D}){_D}{{14,}}(?!{_D})"
_PHONE = (
    f"(?<!{_D})(?:(?:[+＋]|00|００)?[8８][6６][ \\-]?)?"
    f"[1１][3-9３-９]{_D}(?:[ \\-]?{_D}{{4}}){{2}}(?!{_D})"
)
_NUMBERS = re.compile(f"(?P<digits>{_DIGITS})|(?P<phone>{_PHONE})")
_SERIALS = re.compile(f"(?P<serial>{_SERIAL})|{_NUMBERS.pattern}")
_ALL = re.compile(f"(?P<token>{_TOKEN})|{_SERIALS.pattern}")
_PARTS = re.compile("[-_.]")
_DIGIT = re.compile(_D)


def _mixed(part: str) -> bool:
    return any(c.isdigit() for c in part) and any(c.isalpha() for c in part)


def _is_token(text: str) -> bool:
    # random ids mix letters and digits throughout; names (python3_11-x86_64) only in bits
    return any(len(part) >= 8 and _mixed(part) for part in _PARTS.split(text))


def _is_serial(text: str) -> bool:
    upper = not any(c.islower() for c in text)
    return upper or sum(c.isdigit() for c in text) >= 4


def _replace(match: re.Match[str]) -> str:
    text = match.group()
    kind = match.lastgroup
    if kind == "token":
        return text[:TOKEN_KEEP] + "****" if _is_token(text) else _SERIALS.sub(_replace, text)
    if kind == "serial":
        return mask_serial(text) if _is_serial(text) else _NUMBERS.sub(_replace, text)
    if kind == "digits":
        return mask_serial(text)
    digits = "".join(_DIGIT.findall(text))
    return mask_phone(digits[-MOBILE_LENGTH:])


def mask_personal_data(text: str) -> str:
    """``text`` with tokens, serial numbers, IMEIs and mobile numbers masked.

    Example: ``"sender 3f2a9b1c5d6e4f708192a3b4c5d6e7f8 phone 13912345678"`` →
    ``"sender 3f2a**** phone 139****5678"``.
    """
    return _ALL.sub(_replace, text)
