import re

import pytest

from bot.catalog import load_prices
from bot.catalog.loader import CatalogueError
from bot.catalog.prices import PriceCatalogue, RepairPart
from bot.intake.parts import PartNames, check_part_keywords, load_parts, part_form

PARTS = load_parts()


def _catalogue(*parts: RepairPart) -> PriceCatalogue:
    return PriceCatalogue(currency="CNY", labour_yuan=0, list_line="", parts=parts, prices={})


@pytest.mark.parametrize(
    ("text", "part_id"),
    [
        ("尾插", "charging_port"),
        ("尾插坏了，多少钱", "charging_port"),
        ("后壳", "back_cover"),
        ("后壳碎了", "back_cover"),
        ("换屏", "screen"),
        ("换屏多少钱", "screen"),
        ("屏幕碎了", "screen"),
        ("内屏漏液", "screen"),
        ("换电池", "battery"),
        ("电池鼓包了", "battery"),
        ("主摄拍照模糊", "camera"),
        ("相机镜头裂了", "camera"),
        ("玻璃后盖", "back_cover"),
        ("Type-C口松了", "charging_port"),
        ("type c口", "charging_port"),
        ("ＴＹＰＥ－Ｃ口", "charging_port"),
        ("charging_port", "charging_port"),
        ("SCREEN", "screen"),
        ("back_cover", "back_cover"),
        ("充电口（尾插）", "charging_port"),
        ("充电口(尾插)", "charging_port"),
        # The longest keyword wins: 后置摄像头 over 屏.
        ("屏幕旁边的后置摄像头", "camera"),
    ],
)
def test_match_part(text: str, part_id: str) -> None:
    part = PARTS.match_part(text)
    assert part is not None and part.id == part_id


@pytest.mark.parametrize(
    "text", ["", "   ", "你好", "手机开不了机", "多少钱", "speaker", "screens"]
)
def test_match_part_without_a_part(text: str) -> None:
    assert PARTS.match_part(text) is None


def test_the_earliest_keyword_wins_a_tie() -> None:
    part = PARTS.match_part("后盖和电池")
    assert part is not None and part.id == "back_cover"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＴＹＰＥ－Ｃ 口", "typec口"),
        ("charging_port", "chargingport"),
        ("后盖 / 电池", "后盖电池"),
    ],
)
def test_part_form(text: str, expected: str) -> None:
    assert part_form(text) == expected


def test_the_shipped_keywords_load() -> None:
    assert PARTS.prices is load_prices()
    assert load_parts() is PARTS
    assert check_part_keywords() == []


@pytest.mark.parametrize("keyword", ["屏幕", "ＳＣＲＥＥＮ", "Screen"])
def test_a_keyword_of_two_parts_is_refused(keyword: str) -> None:
    screen = RepairPart("screen", "屏幕总成", ("屏幕", "screen"))
    other = RepairPart("x", "X", (keyword,))
    message = f"repair_prices.yml part #2: keyword '{keyword}' is also a keyword of 'screen'"
    with pytest.raises(CatalogueError, match=re.escape(message)):
        PartNames(_catalogue(screen, other))
