import re
from pathlib import Path

import pytest
import yaml

from bot.catalog import CATALOG_DIR, City, distance_km, load_service_centres
from bot.catalog.loader import CatalogueError
from tests.catalog.centre_files import CENTRE, CITIES, with_city, write_centres

CATALOGUE = load_service_centres()
LOOKUPS = Path(__file__).resolve().parents[2] / "bot" / "data" / "nlu" / "lookups.yml"


def _city(city_id: str) -> City:
    city = CATALOGUE.city(city_id)
    assert city is not None
    return city


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


# --------------------------------------------------------------------------- centres


def test_centres_in_a_district_with_a_centre() -> None:
    search = CATALOGUE.search_centres("shenzhen", "南山区")
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


def test_a_minimal_catalogue_loads(tmp_path: Path) -> None:
    catalogue = load_service_centres(write_centres(tmp_path, CITIES, [CENTRE]))
    assert [c.id for c in catalogue.centres] == ["sz-1"]
    assert catalogue.nearest_with_centre("dongguan")[0].id == "shenzhen"
    assert load_service_centres(str(tmp_path)) is catalogue


def test_no_other_city_with_a_centre(tmp_path: Path) -> None:
    catalogue = load_service_centres(write_centres(tmp_path, CITIES, [CENTRE]))
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
    folder = write_centres(tmp_path, CITIES, [{**CENTRE, **change}])
    with pytest.raises(ValueError, match=re.escape(message)):
        load_service_centres(folder)


def test_a_duplicate_centre_id_is_refused(tmp_path: Path) -> None:
    folder = write_centres(tmp_path, CITIES, [CENTRE, {**CENTRE, "district": "福田区"}])
    with pytest.raises(CatalogueError, match="duplicate id 'sz-1'"):
        load_service_centres(folder)


def test_a_catalogue_without_centres_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no centres"):
        load_service_centres(write_centres(tmp_path, CITIES, []))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "shenzhen"}, "duplicate id 'shenzhen'"),
        ({"lat": 123.0}, "'lat' 123.0 is out of range"),
        ({"lon": "east"}, "'lon' must be a number"),
        ({"province": None}, "missing 'province'"),
        ({"districts": ["莞城区", "莞城区"]}, "a district is listed twice"),
        ({"districts": ["莞城区"], "district_aliases": {"莞城": "南城区"}}, "unknown district"),
    ],
)
def test_a_bad_city_is_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    folder = write_centres(tmp_path, with_city(**change), [CENTRE])
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_service_centres(folder)
