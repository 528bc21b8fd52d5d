"""A minimal service-centre catalogue written to a folder, for the loading and matching tests."""

from __future__ import annotations

from pathlib import Path

import yaml

CITIES: dict[str, object] = {
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
CENTRE: dict[str, object] = {
    "id": "sz-1",
    "city": "shenzhen",
    "district": "南山区",
    "name": "店",
    "address": "深圳市南山区科苑路1号",
    "phone": "0755-12345678",
    "hours": "9:00-18:00",
    "services": ["store"],
}


def write_centres(
    folder: Path, cities: dict[str, object], centres: list[dict[str, object]]
) -> Path:
    """Write ``cities.yml`` and ``service_centers.yml`` into ``folder`` and return it."""
    (folder / "cities.yml").write_text(yaml.safe_dump(cities, allow_unicode=True), "utf-8")
    data = {"sample": True, "centres": centres}
    (folder / "service_centers.yml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return folder


def with_city(**change: object) -> dict[str, object]:
    """:data:`CITIES` with the second city changed."""
    cities = [dict(c) for c in CITIES["cities"]]  # type: ignore[attr-defined]
    cities[1].update(change)
    return {**CITIES, "cities": cities}
