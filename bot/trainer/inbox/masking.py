"""Personal data in user messages: placeholders on export, sample values on import.

Pure: text in, text out. Phone and ticket numbers, IMEIs and serial numbers are recognised in
the shapes of ``bot/data/nlu/regex.yml``; any other run of seven digits or more becomes
:data:`NUMBER`.
"""

from __future__ import annotations

import re

from bot.trainer.nlu_files import normalise, plain_text

PHONE = "[手机号]"
IMEI = "[IMEI]"
SERIAL = "[序列号]"
TICKET = "[工单号]"
NUMBER = "[数字]"

_D = "[0-9０-９]"
_SEP = "[ \\-‐–—]"
_PREFIX = f"(?:(?:[+＋]|00|００)?[8８][6６]{_SEP}?)?"
_MOBILE_START = "[1１][3-9３-９]"
_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z][0-9]{8}-[0-9]{4}(?![0-9])"), TICKET),
    (re.compile(f"(?<!{_D}){_D}{{15}}(?!{_D})"), IMEI),
    (re.compile(f"(?<!{_D}){_PREFIX}{_MOBILE_START}{_D}{{9}}(?!{_D})"), PHONE),
    (re.compile(f"(?<!{_D})(?<!{_D}{_SEP}){_D}(?:{_SEP}?{_D}){{14}}(?!{_D})(?!{_SEP}{_D})"), IMEI),
    (
        re.compile(
            f"(?<!{_D})(?<!{_D}{_SEP}){_PREFIX}{_MOBILE_START}{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
            f"(?!{_D})(?!{_SEP}{_D})"
        ),
        PHONE,
    ),
]
# regex.yml's SN shape: 8-20 letters and digits, two of each, not a brand name with a number.
_SERIAL = re.compile(
    r"(?<![A-Za-z0-9])(?!(?i:ONEPLUS|ACE|COLOROS|OXYGENOS)[0-9])"
    r"(?=(?:[A-Za-z]*[0-9]){2})(?=(?:[0-9]*[A-Za-z]){2})[A-Za-z0-9]{8,20}(?![A-Za-z0-9])"
)
_LONG_NUMBER = re.compile(f"{_D}{{7,}}")


def _serial(match: re.Match[str]) -> str:
    token = match.group()
    upper = not any(c.islower() for c in token)
    return SERIAL if upper or sum(c.isdigit() for c in token) >= 4 else token


def mask(text: str) -> str:
    """``text`` with phone, IMEI, serial, ticket and other long numbers replaced by placeholders.

    Example: ``"电话13912345678"`` → ``"电话[手机号]"``.
    """
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    text = _SERIAL.sub(_serial, text)
    return _LONG_NUMBER.sub(NUMBER, text)


def group_key(text: str) -> str:
    """The key under which two texts are one row: the normalised, masked plain text."""
    return normalise(mask(plain_text(text)))


#: Made-up values put in place of a placeholder on import, with the entity they are annotated
#: as: valid for the NLU patterns in regex.yml and the intake parsers (the IMEI's Luhn digit).
SAMPLES: dict[str, tuple[str, str]] = {
    PHONE: ("13912345678", "phone_number"),
    IMEI: ("861234567890127", "serial_number"),
    SERIAL: ("K7X2M9Q4P1", "serial_number"),
    TICKET: ("R20260315-0042", "ticket_no"),
}


def unmask(text: str) -> str:
    """``text`` with each placeholder replaced by its annotated sample value."""
    for placeholder, (value, entity) in SAMPLES.items():
        text = text.replace(placeholder, f"[{value}]({entity})")
    return text
