import datetime as dt
from typing import Any

import pytest

from bot.catalog import DamageKind, Fault, load_catalogue
from bot.intake.warranty import (
    WarrantyAssessment,
    WarrantyReason,
    WarrantyStatus,
    assess_warranty,
    coverage_end,
    detect_damage,
)

D = dt.date
CATALOGUE = load_catalogue()


def _fault(fault_id: str) -> Fault:
    fault = CATALOGUE.fault(fault_id)
    assert fault is not None
    return fault


SCREEN = _fault("screen")
BATTERY = _fault("battery")
WATER = _fault("water_damage")
OTHER = _fault("other")
NOT_COVERED = Fault("accessory", "配件", False, None, (), ())
CRACK_CATEGORY = Fault("cracked", "碎裂", False, "physical", (), ())

IN = WarrantyStatus.IN_WARRANTY
EXT = WarrantyStatus.EXTENDED_WARRANTY
OUT = WarrantyStatus.OUT_OF_WARRANTY
VERIFY = WarrantyStatus.TO_VERIFY
R = WarrantyReason


@pytest.mark.parametrize(
    ("purchase", "months", "expected"),
    [
        (D(2025, 3, 15), 24, D(2027, 3, 14)),
        (D(2025, 3, 1), 24, D(2027, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 27)),
        (D(2025, 1, 31), 1, D(2025, 2, 27)),
        (D(2025, 12, 31), 12, D(2026, 12, 30)),
    ],
)
def test_coverage_end(purchase: dt.date, months: int, expected: dt.date) -> None:
    assert coverage_end(purchase, months) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("屏幕碎了", "physical"),
        ("不小心摔了一下，后盖碎了", "physical"),
        ("屏幕有裂纹", "physical"),
        ("手机被压弯了", "physical"),
        ("碎屏", "physical"),
        ("手机掉水里了", "liquid"),
        ("昨天淋雨了开不了机", "liquid"),
        ("手机进水了", "liquid"),
        ("掉马桶里了", "liquid"),
        ("摔了一下又掉水里了", "liquid"),
        ("屏幕碎了，还进水了", "liquid"),
        ("屏幕有绿线", None),
        ("充不进电", None),
        ("电池鼓包", None),
        ("", None),
        ("没有进水，也没摔过", None),
        ("并没有进水", None),
        ("不是摔碎的", None),
        ("没进水但是屏幕碎了", "physical"),
        ("我没注意摔了一下", "physical"),
    ],
)
def test_detect_damage(description: str, expected: DamageKind | None) -> None:
    assert detect_damage(description, CATALOGUE) == expected


PURCHASE = D(2025, 3, 15)
LAST_DAY = D(2027, 3, 14)
FIRST_UNCOVERED = D(2027, 3, 15)
EXTENDED = D(2028, 3, 14)
ASKED = D(2026, 11, 22)


def _assess(today: dt.date, **change: Any) -> WarrantyAssessment:
    """``assess_warranty`` of a screen bought on PURCHASE, 24 months, no damage, unless changed."""
    values: dict[str, Any] = {
        "purchase_date": PURCHASE,
        "warranty_months": 24,
        "fault": SCREEN,
        "damage": None,
        "extended_until": None,
    }
    return assess_warranty(today=today, **{**values, **change})


@pytest.mark.parametrize(
    ("purchase", "fault", "damage", "extended", "today", "expected"),
    [
        # standard warranty
        (PURCHASE, SCREEN, None, None, D(2026, 11, 22), (IN, LAST_DAY, R.WITHIN_STANDARD)),
        (PURCHASE, SCREEN, None, None, PURCHASE, (IN, LAST_DAY, R.WITHIN_STANDARD)),
        (PURCHASE, BATTERY, None, None, LAST_DAY, (IN, LAST_DAY, R.WITHIN_STANDARD)),
        (PURCHASE, OTHER, None, None, FIRST_UNCOVERED, (OUT, LAST_DAY, R.EXPIRED)),
        (PURCHASE, SCREEN, None, None, D(2030, 1, 1), (OUT, LAST_DAY, R.EXPIRED)),
        # extended warranty
        (PURCHASE, SCREEN, None, EXTENDED, FIRST_UNCOVERED, (EXT, EXTENDED, R.WITHIN_EXTENDED)),
        (PURCHASE, SCREEN, None, EXTENDED, EXTENDED, (EXT, EXTENDED, R.WITHIN_EXTENDED)),
        (PURCHASE, SCREEN, None, EXTENDED, D(2028, 3, 15), (OUT, EXTENDED, R.EXPIRED)),
        (PURCHASE, SCREEN, None, EXTENDED, D(2026, 1, 1), (IN, LAST_DAY, R.WITHIN_STANDARD)),
        (PURCHASE, SCREEN, None, D(2026, 1, 1), D(2027, 6, 1), (OUT, LAST_DAY, R.EXPIRED)),
        # damage: out whatever the date
        (PURCHASE, SCREEN, "physical", None, D(2025, 4, 1), (OUT, None, R.PHYSICAL_DAMAGE)),
        (PURCHASE, WATER, None, None, D(2025, 4, 1), (OUT, None, R.LIQUID_DAMAGE)),
        (PURCHASE, SCREEN, "liquid", None, D(2025, 4, 1), (OUT, None, R.LIQUID_DAMAGE)),
        (PURCHASE, WATER, "physical", None, D(2025, 4, 1), (OUT, None, R.LIQUID_DAMAGE)),
        (PURCHASE, CRACK_CATEGORY, None, None, D(2025, 4, 1), (OUT, None, R.PHYSICAL_DAMAGE)),
        (
            PURCHASE,
            SCREEN,
            "physical",
            D(2030, 1, 1),
            D(2028, 1, 1),
            (OUT, None, R.PHYSICAL_DAMAGE),
        ),
        (PURCHASE, NOT_COVERED, None, None, D(2025, 4, 1), (OUT, None, R.NOT_COVERED_CATEGORY)),
        # unknown purchase date
        (None, SCREEN, None, None, ASKED, (VERIFY, None, R.UNKNOWN_PURCHASE_DATE)),
        (None, SCREEN, "liquid", None, ASKED, (OUT, None, R.LIQUID_DAMAGE)),
        (None, WATER, None, None, ASKED, (OUT, None, R.LIQUID_DAMAGE)),
        (None, SCREEN, None, D(2027, 1, 1), ASKED, (EXT, D(2027, 1, 1), R.WITHIN_EXTENDED)),
        (None, SCREEN, None, D(2026, 1, 1), ASKED, (VERIFY, None, R.UNKNOWN_PURCHASE_DATE)),
    ],
)
def test_assess_warranty(
    purchase: dt.date | None,
    fault: Fault,
    damage: DamageKind | None,
    extended: dt.date | None,
    today: dt.date,
    expected: tuple[WarrantyStatus, dt.date | None, WarrantyReason],
) -> None:
    result = _assess(
        today, purchase_date=purchase, fault=fault, damage=damage, extended_until=extended
    )
    assert result == WarrantyAssessment(*expected)


@pytest.mark.parametrize(
    ("months", "today", "status"),
    [(12, D(2026, 3, 14), IN), (12, D(2026, 3, 15), OUT), (36, D(2028, 3, 14), IN)],
)
def test_warranty_months_is_used(months: int, today: dt.date, status: WarrantyStatus) -> None:
    assert _assess(today, warranty_months=months).status is status


def test_cracked_screen_description_within_warranty_is_out() -> None:
    today = D(2025, 6, 1)
    damage = detect_damage("屏幕碎了", CATALOGUE)
    assert _assess(today, damage=damage) == WarrantyAssessment(OUT, None, R.PHYSICAL_DAMAGE)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        (WarrantyStatus.IN_WARRANTY, "in_warranty"),
        (WarrantyStatus.EXTENDED_WARRANTY, "extended_warranty"),
        (WarrantyStatus.OUT_OF_WARRANTY, "out_of_warranty"),
        (WarrantyStatus.TO_VERIFY, "to_verify"),
    ],
)
def test_status_values(member: WarrantyStatus, value: str) -> None:
    assert member.value == value
    assert member == value
