import pytest

from bot.catalog import City, distance_km, load_service_centres

CATALOGUE = load_service_centres()


def _city(city_id: str) -> City:
    city = CATALOGUE.city(city_id)
    assert city is not None
    return city


def test_distance_between_beijing_and_shanghai() -> None:
    assert distance_km(_city("beijing"), _city("shanghai")) == pytest.approx(1067, abs=15)
    assert distance_km(_city("beijing"), _city("beijing")) == 0


def test_distance_is_symmetric() -> None:
    assert distance_km(_city("chengdu"), _city("lasa")) == distance_km(
        _city("lasa"), _city("chengdu")
    )
