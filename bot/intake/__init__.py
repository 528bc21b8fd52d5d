"""Pure parsing and validation of what users type: serials, phones, dates, devices.

No Rasa, SDK or database imports: every function takes plain values (``today`` is
always a parameter) and returns frozen results with reason codes instead of raising.
"""

from bot.intake.dates import (
    DateError,
    DateParse,
    DatePrecision,
    check_purchase_date,
    find_date_expression,
    parse_date_expression,
)
from bot.intake.devices import (
    DeviceIndex,
    DeviceMatch,
    MatchKind,
    device_key,
    match_device,
)
from bot.intake.festivals import SPRING_FESTIVAL
from bot.intake.months import add_months, month_start
from bot.intake.normalize import chinese_number, compact, to_arabic, to_halfwidth
from bot.intake.phone import PhoneError, PhoneResult, mask_phone, parse_mobile
from bot.intake.rating import parse_rating
from bot.intake.serial import (
    SerialError,
    SerialKind,
    SerialResult,
    luhn_valid,
    mask_serial,
    parse_serial,
)
from bot.intake.warranty import (
    WarrantyAssessment,
    WarrantyReason,
    WarrantyStatus,
    assess_warranty,
    coverage_end,
    detect_damage,
)

__all__ = [
    "SPRING_FESTIVAL",
    "DateError",
    "DateParse",
    "DatePrecision",
    "DeviceIndex",
    "DeviceMatch",
    "MatchKind",
    "PhoneError",
    "PhoneResult",
    "SerialError",
    "SerialKind",
    "SerialResult",
    "WarrantyAssessment",
    "WarrantyReason",
    "WarrantyStatus",
    "add_months",
    "assess_warranty",
    "check_purchase_date",
    "chinese_number",
    "compact",
    "coverage_end",
    "detect_damage",
    "device_key",
    "find_date_expression",
    "luhn_valid",
    "mask_phone",
    "mask_serial",
    "match_device",
    "month_start",
    "parse_date_expression",
    "parse_mobile",
    "parse_rating",
    "parse_serial",
    "to_arabic",
    "to_halfwidth",
]
