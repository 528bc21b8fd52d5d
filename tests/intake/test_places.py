import re
from pathlib import Path

import pytest

from bot.catalog import City, load_service_centres
from bot.catalog.loader import CatalogueError
from bot.catalog.service_centers import Place
from bot.intake.places import (
    PlaceNames,
    bare_district_name,
    check_place_names,
    load_places,
)
from tests.catalog.centre_files import CENTRE, CITIES, with_city, write_centres

PLACES = load_places()
CATALOGUE = PLACES.centres


def _city(city_id: str) -> City:
    city = CATALOGUE.city(city_id)
    assert city is not None
    return city


def _places(text: str, places: PlaceNames = PLACES) -> list[tuple[str, str | None]]:
    return [(p.city.id, p.district) for p in places.find_places(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("深圳南山", [("shenzhen", "南山区")]),
        ("南山区有维修点吗", [("shenzhen", "南山区")]),
        ("海淀", [("beijing", "海淀区")]),
        ("我在北京市朝阳区", [("beijing", "朝阳区")]),
        ("我在北京", [("beijing", None)]),
        ("深圳市", [("shenzhen", None)]),
        ("浦东", [("shanghai", "浦东新区")]),
        ("浦东新区", [("shanghai", "浦东新区")]),
        ("东西湖", [("wuhan", "东西湖区")]),
        ("雨花台", [("nanjing", "雨花台区")]),
        ("雨花区", [("changsha", "雨花区")]),
        ("管城区", [("zhengzhou", "管城回族区")]),
        ("我在东莞", [("dongguan", None)]),
        ("广州天河和深圳", [("guangzhou", "天河区"), ("shenzhen", None)]),
        ("Shenzhen", [("shenzhen", None)]),
        ("Xi'an 雁塔", [("xian", "雁塔区")]),
    ],
)
def test_find_places(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert _places(text) == expected


def test_a_district_of_two_cities_gives_both() -> None:
    assert _places("鼓楼区有店吗") == [("nanjing", "鼓楼区"), ("fuzhou", "鼓楼区")]
    assert _places("和平区") == [("tianjin", "和平区"), ("shenyang", "和平区")]
    assert _places("江北") == [("chongqing", "江北区"), ("ningbo", "江北区")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("福州鼓楼", [("fuzhou", "鼓楼区")]),
        ("鼓楼区，南京的", [("nanjing", "鼓楼区")]),
        ("沈阳市和平区", [("shenyang", "和平区")]),
        ("宁波江北区", [("ningbo", "江北区")]),
    ],
)
def test_a_named_city_picks_the_district(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert _places(text) == expected


def test_a_named_city_wins_over_a_district_of_another_city() -> None:
    # 西安 has a 鼓楼 too (a landmark, not a district we list).
    assert _places("西安鼓楼") == [("xian", None)]


@pytest.mark.parametrize(
    "text",
    ["", "今天天气不错", "手机屏幕碎了", "玩和平精英的时候发烫", "我在河北", "xiangji", "一加12"],
)
def test_text_without_a_place(text: str) -> None:
    assert PLACES.find_places(text) == []


@pytest.mark.parametrize(
    "text", ["我在　深圳　南山区", "深圳 南山", "ＳＨＥＮＺＨＥＮ 南山", "shenzhen南山区"]
)
def test_full_width_spaced_and_latin_text(text: str) -> None:
    assert _places(text) == [("shenzhen", "南山区")]


def test_find_places_returns_places() -> None:
    assert PLACES.find_places("海淀") == [Place(_city("beijing"), "海淀区")]


def test_latin_names_need_a_word_boundary() -> None:
    assert _places("wuxian") == []
    assert _places("去 wuxi 修") == [("wuxi", None)]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "city_id"),
    [
        ("深圳", "shenzhen"),
        ("深圳市", "shenzhen"),
        ("shenzhen", "shenzhen"),
        ("Shenzhen", "shenzhen"),
        (" 深圳 ", "shenzhen"),
        ("ＳＨＥＮＺＨＥＮ", "shenzhen"),
        ("乌鲁木齐市", "wulumuqi"),
        ("Urumqi", "wulumuqi"),
        ("Xi'an", "xian"),
    ],
)
def test_resolve_city(name: str, city_id: str) -> None:
    city = PLACES.resolve_city(name)
    assert city is not None and city.id == city_id


@pytest.mark.parametrize("name", ["", "深", "深圳南山", "南山区", "纽约"])
def test_resolve_city_refuses_what_is_not_a_city_name(name: str) -> None:
    assert PLACES.resolve_city(name) is None


@pytest.mark.parametrize(
    ("city_id", "name", "expected"),
    [
        ("shenzhen", "南山", "南山区"),
        ("shenzhen", "南山区", "南山区"),
        ("zhengzhou", "管城", "管城回族区"),
        ("beijing", "南山", None),
        ("tianjin", "和平", "和平区"),  # stop-listed bare names still resolve inside a city
        ("nosuchcity", "南山", None),
    ],
)
def test_resolve_district(city_id: str, name: str, expected: str | None) -> None:
    assert PLACES.resolve_district(city_id, name) == expected


@pytest.mark.parametrize(
    ("district", "expected"),
    [
        ("南山区", "南山"),
        ("浦东新区", "浦东"),
        ("管城回族区", "管城回族"),
        ("东区", None),
        ("海淀", None),
    ],
)
def test_bare_district_name(district: str, expected: str | None) -> None:
    assert bare_district_name(district) == expected


def test_a_resolved_district_narrows_the_search() -> None:
    search = CATALOGUE.search_centres("shenzhen", PLACES.resolve_district("shenzhen", "南山"))
    assert search.in_district and not search.widened
    assert search.district == "南山区"
    assert [c.id for c in search.centres] == ["shenzhen-kejiyuan"]


# --------------------------------------------------------------------------- loading


def test_the_names_of_a_minimal_catalogue(tmp_path: Path) -> None:
    folder = write_centres(tmp_path, CITIES, [CENTRE])
    places = load_places(folder)
    assert places.centres is load_service_centres(folder)
    assert _places("南山", places) == [("shenzhen", "南山区")]
    assert load_places(str(tmp_path)) is places
    assert check_place_names(folder) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aliases": ["深圳"]}, "'深圳' names both 'shenzhen' and 'dongguan'"),
        (
            {"aliases": ["ＳＨＥＮＺＨＥＮ"]},
            "'ＳＨＥＮＺＨＥＮ' names both 'shenzhen' and 'dongguan'",
        ),
    ],
)
def test_a_name_of_two_cities_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    folder = write_centres(tmp_path, with_city(**change), [CENTRE])
    with pytest.raises(CatalogueError, match=re.escape(message)):
        PlaceNames(load_service_centres(folder))
    assert check_place_names(folder) == [f"cities.yml: {message}"]
