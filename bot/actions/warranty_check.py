"""Warranty assessment for the slots of a conversation (catalogue + extended-warranty records)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker

from bot.actions.common import catalogue, parse_iso_date, today
from bot.intake.warranty import WarrantyAssessment, assess_warranty, detect_damage
from bot.tickets import TicketStoreUnavailable, extended_warranty_until, session_scope

logger = logging.getLogger(__name__)


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

    Args:
        tracker: The conversation.
        overrides: Normalised values to use instead of the slots of the same name.
    """
    values = dict(overrides or {})

    def slot(name: str) -> Any:
        return values[name] if name in values else tracker.get_slot(name)

    cat = catalogue()
    device = cat.device(slot("device_model") or "")
    if device is None:
        return None
    fault = cat.fault(tracker.get_slot("fault_category") or "other") or cat.fault("other")
    assert fault is not None  # the catalogue loader guarantees "other"
    description = tracker.get_slot("fault_description") or ""
    return assess_warranty(
        purchase_date=parse_iso_date(slot("purchase_date")),
        warranty_months=device.warranty_months,
        fault=fault,
        damage=detect_damage(description, cat),
        extended_until=extended_until(slot("serial_number")),  # type: ignore[arg-type]
        today=today(),
    )
