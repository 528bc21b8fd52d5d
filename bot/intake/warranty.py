"""Warranty assessment: damage detection and coverage by purchase date.

Coverage convention: a phone bought on ``purchase`` with ``months`` of warranty is
covered **through** ``add_months(purchase, months) - 1 day`` (bought 2025-03-15 with 24
months: covered through 2027-03-14; 2027-03-15 is the first uncovered day). An extended
warranty is covered through ``extended_until`` inclusive.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from bot.catalog import Catalogue, DamageKind, Fault
from bot.intake.months import add_months
from bot.intake.normalize import to_halfwidth

__all__ = [
    "WarrantyAssessment",
    "WarrantyReason",
    "WarrantyStatus",
    "add_months",
    "assess_warranty",
    "coverage_end",
    "detect_damage",
]

# A damage word right after one of these is negated: "没有进水", "并未摔过".
_NEGATION = re.compile(r"(?:没有|没|未|不是|并非|无|不曾|从没|从未)[^，。,.!?！？；;]?$")


class WarrantyStatus(str, Enum):
    """Coverage of a repair."""

    IN_WARRANTY = "in_warranty"
    EXTENDED_WARRANTY = "extended_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    TO_VERIFY = "to_verify"


class WarrantyReason(str, Enum):
    """Why a status was given."""

    WITHIN_STANDARD = "within_standard"
    WITHIN_EXTENDED = "within_extended"
    EXPIRED = "expired"
    LIQUID_DAMAGE = "liquid_damage"
    PHYSICAL_DAMAGE = "physical_damage"
    NOT_COVERED_CATEGORY = "not_covered_category"
    UNKNOWN_PURCHASE_DATE = "unknown_purchase_date"


@dataclass(frozen=True)
class WarrantyAssessment:
    """Outcome of :func:`assess_warranty`.

    Attributes:
        status: The coverage.
        until: Last covered day of the coverage that applies (standard or extended);
            for ``EXPIRED`` the last day that was covered; ``None`` for damage, a
            category that is never covered, or an unknown purchase date.
        reason: Why.
    """

    status: WarrantyStatus
    until: dt.date | None
    reason: WarrantyReason


def _fold(text: str) -> str:
    return to_halfwidth(text).lower()


def _mentions(description: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs in ``description`` at least once without a negation."""
    start = description.find(keyword)
    while start != -1:
        if not _NEGATION.search(description[max(0, start - 6) : start]):
            return True
        start = description.find(keyword, start + 1)
    return False


def detect_damage(description: str, catalogue: Catalogue) -> DamageKind | None:
    """Detect accidental damage in a fault description.

    Matching is on half-width, lower-case text; a keyword preceded by a negation
    (``没有进水``, ``没摔过``) does not count. When both kinds appear, **liquid wins**:
    liquid damage voids the warranty of the whole phone, not only the broken part.

    Args:
        description: The user's fault description, e.g. ``"手机掉水里了"``.
        catalogue: Supplies ``damage_keywords``.

    Returns:
        ``"liquid"``, ``"physical"`` or ``None``.
    """
    text = _fold(description)
    kinds: tuple[DamageKind, ...] = ("liquid", "physical")
    for kind in kinds:
        if any(_mentions(text, _fold(k)) for k in catalogue.damage_keywords.get(kind, ())):
            return kind
    return None


def coverage_end(purchase_date: dt.date, warranty_months: int) -> dt.date:
    """Last day covered by the standard warranty.

    Args:
        purchase_date: Day of purchase.
        warranty_months: Standard warranty length.

    Returns:
        ``add_months(purchase_date, warranty_months)`` minus one day.
    """
    return add_months(purchase_date, warranty_months) - dt.timedelta(days=1)


def _damage_reason(damage: DamageKind | None, fault: Fault) -> WarrantyReason | None:
    kinds = {damage, fault.damage}
    if "liquid" in kinds:
        return WarrantyReason.LIQUID_DAMAGE
    if "physical" in kinds:
        return WarrantyReason.PHYSICAL_DAMAGE
    if not fault.covered:
        return WarrantyReason.NOT_COVERED_CATEGORY
    return None


def assess_warranty(
    *,
    purchase_date: dt.date | None,
    warranty_months: int,
    fault: Fault,
    damage: DamageKind | None,
    extended_until: dt.date | None,
    today: dt.date,
) -> WarrantyAssessment:
    """Decide whether a repair is covered.

    Rules, in order:
        1. Damage (from the description, or a fault category that is damage by nature,
           such as ``water_damage``) → out of warranty (liquid before physical); a
           category with ``covered: false`` → out of warranty, whatever the date.
        2. Within the standard warranty (today ≤ :func:`coverage_end`) → in warranty.
        3. Within an extended warranty (today ≤ ``extended_until``) → extended warranty.
           This also holds when the purchase date is unknown: the extended warranty
           record is authoritative.
        4. Unknown purchase date → to verify.
        5. Otherwise expired; ``until`` is the last day that was covered.

    Args:
        purchase_date: Day of purchase, ``None`` when unknown.
        warranty_months: Standard warranty of the device.
        fault: The fault category.
        damage: Damage detected in the description (see :func:`detect_damage`).
        extended_until: Last day of an extended warranty, if any.
        today: The reference day.

    Returns:
        The assessment.
    """
    excluded = _damage_reason(damage, fault)
    if excluded is not None:
        return WarrantyAssessment(WarrantyStatus.OUT_OF_WARRANTY, None, excluded)
    standard_end = None if purchase_date is None else coverage_end(purchase_date, warranty_months)
    if standard_end is not None and today <= standard_end:
        return WarrantyAssessment(
            WarrantyStatus.IN_WARRANTY, standard_end, WarrantyReason.WITHIN_STANDARD
        )
    if extended_until is not None and today <= extended_until:
        return WarrantyAssessment(
            WarrantyStatus.EXTENDED_WARRANTY, extended_until, WarrantyReason.WITHIN_EXTENDED
        )
    if standard_end is None:
        return WarrantyAssessment(
            WarrantyStatus.TO_VERIFY, None, WarrantyReason.UNKNOWN_PURCHASE_DATE
        )
    last_covered = max(d for d in (standard_end, extended_until) if d is not None)
    return WarrantyAssessment(WarrantyStatus.OUT_OF_WARRANTY, last_covered, WarrantyReason.EXPIRED)
