"""Pickup addresses parsed with cpca: parts, municipalities, towns without districts, reasons."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.intake.address import MAX_ADDRESS_CHARS, Address, mentions_address, parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "广东省深圳市南山区科苑路15号3栋201",
            Address("广东省", "深圳市", "南山区", "科苑路15号3栋201"),
        ),
        (
            "广东深圳南山区科技园科苑路15号",
            Address("广东省", "深圳市", "南山区", "科技园科苑路15号"),
        ),
        (
            "北京市朝阳区建国路88号SOHO现代城A座1201",
            Address("北京市", "北京市", "朝阳区", "建国路88号SOHO现代城A座1201"),
        ),
        (
            "上海市 浦东新区 世纪大道 100 号",
            Address("上海市", "上海市", "浦东新区", "世纪大道100号"),
        ),
        (
            "成都市武侯区，天府大道北段1700号",
            Address("四川省", "成都市", "武侯区", "天府大道北段1700号"),
        ),
        (
            "新疆乌鲁木齐市天山区解放北路1号",
            Address("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路1号"),
        ),
        # 东莞 has towns, no districts.
        (
            "广东省东莞市长安镇乌沙海滨路18号",
            Address("广东省", "东莞市", "", "长安镇乌沙海滨路18号"),
        ),
        # Full-width digits are folded.
        ("杭州市西湖区文三路９０号", Address("浙江省", "杭州市", "西湖区", "文三路90号")),
    ],
)
def test_addresses_are_split(text: str, expected: Address) -> None:
    result = parse_address(text)
    assert result.ok and result.problem is None
    assert result.address == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("徐汇区虹漕路461号", "no_region"),  # a district alone is ambiguous
        ("文三路100号", "no_region"),
        ("浙江省", "no_district"),
        ("广东省广州市天河路1号", "no_district"),
        ("杭州市西湖区", "no_street"),
        ("杭州市西湖区 路", "no_street"),
        ("杭州市西湖区" + "文" * MAX_ADDRESS_CHARS, "too_long"),
    ],
)
def test_incomplete_addresses_say_why(text: str | None, problem: str) -> None:
    result = parse_address(text)
    assert not result.ok and result.address is None
    assert result.problem == problem


def test_text_of_an_address() -> None:
    assert Address("北京市", "北京市", "朝阳区", "建国路88号").text == "北京市朝阳区建国路88号"
    assert Address("广东省", "东莞市", "", "长安镇1号").text == "广东省东莞市长安镇1号"


def test_cpca_is_imported_only_when_an_address_is_parsed() -> None:
    code = (
        "import sys, bot.intake.address, bot.actions.pickup; "
        "assert 'cpca' not in sys.modules and 'pandas' not in sys.modules; "
        "bot.intake.address.parse_address('杭州市西湖区文三路90号'); "
        "assert 'cpca' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("取件地址填错了，改一下", True),
        ("改一下取件地点", True),
        ("改一下取件时间", False),
        ("", False),
    ],
)
def test_mentions_address(text: str, expected: bool) -> None:
    assert mentions_address(text) is expected
