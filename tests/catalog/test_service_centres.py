import re
from pathlib import Path

import pytest
import yaml

from bot.catalog import (
    CATALOG_DIR,
    City,
    Place,
    ServiceCentreCatalogue,
    distance_km,
    load_service_centres,
)
from bot.catalog.loader import CatalogueError
from bot.catalog.service_centers import bare_district_name

CATALOGUE = load_service_centres()
LOOKUPS = Path(__file__).resolve().parents[2] / "bot" / "data" / "nlu" / "lookups.yml"


def _city(city_id: str) -> City:
    city = CATALOGUE.city(city_id)
    assert city is not None
    return city


def _places(
    text: str, catalogue: ServiceCentreCatalogue = CATALOGUE
) -> list[tuple[str, str | None]]:
    return [(p.city.id, p.district) for p in catalogue.find_places(text)]


# --------------------------------------------------------------------------- shipped data


def test_the_shipped_centres_are_marked_as_sample_data() -> None:
    assert CATALOGUE.sample is True
    assert "SAMPLE DATA" in (CATALOG_DIR / "service_centers.yml").read_text(encoding="utf-8")


def test_the_shipped_catalogue_covers_many_cities_and_leaves_some_without_centres() -> None:
    with_centres = CATALOGUE.cities_with_centres()
    assert len(CATALOGUE.cities) >= 60
    assert len(with_centres) >= 15
    assert len(CATALOGUE.cities) - len(with_centres) >= 20
    for city_id in ["beijing", "shanghai", "guangzhou", "shenzhen", "hangzhou", "chengdu"]:
        assert CATALOGUE.has_centre(city_id)
    for city_id in ["dongguan", "foshan", "lasa", "wulumuqi"]:
        assert not CATALOGUE.has_centre(city_id)


def test_every_city_with_centres_has_one_to_three() -> None:
    for city in CATALOGUE.cities_with_centres():
        assert 1 <= len(CATALOGUE.centres_in(city.id)) <= 3, city.id


def test_every_centre_district_is_listed_in_its_city() -> None:
    for centre in CATALOGUE.centres:
        assert centre.district in _city(centre.city).districts, centre.id


def test_every_centre_has_contact_details_and_known_services() -> None:
    for centre in CATALOGUE.centres:
        assert re.fullmatch(r"0\d{2,3}-\d{7,8}", centre.phone), centre.id
        assert centre.address.startswith(_city(centre.city).name + "市" + centre.district)
        assert centre.services and set(centre.services) <= {"store", "home"}
        assert centre.name and centre.hours


def test_centres_of_one_city_share_its_area_code() -> None:
    for city in CATALOGUE.cities_with_centres():
        codes = {c.phone.split("-")[0] for c in CATALOGUE.centres_in(city.id)}
        assert len(codes) == 1, city.id


def test_city_coordinates_are_inside_china() -> None:
    for city in CATALOGUE.cities:
        assert 18 <= city.lat <= 54 and 73 <= city.lon <= 135, city.id
        assert round(city.lat, 2) == city.lat and round(city.lon, 2) == city.lon


def test_every_city_name_and_chinese_alias_is_in_the_city_lookup() -> None:
    data = yaml.safe_load(LOOKUPS.read_text(encoding="utf-8"))
    table = next(item for item in data["nlu"] if item.get("lookup") == "city")
    entries = [line[2:].strip() for line in table["examples"].splitlines() if line.strip()]
    for city in CATALOGUE.cities:
        chinese = [n for n in city.names if not n.isascii()]
        for name in chinese:
            assert name in entries, name
        with_suffix = f"{city.name}市"
        assert entries.index(with_suffix) < entries.index(city.name), city.name


# --------------------------------------------------------------------------- find_places


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
    assert CATALOGUE.find_places(text) == []


@pytest.mark.parametrize(
    "text", ["我在　深圳　南山区", "深圳 南山", "ＳＨＥＮＺＨＥＮ 南山", "shenzhen南山区"]
)
def test_full_width_spaced_and_latin_text(text: str) -> None:
    assert _places(text) == [("shenzhen", "南山区")]


def test_find_places_returns_places() -> None:
    assert CATALOGUE.find_places("海淀") == [Place(_city("beijing"), "海淀区")]


def test_latin_names_need_a_word_boundary() -> None:
    assert _places("wuxian") == []
    assert _places("去 wuxi 修") == [("wuxi", None)]


# --------------------------------------------------------------------------- resolve


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
    city = CATALOGUE.resolve_city(name)
    assert city is not None and city.id == city_id


@pytest.mark.parametrize("name", ["", "深", "深圳南山", "南山区", "纽约"])
def test_resolve_city_refuses_what_is_not_a_city_name(name: str) -> None:
    assert CATALOGUE.resolve_city(name) is None


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
    assert CATALOGUE.resolve_district(city_id, name) == expected


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


# --------------------------------------------------------------------------- centres


def test_centres_in_a_district_with_a_centre() -> None:
    search = CATALOGUE.search_centres("shenzhen", "南山")
    assert search.in_district and not search.widened
    assert search.district == "南山区"
    assert [c.id for c in search.centres] == ["shenzhen-kejiyuan"]
    assert CATALOGUE.centres_in("shenzhen", "南山区") == list(search.centres)


def test_centres_in_a_district_without_a_centre_widen_to_the_city() -> None:
    search = CATALOGUE.search_centres("beijing", "丰台区")
    assert search.widened and not search.in_district
    assert search.district == "丰台区"
    assert {c.id for c in search.centres} == {c.id for c in CATALOGUE.centres_in("beijing")}
    assert len(search.centres) == 3


def test_centres_without_a_district() -> None:
    search = CATALOGUE.search_centres("shenzhen")
    assert not search.widened and not search.in_district and search.district is None
    assert len(search.centres) == 3


def test_an_unknown_district_widens_and_keeps_the_text() -> None:
    search = CATALOGUE.search_centres("shenzhen", "科技园")
    assert search.widened and search.district == "科技园"
    assert len(search.centres) == 3


def test_centres_filtered_by_service() -> None:
    home = CATALOGUE.centres_in("shenzhen", service="home")
    assert home and all("home" in c.services for c in home)
    assert len(home) < len(CATALOGUE.centres_in("shenzhen"))
    # 福田's only centre does no home visits: widen to the city's home-visit centres.
    search = CATALOGUE.search_centres("shenzhen", "福田区", service="home")
    assert search.widened and {c.district for c in search.centres} == {"南山区", "龙岗区"}


@pytest.mark.parametrize(
    ("city_id", "service"), [("dongguan", None), ("nosuchcity", None), ("shenzhen", "mail_in")]
)
def test_no_centres(city_id: str, service: str | None) -> None:
    assert CATALOGUE.centres_in(city_id, service=service) == []


def test_every_city_with_centres_has_a_store() -> None:
    for city in CATALOGUE.cities_with_centres():
        assert CATALOGUE.centres_in(city.id, service="store"), city.id


# --------------------------------------------------------------------------- distances


def test_distance_between_beijing_and_shanghai() -> None:
    assert distance_km(_city("beijing"), _city("shanghai")) == pytest.approx(1067, abs=15)
    assert distance_km(_city("beijing"), _city("beijing")) == 0


def test_nearest_city_with_a_centre_for_dongguan() -> None:
    city, km = CATALOGUE.nearest_with_centre("dongguan")
    assert city.id in {"guangzhou", "shenzhen"}
    assert 30 < km < 100


def test_nearest_city_with_a_centre_for_a_remote_city() -> None:
    city, km = CATALOGUE.nearest_with_centre("lasa")
    assert CATALOGUE.has_centre(city.id)
    assert km > 500


@pytest.mark.parametrize(
    ("city_id", "nearest"),
    [("foshan", "guangzhou"), ("wuxi", "suzhou"), ("dalian", "qingdao"), ("beijing", "tianjin")],
)
def test_nearest_city_with_a_centre(city_id: str, nearest: str) -> None:
    city, km = CATALOGUE.nearest_with_centre(city_id)
    assert city.id == nearest and city.id != city_id
    assert km == pytest.approx(distance_km(_city(city_id), city))


def test_nearest_city_of_an_unknown_id() -> None:
    with pytest.raises(KeyError):
        CATALOGUE.nearest_with_centre("nosuchcity")


# --------------------------------------------------------------------------- validation

CITIES = {
    "bare_district_stoplist": ["和平"],
    "cities": [
        {
            "id": "shenzhen",
            "name": "深圳",
            "aliases": ["深圳市"],
            "province": "广东",
            "lat": 22.54,
            "lon": 114.06,
            "districts": ["南山区", "福田区"],
        },
        {"id": "dongguan", "name": "东莞", "province": "广东", "lat": 23.02, "lon": 113.75},
    ],
}
CENTRE = {
    "id": "sz-1",
    "city": "shenzhen",
    "district": "南山区",
    "name": "店",
    "address": "深圳市南山区科苑路1号",
    "phone": "0755-12345678",
    "hours": "9:00-18:00",
    "services": ["store"],
}


def _write(folder: Path, cities: dict[str, object], centres: list[dict[str, object]]) -> Path:
    (folder / "cities.yml").write_text(yaml.safe_dump(cities, allow_unicode=True), "utf-8")
    data = {"sample": True, "centres": centres}
    (folder / "service_centers.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return folder


def test_a_minimal_catalogue_loads(tmp_path: Path) -> None:
    catalogue = load_service_centres(_write(tmp_path, CITIES, [CENTRE]))
    assert [c.id for c in catalogue.centres] == ["sz-1"]
    assert _places("南山", catalogue) == [("shenzhen", "南山区")]
    assert catalogue.nearest_with_centre("dongguan")[0].id == "shenzhen"
    assert load_service_centres(str(tmp_path)) is catalogue


def test_no_other_city_with_a_centre(tmp_path: Path) -> None:
    catalogue = load_service_centres(_write(tmp_path, CITIES, [CENTRE]))
    with pytest.raises(LookupError):
        catalogue.nearest_with_centre("shenzhen")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"city": "guangzhou"}, "unknown city id 'guangzhou'"),
        ({"district": "罗湖区"}, "district '罗湖区' is not in the districts of 'shenzhen'"),
        ({"services": []}, "'services' is empty"),
        ({"services": ["store", "mail_in"]}, "unknown service 'mail_in'"),
        ({"phone": ""}, "missing 'phone'"),
    ],
)
def test_a_bad_centre_is_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    folder = _write(tmp_path, CITIES, [{**CENTRE, **change}])
    with pytest.raises(ValueError, match=re.escape(message)):
        load_service_centres(folder)


def test_a_duplicate_centre_id_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path, CITIES, [CENTRE, {**CENTRE, "district": "福田区"}])
    with pytest.raises(CatalogueError, match="duplicate id 'sz-1'"):
        load_service_centres(folder)


def test_a_catalogue_without_centres_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no centres"):
        load_service_centres(_write(tmp_path, CITIES, []))


def _with_city(**change: object) -> dict[str, object]:
    cities = [dict(c) for c in CITIES["cities"]]  # type: ignore[attr-defined]
    cities[1].update(change)
    return {**CITIES, "cities": cities}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "shenzhen"}, "duplicate id 'shenzhen'"),
        ({"aliases": ["深圳"]}, "'深圳' names both 'shenzhen' and 'dongguan'"),
        ({"lat": 123.0}, "'lat' 123.0 is out of range"),
        ({"lon": "east"}, "'lon' must be a number"),
        ({"province": None}, "missing 'province'"),
        ({"districts": ["莞城区", "莞城区"]}, "a district is listed twice"),
        ({"districts": ["莞城区"], "district_aliases": {"莞城": "南城区"}}, "unknown district"),
    ],
)
def test_a_bad_city_is_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    folder = _write(tmp_path, _with_city(**change), [CENTRE])
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_service_centres(folder)
