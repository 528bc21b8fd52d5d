import dataclasses
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import Device, load_catalogue
from bot.intake.dates import DatePrecision
from bot.intake.fields import (
    FieldCheck,
    check_city,
    check_contact_phone,
    check_device_model,
    check_fault_description,
    check_purchase_date,
    check_serial_number,
    check_service_type,
    field_error_text,
    launch_params,
)

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()
TODAY = dt.date(2026, 11, 22)


def catalogue_device(device_id: str) -> Device:
    device = CATALOGUE.device(device_id)
    assert device is not None
    return device


ONEPLUS_12 = catalogue_device("oneplus-12")
ONEPLUS_12_LAUNCH = {"device_name": "一加 12", "launch_year": "2023", "launch_month": "12"}
ACE_IDS = [
    "oneplus-ace-2",
    "oneplus-ace-2v",
    "oneplus-ace-2-pro",
    "oneplus-ace-3",
    "oneplus-ace-3v",
    "oneplus-ace-3-pro",
    "oneplus-ace-5",
    "oneplus-ace-5-pro",
]


def ok(value: str, **extra: Any) -> FieldCheck:
    return FieldCheck(value, None, {}, extra)


def refused(error: str, **params: str) -> FieldCheck:
    return FieldCheck(None, error, params, {})


# --- FieldCheck --------------------------------------------------------------------------------


def test_field_check_is_frozen_with_empty_params_and_extra_by_default() -> None:
    check = FieldCheck("成都")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.value = "北京"  # type: ignore[misc]
    assert (check.value, check.error, check.params, check.extra) == ("成都", None, {}, {})


# --- fault description -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("屏幕有绿线", ok("屏幕有绿线")),
        ("  充不进电 \n", ok("充不进电")),
        ("碎了", ok("碎了")),
        ("坏", refused("utter_fault_too_short")),
        ("   ", refused("utter_fault_too_short")),
        ("", refused("utter_fault_too_short")),
    ],
)
def test_check_fault_description(text: str, expected: FieldCheck) -> None:
    assert check_fault_description(text) == expected


# --- device model ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "device_id"),
    [
        ("oneplus-12", "oneplus-12"),
        ("  oneplus-13t ", "oneplus-13t"),
        ("一加12", "oneplus-12"),
        ("一加十二", "oneplus-12"),
        ("一家12", "oneplus-12"),
        ("我的是一加 Ace 3 Pro", "oneplus-ace-3-pro"),
    ],
)
def test_check_device_model_resolves_ids_names_and_typos(text: str, device_id: str) -> None:
    assert check_device_model(text, CATALOGUE) == ok(device_id)


@pytest.mark.parametrize("device", CATALOGUE.devices, ids=lambda d: d.id)
def test_check_device_model_accepts_every_catalogue_id(device: Device) -> None:
    assert check_device_model(device.id, CATALOGUE) == ok(device.id)


def test_check_device_model_looks_up_the_id_before_matching_names() -> None:
    device = dataclasses.replace(ONEPLUS_12, id="lab-sample-7", name="一加 12", aliases=())
    catalogue = dataclasses.replace(CATALOGUE, devices=(*CATALOGUE.devices, device))

    assert check_device_model("lab-sample-7", catalogue) == ok("lab-sample-7")


@pytest.mark.parametrize("text", ["一加Ace", "ace"])
def test_check_device_model_ambiguous_gives_the_candidates(text: str) -> None:
    check = check_device_model(text, CATALOGUE)

    assert (check.value, check.error, check.params) == (None, "utter_device_ambiguous", {})
    assert list(check.extra) == ["candidates"]
    assert all(isinstance(d, Device) for d in check.extra["candidates"])
    assert [d.id for d in check.extra["candidates"]] == ACE_IDS


@pytest.mark.parametrize(
    ("text", "brand"), [("iPhone 15", "iPhone"), ("华为Mate60", "华为"), (" iPhone 15 ", "iPhone")]
)
def test_check_device_model_other_brand(text: str, brand: str) -> None:
    assert check_device_model(text, CATALOGUE) == refused("utter_device_other_brand", brand=brand)


@pytest.mark.parametrize(
    ("text", "user_text"),
    [("一加8", "一加8"), ("  诺基亚 ", "诺基亚"), ("12", "12"), ("", "")],
)
def test_check_device_model_not_found_quotes_the_stripped_text(text: str, user_text: str) -> None:
    assert check_device_model(text, CATALOGUE) == refused(
        "utter_device_not_found", user_text=user_text
    )


# --- purchase date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "device", "value", "precision"),
    [
        ("2025年3月15日", ONEPLUS_12, "2025-03-15", DatePrecision.DAY),
        ("去年三月", ONEPLUS_12, "2025-03-01", DatePrecision.MONTH),
        ("大概是去年买的", None, "2025-01-01", DatePrecision.YEAR),
        # The launch month itself is accepted at month precision (launch: 5 December 2023).
        ("2023年12月", ONEPLUS_12, "2023-12-01", DatePrecision.MONTH),
        # Without a device there is no launch date to respect.
        ("2023年11月", None, "2023-11-01", DatePrecision.MONTH),
    ],
)
def test_check_purchase_date_accepts(
    text: str, device: Device | None, value: str, precision: DatePrecision
) -> None:
    check = check_purchase_date(text, TODAY, device)

    assert check == ok(value, purchase_date_precision=precision)
    assert check.extra["purchase_date_precision"] == precision.value


@pytest.mark.parametrize(
    ("text", "device", "expected"),
    [
        ("随便", ONEPLUS_12, refused("utter_date_not_understood")),
        ("", None, refused("utter_date_not_understood")),
        ("2027年3月", ONEPLUS_12, refused("utter_date_future")),
        ("2026年12月", None, refused("utter_date_future")),
        ("2023年11月", ONEPLUS_12, refused("utter_date_before_launch", **ONEPLUS_12_LAUNCH)),
        # Before launch is checked before too old.
        ("2010年5月", ONEPLUS_12, refused("utter_date_before_launch", **ONEPLUS_12_LAUNCH)),
        ("2010年5月", None, refused("utter_date_too_old")),
    ],
)
def test_check_purchase_date_refuses(
    text: str, device: Device | None, expected: FieldCheck
) -> None:
    assert check_purchase_date(text, TODAY, device) == expected


def test_check_purchase_date_uses_the_given_today() -> None:
    assert check_purchase_date("2026年12月", dt.date(2026, 12, 2), None) == ok(
        "2026-12-01", purchase_date_precision=DatePrecision.MONTH
    )


def test_launch_params() -> None:
    assert launch_params(ONEPLUS_12) == ONEPLUS_12_LAUNCH
    device = dataclasses.replace(ONEPLUS_12, name="一加 X", launch_date=dt.date(2021, 3, 23))
    assert launch_params(device) == {
        "device_name": "一加 X",
        "launch_year": "2021",
        "launch_month": "3",
    }


# --- serial number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("861234567890127", "861234567890127"),
        ("IMEI：8612 3456 7890 127", "861234567890127"),
        ("sn: ab12cd34ef", "AB12CD34EF"),
    ],
)
def test_check_serial_number_accepts(text: str, value: str) -> None:
    assert check_serial_number(text) == ok(value)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("861234567890128", "utter_serial_bad_checksum"),
        ("12345678", "utter_serial_wrong_length"),
        ("ab1", "utter_serial_wrong_length"),
        ("不知道", "utter_serial_not_found"),
        ("<skip>", "utter_serial_not_found"),
        ("", "utter_serial_not_found"),
    ],
)
def test_check_serial_number_refuses(text: str, error: str) -> None:
    assert check_serial_number(text) == refused(error)


# --- service type ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("store", "store"),
        (" STORE ", "store"),
        ("mail_in", "mail_in"),
        ("寄修", "mail_in"),
        ("快递寄过去", "mail_in"),
        ("上门", "home"),
        ("到店维修", "store"),
        # The last service mentioned wins.
        ("不想去店里，上门吧", "home"),
        ("上门太麻烦，还是去门店吧", "store"),
        ("上门，或者寄修，还是上门吧", "home"),
    ],
)
def test_check_service_type_accepts(text: str, value: str) -> None:
    assert check_service_type(text, CATALOGUE.service_types) == ok(value)


@pytest.mark.parametrize("text", ["随便", "", "home visit"])
def test_check_service_type_refuses(text: str) -> None:
    assert check_service_type(text, CATALOGUE.service_types) == refused(
        "utter_service_type_unknown"
    )


def test_check_service_type_without_service_types_refuses() -> None:
    assert check_service_type("上门", ()) == refused("utter_service_type_unknown")


# --- city --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("成都", "成都"),
        ("我在成都市", "成都"),
        ("北 京", "北京"),
        ("上海市", "上海"),
        ("我在北京这边", "北京"),
        ("乌鲁木齐市", "乌鲁木齐"),
    ],
)
def test_check_city_accepts(text: str, value: str) -> None:
    assert check_city(text) == ok(value)


@pytest.mark.parametrize("text", ["NYC", "一", "", "成都123", "我在市"])
def test_check_city_refuses(text: str) -> None:
    assert check_city(text) == refused("utter_city_invalid")


# --- contact phone -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["13912345678", "139 1234 5678", "+86 139-1234-5678", "１３９１２３４５６７８"]
)
def test_check_contact_phone_accepts(text: str) -> None:
    assert check_contact_phone(text) == ok("13912345678")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("010-12345678", "utter_phone_not_mobile"),
        ("12345678901", "utter_phone_not_mobile"),
        ("1391234567", "utter_phone_invalid"),
        ("没有", "utter_phone_invalid"),
        ("", "utter_phone_invalid"),
    ],
)
def test_check_contact_phone_refuses(text: str, error: str) -> None:
    assert check_contact_phone(text) == refused(error)


# --- field_error_text with the real domain -----------------------------------------------------


@pytest.fixture(scope="module")
def responses() -> dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return dict(data["responses"])


# One refusal per error the checks can give, and its text as the user reads it.
RENDERED = [
    (check_fault_description("坏"), "请再具体描述一下故障现象，这样工程师能更快判断问题。"),
    (check_device_model("一加Ace", CATALOGUE), "您说的是下面哪一款呢？"),
    (
        check_device_model("iPhone 15", CATALOGUE),
        "抱歉，我们只为一加手机提供售后服务，iPhone 手机请联系该品牌的官方售后。"
        "如果您的是一加手机，请告诉我具体型号。",
    ),
    (
        check_device_model("一加8", CATALOGUE),
        "没有找到“一加8”这个型号。请再确认一下，例如：一加 12、一加 13T、一加 Ace 3 Pro。",
    ),
    (
        check_purchase_date("随便", TODAY, None),
        "抱歉，没看懂购买时间。可以说“2025年3月15日”“去年三月”“半年前”这样的说法。",
    ),
    (check_purchase_date("2027年3月", TODAY, None), "购买时间不能晚于今天，请再确认一下。"),
    (
        check_purchase_date("2023年11月", TODAY, ONEPLUS_12),
        "一加 12 是 2023年12月 上市的，购买时间不会早于这个时间，请再确认一下。",
    ),
    (check_purchase_date("2010年5月", TODAY, None), "这个购买时间距今太久了，请再确认一下。"),
    (
        check_serial_number("861234567890128"),
        "这个 IMEI 的校验位不对，可能有数字输错了。"
        "请再核对一下 15 位 IMEI（拨号盘输入 *#06# 可查看）。",
    ),
    (
        check_serial_number("12345678"),
        "IMEI 应该是 15 位数字，序列号是 8–20 位字母和数字，您输入的好像位数不对，请再核对一下。",
    ),
    (
        check_serial_number("不知道"),
        "没有识别到 IMEI 或序列号。IMEI 是 15 位数字，拨号盘输入 *#06# 可以查看。",
    ),
    (
        check_service_type("随便", CATALOGUE.service_types),
        "请选择一种维修方式：寄修、到店维修或上门维修。",
    ),
    (check_city("NYC"), "请告诉我您所在的城市名称，例如“北京”“成都”。"),
    (
        check_contact_phone("010-12345678"),
        "这好像不是手机号，请提供一个能接听电话的 11 位手机号。",
    ),
    (check_contact_phone("没有"), "请提供一个 11 位的中国大陆手机号，例如 139 1234 5678。"),
]


@pytest.mark.parametrize(
    ("check", "text"), RENDERED, ids=[str(check.error) for check, _ in RENDERED]
)
def test_field_error_text_renders_the_domain_response(
    check: FieldCheck, text: str, responses: dict[str, Any]
) -> None:
    assert field_error_text(check, responses) == text


def test_every_error_of_the_checks_is_rendered_above() -> None:
    errors = {check.error for check, _ in RENDERED}
    source = (ROOT / "bot" / "intake" / "fields.py").read_text(encoding="utf-8")
    assert set(re.findall(r'"(utter_[a-z_]+)"', source)) == errors


def test_field_error_text_takes_the_first_text_variant() -> None:
    responses = {
        "utter_x": [
            {"image": "https://example.com/x.png"},
            {"text": "第一条 {brand}", "buttons": [{"payload": '/inform{{"a":"b"}}'}]},
            {"text": "第二条"},
        ]
    }
    check = FieldCheck(None, "utter_x", {"brand": "华为"})

    assert field_error_text(check, responses) == "第一条 华为"


@pytest.mark.parametrize(
    ("check", "responses", "message"),
    [
        (ok("成都"), {"utter_city_invalid": [{"text": "城市"}]}, "no error"),
        (refused("utter_city_invalid"), {}, "no text variant for response 'utter_city_invalid'"),
        (
            refused("utter_city_invalid"),
            {"utter_city_invalid": [{"image": "x.png"}]},
            "no text variant",
        ),
    ],
)
def test_field_error_text_refuses_a_check_without_an_error_or_text(
    check: FieldCheck, responses: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        field_error_text(check, responses)


# --- purity ------------------------------------------------------------------------------------


def test_fields_module_imports_no_sdk_or_database() -> None:
    code = (
        "import sys, bot.intake.fields\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk', "
        "'sqlalchemy') or m.startswith(('bot.tickets', 'bot.actions')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
