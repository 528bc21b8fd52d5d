"""Fuzz targets for the pure parsers of ``bot/intake`` and ``bot/catalog``.

Each check calls the parser the way the actions do (with the real catalogues) and asserts
what its result promises (an accepted phone has 11 digits, a rating is 1–5 ...). A refused
field check is also rendered with the domain's Chinese text, as the form does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml
from hypothesis import strategies as st

from bench.fuzz.harness import Target
from bench.fuzz.inputs import chat_text, focused_text
from bot.catalog import load_catalogue, load_prices, load_service_centres
from bot.intake import (
    SerialKind,
    detect_damage,
    device_key,
    find_date_expression,
    luhn_valid,
    mask_phone,
    mask_serial,
    match_device,
    parse_date_expression,
    parse_mobile,
    parse_rating,
    parse_serial,
)
from bot.intake import fields as intake_fields
from bot.intake.dates import find_purchase_date
from bot.intake.normalize import chinese_number, compact, to_arabic, to_halfwidth
from bot.intake.parts import load_parts
from bot.intake.places import load_places
from bot.trainer import paths

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SN = re.compile(r"[0-9A-Z]{8,20}")


@cache
def _responses() -> Mapping[str, Any]:
    domain = yaml.safe_load(paths.DOMAIN.read_text(encoding="utf-8"))
    return dict(domain.get("responses") or {})


def _render(check: intake_fields.FieldCheck) -> str:
    """A refused check must have Chinese text in the domain; an accepted one a value."""
    if check.error is None:
        assert check.value is not None, check
        return "accepted"
    intake_fields.field_error_text(check, _responses())
    return check.error


def _catalogue_words() -> dict[str, list[str]]:
    """Names the parsers look for, by target: models, places, parts, services and faults."""
    cat = load_catalogue()
    centres = load_service_centres()
    words: dict[str, list[str]] = {"devices": [], "places": [], "prices": [], "free_text": []}
    for device in cat.devices:
        words["devices"].extend(device.names)
    for city in centres.cities:
        words["places"].extend((*city.names, *city.districts))
    for part in load_prices().parts:
        words["prices"].extend((part.name, *part.keywords))
    words["free_text"].extend(t.name for t in cat.service_types)
    for fault in cat.faults:
        words["free_text"].append(fault.name)
    return {key: [w for w in values if w] for key, values in words.items()}


def check_serial(text: str) -> str:
    """IMEI/SN: ``parse_serial``, ``mask_serial``, the form's serial check."""
    result = parse_serial(text)
    if result.ok:
        assert result.value is not None
        if result.kind is SerialKind.IMEI:
            assert result.value.isdigit() and len(result.value) == 15, result
            assert luhn_valid(result.value), result
        else:
            assert _SN.fullmatch(result.value), result
        mask_serial(result.value)
    return _render(intake_fields.check_serial_number(text))


def check_phone(text: str) -> str:
    """Phone: ``parse_mobile``, ``mask_phone``, the form's phone check."""
    result = parse_mobile(text)
    if result.ok:
        assert result.value is not None and _MOBILE.fullmatch(result.value), result
        assert mask_phone(result.value).count("*") == 4
    return _render(intake_fields.check_contact_phone(text))


def check_dates(value: tuple[str, dt.date, int]) -> str:
    """Dates: the three date finders and the form's purchase-date check (with a device)."""
    text, today, device_no = value
    for parse in (parse_date_expression, find_date_expression, find_purchase_date):
        found = parse(text, today)
        if found is not None:
            assert isinstance(found.date, dt.date), found
    devices = load_catalogue().devices
    device = devices[device_no % len(devices)] if device_no >= 0 else None
    return _render(intake_fields.check_purchase_date(text, today, device))


def check_devices(text: str) -> str:
    """Devices: ``match_device``, ``device_key`` (with typo fixing), the form's model check."""
    cat = load_catalogue()
    match = match_device(text, cat)
    assert match.kind is not None
    device_key(text)
    device_key(text, fix_typos=True)
    return _render(intake_fields.check_device_model(text, cat))


def check_places(value: tuple[str, int]) -> str:
    """Places: free-text places, city and district names, centre search, the city check."""
    text, city_no = value
    places = load_places()
    centres = places.centres
    for place in places.find_places(text):
        assert centres.city(place.city.id) is not None
    places.resolve_city(text)
    city = centres.cities[city_no % len(centres.cities)]
    district = places.resolve_district(city.id, text)
    centres.search_centres(city.id, district or text or None, None)
    return _render(intake_fields.check_city(text))


def check_prices(text: str) -> str:
    """Prices: the part a user names, and its quotes for every device."""
    prices = load_prices()
    part = load_parts().match_part(text)
    if part is None:
        return "no_part"
    for device in load_catalogue().devices:
        prices.quote(device.id, part.id)
    return "part"


def check_ratings(text: str) -> str:
    """Ratings: ``parse_rating`` is None or a score from 1 to 5."""
    score = parse_rating(text)
    assert score is None or 1 <= score <= 5, score
    return "none" if score is None else "score"


def check_free_text(text: str) -> str:
    """The rest of the form's checks and the normalisers they share."""
    cat = load_catalogue()
    to_halfwidth(text)
    compact(text)
    to_arabic(text)
    chinese_number(text)
    detect_damage(text, cat)
    _render(intake_fields.check_service_type(text, cat.service_types))
    return _render(intake_fields.check_fault_description(text))


def parser_targets() -> list[Target]:
    """Every parser target, with strategies fed by the catalogues' names."""
    words = _catalogue_words()
    text = chat_text([w for values in words.values() for w in values])
    today = st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2199, 12, 31))
    return [
        Target("serial", "parser", "parse_serial, mask_serial, check_serial_number",
               text, check_serial),
        Target("phone", "parser", "parse_mobile, mask_phone, check_contact_phone",
               text, check_phone),
        Target("dates", "parser",
               "parse_date_expression, find_date_expression, find_purchase_date, "
               "check_purchase_date (any 'today' 1970-2199, with or without a device)",
               st.tuples(text, today, st.integers(min_value=-1, max_value=50)), check_dates),
        Target("devices", "parser", "match_device, device_key, check_device_model",
               focused_text(words["devices"]), check_devices),
        Target("places", "parser",
               "find_places, resolve_city, resolve_district, search_centres, check_city",
               st.tuples(focused_text(words["places"]), st.integers(min_value=0, max_value=500)),
               check_places),
        Target("prices", "parser", "PartNames.match_part and quote",
               focused_text(words["prices"]), check_prices),
        Target("ratings", "parser", "parse_rating", text, check_ratings),
        Target("free_text", "parser",
               "check_fault_description, check_service_type, detect_damage, normalisers",
               focused_text(words["free_text"]), check_free_text),
    ]  # fmt: skip
