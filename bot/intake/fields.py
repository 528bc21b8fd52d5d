"""The repair-intake field rules, shared by the chat form and the agent console.

Each ``check_*`` function takes the raw text of one field (and what the rule needs: the
catalogue, today's date, the device) and returns a :class:`FieldCheck`: the normalised value,
or the name of the domain response that explains the refusal and the values it needs.

No Rasa, SDK or database imports: callers utter or render the response themselves
(:func:`field_error_text` renders it from the domain's ``responses``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Catalogue, Device, ServiceType
from bot.intake.dates import DateError, find_date_expression
from bot.intake.dates import check_purchase_date as check_date
from bot.intake.devices import MatchKind, match_device
from bot.intake.phone import PhoneError, parse_mobile
from bot.intake.serial import SerialError, parse_serial

__all__ = [
    "MIN_FAULT_CHARS",
    "FieldCheck",
    "check_city",
    "check_contact_phone",
    "check_device_model",
    "check_fault_description",
    "check_purchase_date",
    "check_serial_number",
    "check_service_type",
    "field_error_text",
    "launch_params",
]

MIN_FAULT_CHARS = 2
_CITY_RE = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
_CITY_AFFIXES = re.compile(r"^(我在|我住在|我人在|在|住在)|(市|这边|这里|地区)$")
_SPACE = re.compile(r"\s+")
_SERIAL_ERRORS = {
    SerialError.BAD_CHECKSUM: "utter_serial_bad_checksum",
    SerialError.WRONG_LENGTH: "utter_serial_wrong_length",
}


@dataclass(frozen=True)
class FieldCheck:
    """Outcome of one field check.

    Attributes:
        value: The normalised value (a device id for the model), or ``None`` when refused.
        error: The domain response that explains the refusal, or ``None`` when accepted.
        params: The values the response's text needs (``brand``, ``device_name`` ...).
        extra: Other slots set with the value (``purchase_date_precision``); for an
            ambiguous model, the candidate devices under ``candidates``.
    """

    value: str | None
    error: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _refuse(error: str, **params: str) -> FieldCheck:
    return FieldCheck(None, error, dict(params))


def launch_params(device: Device) -> dict[str, str]:
    """The values of ``utter_date_before_launch`` for ``device``.

    Args:
        device: The catalogue device.

    Returns:
        ``device_name``, ``launch_year`` and ``launch_month`` (``2023``, ``12``).
    """
    launch = device.launch_date
    return {
        "device_name": device.name,
        "launch_year": str(launch.year),
        "launch_month": str(launch.month),
    }


def check_fault_description(text: str) -> FieldCheck:
    """Check a fault description: at least a couple of characters.

    Args:
        text: What the user wrote.

    Returns:
        The stripped text, or ``utter_fault_too_short``.
    """
    description = text.strip()
    if len(description) < MIN_FAULT_CHARS:
        return _refuse("utter_fault_too_short")
    return FieldCheck(description)


def check_device_model(text: str, catalogue: Catalogue) -> FieldCheck:
    """Resolve a device model (id, name, alias, numerals, typos) against the catalogue.

    Args:
        text: What the user wrote, or a device id.
        catalogue: The device catalogue.

    Returns:
        The device id, or ``utter_device_ambiguous`` (the devices in ``extra["candidates"]``),
        ``utter_device_other_brand`` (``brand``) or ``utter_device_not_found`` (``user_text``).
    """
    text = text.strip()
    device = catalogue.device(text)
    if device is None:
        match = match_device(text, catalogue)
        if match.kind in (MatchKind.EXACT, MatchKind.FUZZY) and match.device:
            device = match.device
        elif match.kind is MatchKind.AMBIGUOUS:
            return FieldCheck(
                None, "utter_device_ambiguous", extra={"candidates": match.candidates}
            )
        elif match.kind is MatchKind.OTHER_BRAND:
            return _refuse("utter_device_other_brand", brand=match.brand or "")
        else:
            return _refuse("utter_device_not_found", user_text=text)
    return FieldCheck(device.id)


def check_purchase_date(text: str, today: dt.date, device: Device | None) -> FieldCheck:
    """Parse a Chinese purchase-date expression; refuse future, too old and pre-launch dates.

    Args:
        text: What the user wrote ("去年三月", "2025/3/15").
        today: Today in the business time zone.
        device: The device, when known (its launch date bounds the purchase).

    Returns:
        The ISO date with ``purchase_date_precision`` in ``extra``, or
        ``utter_date_not_understood``, ``utter_date_future``, ``utter_date_before_launch``
        (``device_name``, ``launch_month``) or ``utter_date_too_old``.
    """
    parsed = find_date_expression(text, today)
    if parsed is None:
        return _refuse("utter_date_not_understood")
    error = check_date(
        parsed.date,
        today=today,
        launch_date=device.launch_date if device else None,
        precision=parsed.precision,
    )
    if error is DateError.FUTURE:
        return _refuse("utter_date_future")
    if error is DateError.BEFORE_LAUNCH and device:
        return _refuse("utter_date_before_launch", **launch_params(device))
    if error is not None:
        return _refuse("utter_date_too_old")
    return FieldCheck(parsed.date.isoformat(), extra={"purchase_date_precision": parsed.precision})


def check_serial_number(text: str) -> FieldCheck:
    """Check an IMEI (15 digits, Luhn) or a serial number (8–20 letters and digits).

    Args:
        text: What the user wrote.

    Returns:
        The IMEI or upper-case SN, or ``utter_serial_bad_checksum``,
        ``utter_serial_wrong_length`` or ``utter_serial_not_found``.
    """
    parsed = parse_serial(text)
    if parsed.value is None:
        return _refuse(_SERIAL_ERRORS.get(parsed.error, "utter_serial_not_found"))  # type: ignore[arg-type]
    return FieldCheck(parsed.value)


def check_service_type(text: str, service_types: Iterable[ServiceType]) -> FieldCheck:
    """Map an answer to a service type id (``mail_in``, ``store``, ``home``).

    An id matches exactly; otherwise the service whose name or keyword is mentioned last
    wins: "不想去店里，上门吧" is a home visit.

    Args:
        text: What the user wrote, or a service id.
        service_types: The catalogue's service types.

    Returns:
        The service id, or ``utter_service_type_unknown``.
    """
    answer = text.strip().lower()
    services = tuple(service_types)
    exact = next((s for s in services if answer == s.id), None)
    if exact:
        return FieldCheck(exact.id)
    positions = {
        service.id: max(answer.rfind(n.lower()) for n in (service.name, *service.keywords))
        for service in services
    }
    best = max(positions, key=lambda sid: positions[sid], default=None)
    if best is not None and positions[best] >= 0:
        return FieldCheck(best)
    return _refuse("utter_service_type_unknown")


def check_city(text: str) -> FieldCheck:
    """Check a Chinese city name; "我在成都市" gives ``成都``.

    Args:
        text: What the user wrote.

    Returns:
        The city without 市 and the words around it, or ``utter_city_invalid``.
    """
    compact = _SPACE.sub("", text)
    city = _CITY_AFFIXES.sub("", compact) if len(compact) > 2 else compact
    if not _CITY_RE.match(city):
        return _refuse("utter_city_invalid")
    return FieldCheck(city)


def check_contact_phone(text: str) -> FieldCheck:
    """Check a mainland China mobile number.

    Args:
        text: What the user wrote ("+86 139-1234-5678").

    Returns:
        The 11 digits, or ``utter_phone_not_mobile`` (a landline, 10x/11x/12x) or
        ``utter_phone_invalid``.
    """
    parsed = parse_mobile(text)
    if parsed.value is None:
        if parsed.error is PhoneError.NOT_MOBILE:
            return _refuse("utter_phone_not_mobile")
        return _refuse("utter_phone_invalid")
    return FieldCheck(parsed.value)


def field_error_text(check: FieldCheck, responses: Mapping[str, Any]) -> str:
    """The Chinese text of a check's error, as the domain words it.

    Args:
        check: A refused check.
        responses: The domain's ``responses`` mapping (response name to its variants).

    Returns:
        The first text variant of ``check.error``, formatted with ``check.params``.

    Raises:
        ValueError: The check has no error, or the domain has no text for it.
    """
    if check.error is None:
        raise ValueError("the check has no error to render")
    variants = responses.get(check.error) or []
    text = next((v["text"] for v in variants if isinstance(v, Mapping) and v.get("text")), None)
    if text is None:
        raise ValueError(f"no text variant for response {check.error!r}")
    return str(text).format(**check.params)
