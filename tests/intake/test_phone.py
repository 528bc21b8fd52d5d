import pytest

from bot.intake.phone import PhoneError, PhoneResult, mask_phone, parse_mobile

OK = "13912345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", PhoneResult(OK, None)),
        ("139 1234 5678", PhoneResult(OK, None)),
        ("139-1234-5678", PhoneResult(OK, None)),
        ("+86 139 1234 5678", PhoneResult(OK, None)),
        ("+8613912345678", PhoneResult(OK, None)),
        ("0086-13912345678", PhoneResult(OK, None)),
        ("008613912345678", PhoneResult(OK, None)),
        ("86 13912345678", PhoneResult(OK, None)),
        ("8613912345678", PhoneResult(OK, None)),
        ("１３９１２３４５６７８", PhoneResult(OK, None)),
        ("我的电话是 139-1234-5678", PhoneResult(OK, None)),
        ("手机号：13912345678，谢谢", PhoneResult(OK, None)),
        ("13912345678 2025", PhoneResult(OK, None)),
        ("15000000000", PhoneResult("15000000000", None)),
        ("19912345678", PhoneResult("19912345678", None)),
        ("订单 12345，电话 18612345678", PhoneResult("18612345678", None)),
        # errors
        ("010-12345678", PhoneResult(None, PhoneError.NOT_MOBILE)),
        ("(010)12345678", PhoneResult(None, PhoneError.NOT_MOBILE)),
        ("0755 8888 6666", PhoneResult(None, PhoneError.NOT_MOBILE)),
        ("12912345678", PhoneResult(None, PhoneError.NOT_MOBILE)),
        ("10912345678", PhoneResult(None, PhoneError.NOT_MOBILE)),
        ("1391234567", PhoneResult(None, PhoneError.WRONG_LENGTH)),
        ("139123456789", PhoneResult(None, PhoneError.WRONG_LENGTH)),
        ("139 1234 567", PhoneResult(None, PhoneError.WRONG_LENGTH)),
        ("12345", PhoneResult(None, PhoneError.WRONG_LENGTH)),
        ("我没有手机号", PhoneResult(None, PhoneError.NOT_FOUND)),
        ("1234", PhoneResult(None, PhoneError.NOT_FOUND)),
        ("", PhoneResult(None, PhoneError.NOT_FOUND)),
    ],
)
def test_parse_mobile(text: str, expected: PhoneResult) -> None:
    assert parse_mobile(text) == expected


@pytest.mark.parametrize(
    ("result", "ok"),
    [(PhoneResult(OK, None), True), (PhoneResult(None, PhoneError.NOT_FOUND), False)],
)
def test_phone_result_ok(result: PhoneResult, ok: bool) -> None:
    assert result.ok is ok


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13912345678", "139****5678"),
        ("18600001111", "186****1111"),
        ("1234567", "*******"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected
