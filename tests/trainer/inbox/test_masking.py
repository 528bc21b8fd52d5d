"""Masking personal data, group keys, and the sample values put back on import."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.intake.phone import parse_mobile
from bot.intake.serial import SerialKind, luhn_valid, parse_serial
from bot.trainer.inbox.masking import (
    IMEI,
    PHONE,
    SAMPLES,
    SERIAL,
    TICKET,
    group_key,
    mask,
    unmask,
)
from tests.trainer.inbox.helpers import NLU

_ANNOTATED = re.compile(r"\[([^\]]+)\]\((phone_number|serial_number|ticket_no)\)")
_PLACEHOLDER = {"phone_number": PHONE, "ticket_no": TICKET}


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13912345678", "电话[手机号]"),
        ("我的号码是+86 138 2093 4471", "我的号码是[手机号]"),
        ("打136-5120-8847就行", "打[手机号]就行"),
        ("８６１３９１２３４５６７８", "[手机号]"),
        ("串号861234567890127", "串号[IMEI]"),
        ("IMEI号 8675 7491 1862 528", "IMEI号 [IMEI]"),
        ("串码是３５５０７５２９１７０３４２２", "串码是[IMEI]"),
        ("SN是OP8K2M5Z91", "SN是[序列号]"),
        ("序列号 cn40xz7719kb 查一下", "序列号 [序列号] 查一下"),
        ("查工单R20261118-0219的进度", "查工单[工单号]的进度"),
        ("身份证110101199003071234", "身份证[数字]"),
        ("电话13912345678，工单r20261121-0008", "电话[手机号]，工单[工单号]"),
        # not personal data
        ("一加12屏幕碎了", "一加12屏幕碎了"),
        ("oneplus12pro和iphone15pro哪个好", "oneplus12pro和iphone15pro哪个好"),
        ("ColorOS14升级后卡", "ColorOS14升级后卡"),
        ("我2025年3月15日买的，花了4999", "我2025年3月15日买的，花了4999"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_every_annotated_number_in_the_training_data_is_masked() -> None:
    for path in NLU.glob("*.yml"):
        for value, entity in _ANNOTATED.findall(path.read_text(encoding="utf-8")):
            expected = _PLACEHOLDER.get(entity, (IMEI, SERIAL))
            assert mask(value) in expected, (path.name, value)


def test_no_device_name_of_the_catalogue_is_masked() -> None:
    from bot.catalog import load_catalogue

    names = [name for device in load_catalogue().devices for name in device.names]
    assert names and [n for n in names if mask(n) != n] == []


def test_group_key_ignores_numbers_punctuation_and_annotations() -> None:
    assert group_key("电话13912345678！") == group_key("电话 15088436721")
    assert group_key("电话[13917256480](phone_number)") == group_key("电话18600001111")
    assert group_key("屏幕碎了") != group_key("屏幕花了")


def test_samples_are_valid_values_of_their_entities() -> None:
    patterns: dict[str, list[str]] = {}
    regex = yaml.safe_load((NLU / "regex.yml").read_text(encoding="utf-8"))
    for item in regex["nlu"]:
        patterns[item["regex"]] = [ln[2:] for ln in item["examples"].splitlines() if ln]
    for placeholder, (value, entity) in SAMPLES.items():
        assert any(re.fullmatch(p, value) for p in patterns[entity]), placeholder
        assert mask(value) == placeholder
    assert unmask(f"电话{PHONE}") == "电话[13912345678](phone_number)"
    assert luhn_valid(SAMPLES[IMEI][0])
    assert parse_serial(SAMPLES[IMEI][0]).kind is SerialKind.IMEI
    assert parse_serial(SAMPLES[SERIAL][0]).kind is SerialKind.SN
    assert parse_mobile(SAMPLES[PHONE][0]).value == SAMPLES[PHONE][0]
