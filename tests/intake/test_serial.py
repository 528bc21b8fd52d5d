import pytest

from bot.intake.serial import (
    SerialError,
    SerialKind,
    SerialResult,
    luhn_valid,
    mask_serial,
    parse_serial,
)

VALID_IMEI = "861234567890127"


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("861234567890127", True),
        ("352099001761481", True),
        ("490154203237518", True),
        ("867592034512341", True),
        ("861234567890128", False),
        ("490154203237519", False),
        ("79927398713", True),
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("12a4", False),
        ("８６１２３４５６７８９０１２７", False),
    ],
)
def test_luhn_valid(digits: str, expected: bool) -> None:
    assert luhn_valid(digits) is expected


IMEI = SerialKind.IMEI
SN = SerialKind.SN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IMEI
        (VALID_IMEI, SerialResult(VALID_IMEI, IMEI, None)),
        ("IMEI：86 1234 5678 9012 7", SerialResult(VALID_IMEI, IMEI, None)),
        ("IMEI1: 861234567890127", SerialResult(VALID_IMEI, IMEI, None)),
        ("imei861234567890127", SerialResult(VALID_IMEI, IMEI, None)),
        ("我的串号是861234567890127", SerialResult(VALID_IMEI, IMEI, None)),
        ("串号 8612-3456-7890-127 谢谢", SerialResult(VALID_IMEI, IMEI, None)),
        ("８６１２３４５６７８９０１２７", SerialResult(VALID_IMEI, IMEI, None)),
        ("490154203237518", SerialResult("490154203237518", IMEI, None)),
        ("电话13912345678，IMEI 352099001761481", SerialResult("352099001761481", IMEI, None)),
        # SN
        ("SN: ABCD1234EF", SerialResult("ABCD1234EF", SN, None)),
        ("sn abcd1234ef", SerialResult("ABCD1234EF", SN, None)),
        ("序列号：ａｂｃｄ１２３４ｅｆ", SerialResult("ABCD1234EF", SN, None)),
        ("S/N: 9A8B7C6D", SerialResult("9A8B7C6D", SN, None)),
        ("ABCD-1234-EF56", SerialResult("ABCD1234EF56", SN, None)),
        ("AB12 CD34 EF56", SerialResult("AB12CD34EF56", SN, None)),
        ("my sn is ab12cd34", SerialResult("AB12CD34", SN, None)),
        ("A1234567890123456789", SerialResult("A1234567890123456789", SN, None)),
        # IMEI is preferred over an SN in the same message
        ("SN ABCD1234EF IMEI 861234567890127", SerialResult(VALID_IMEI, IMEI, None)),
        # errors
        ("861234567890128", SerialResult(None, None, SerialError.BAD_CHECKSUM)),
        ("IMEI: 86 1234 5678 9012 8", SerialResult(None, None, SerialError.BAD_CHECKSUM)),
        ("86123456789012", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("8612345678901271", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("86123456789012712", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("12345678", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("ABC123", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("A12345678901234567890", SerialResult(None, None, SerialError.WRONG_LENGTH)),
        ("不知道在哪里看", SerialResult(None, None, SerialError.NOT_FOUND)),
        ("", SerialResult(None, None, SerialError.NOT_FOUND)),
        ("ABCDEFGHIJ", SerialResult(None, None, SerialError.NOT_FOUND)),
        ("买了2台", SerialResult(None, None, SerialError.NOT_FOUND)),
        ("13912345678", SerialResult(None, None, SerialError.NOT_FOUND)),
    ],
)
def test_parse_serial(text: str, expected: SerialResult) -> None:
    assert parse_serial(text) == expected


def test_bad_checksum_is_reported_before_wrong_length() -> None:
    assert parse_serial("12345 861234567890128").error is SerialError.BAD_CHECKSUM


@pytest.mark.parametrize(
    ("result", "ok"),
    [(SerialResult("X", SN, None), True), (SerialResult(None, None, SerialError.NOT_FOUND), False)],
)
def test_serial_result_ok(result: SerialResult, ok: bool) -> None:
    assert result.ok is ok


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (VALID_IMEI, "8612*******0127"),
        ("ABCD1234EF", "ABCD**34EF"),
        ("A1234567890123456789", "A123************6789"),
        ("9A8B7C6D", "9A****6D"),
        ("ABCDE", "AB*DE"),
        ("ABCD", "A**D"),
        ("AB", "**"),
        ("", ""),
    ],
)
def test_mask_serial(value: str, expected: str) -> None:
    assert mask_serial(value) == expected
