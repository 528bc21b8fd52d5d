"""Warranty and 三包 assessment for the slots of a conversation.

From the catalogues, the extended-warranty records and the electronic warranty cards.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from bot.actions.common import catalogue, parse_iso_date, today
from bot.catalog.loader import DamageKind, Device, Fault
from bot.catalog.sanbao import load_sanbao
from bot.intake.sanbao import SanbaoAssessment, assess_sanbao, repair_months
from bot.intake.warranty import (
    WarrantyAssessment,
    assess_warranty,
    detect_damage,
)
from bot.tickets import TicketStoreUnavailable, extended_warranty_until, session_scope
from bot.tickets.warranty_cards import get_warranty_card

logger = logging.getLogger(__name__)
#: Slots of the purchase date.
_DATE_SLOTS = ("purchase_date", "purchase_date_precision")


def activation_date(serial_number: str | None) -> dt.date | None:
    """Activation date on the device's electronic warranty card (None if none/unknown)."""
    if not serial_number:
        return None
    try:
        with session_scope(readonly=True) as session:
            card = get_warranty_card(session, imei=serial_number)
    except TicketStoreUnavailable:
        logger.warning("ticket store unavailable: warranty card not checked")
        return None
    return card.activated_on if card else None


@dataclass(frozen=True)
class _Intake:
    """What both assessments read from the intake: its slots, device, fault and damage."""

    values: dict[str, Any]
    device: Device
    fault: Fault
    damage: DamageKind | None

    def activated(self) -> dt.date | None:
        return activation_date(self.values.get("serial_number"))


def _intake(tracker: Tracker, overrides: dict[str, Any] | None) -> _Intake | None:
    """The intake's slots (``overrides`` first), or None without a known device."""
    names = ("device_model", "fault_category", "fault_description", "serial_number")
    values = {name: tracker.get_slot(name) for name in (*names, *_DATE_SLOTS)}
    values.update(overrides or {})
    cat = catalogue()
    device = cat.device(values["device_model"] or "")
    if device is None:
        return None
    fault = cat.fault(values["fault_category"] or "other") or cat.fault("other")
    assert fault is not None  # the catalogue loader guarantees "other"
    damage = detect_damage(values["fault_description"] or "", cat)
    return _Intake(values, device, fault, damage)


def sanbao_for(
    tracker: Tracker, overrides: dict[str, Any] | None = None
) -> SanbaoAssessment | None:
    """The 三包 options of the intake's device and fault; ``None`` without a known device.

    The warranty card's activation date, when the IMEI has one, is the start; otherwise the
    purchase date, which opens a return or an exchange only when known to the day.

    Args:
        tracker: The conversation.
        overrides: Normalised values to use instead of the slots of the same name.
    """
    intake = _intake(tracker, overrides)
    if intake is None:
        return None
    activated = intake.activated()
    precision = intake.values["purchase_date_precision"] or "day"
    return assess_sanbao(
        start=activated or parse_iso_date(intake.values["purchase_date"]),
        exact=activated is not None or precision == "day",
        today=today(),
        part=load_sanbao().part_for_fault(intake.fault.id),
        device_warranty_months=intake.device.warranty_months,
        fault=intake.fault,
        damage=intake.damage,
    )


def extended_until(serial_number: str | None) -> object:
    """End of the extended warranty recorded for ``serial_number`` (``None`` if none/unknown)."""
    if not serial_number:
        return None
    try:
        with session_scope(readonly=True) as session:
            return extended_warranty_until(session, serial_number=serial_number, on=today())
    except TicketStoreUnavailable:
        logger.warning("ticket store unavailable: extended warranty not checked")
        return None


def assess_for(
    tracker: Tracker, overrides: dict[str, Any] | None = None
) -> WarrantyAssessment | None:
    """Assess the warranty from the intake slots; ``None`` without a known device.

    The warranty card's activation date, when the IMEI has one, replaces the purchase date;
    the period is the longer of the phone's warranty and the 三包 one of the fault's part.

    Args:
        tracker: The conversation.
        overrides: Normalised values to use instead of the slots of the same name.
    """
    intake = _intake(tracker, overrides)
    if intake is None:
        return None
    part = load_sanbao().part_for_fault(intake.fault.id)
    serial = intake.values["serial_number"]
    return assess_warranty(
        purchase_date=intake.activated() or parse_iso_date(intake.values["purchase_date"]),
        warranty_months=repair_months(part, intake.device.warranty_months),
        fault=intake.fault,
        damage=intake.damage,
        extended_until=extended_until(serial),  # type: ignore[arg-type]
        today=today(),
    )
