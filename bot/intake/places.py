"""Find the cities and districts of the service-centre catalogue in what users type.

The catalogue (:mod:`bot.catalog.service_centers`) holds the data; this module matches
names against it, in the form :func:`bot.intake.normalize.fold` gives both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.catalog.service_centers import (
    CITIES_FILE,
    City,
    Place,
    ServiceCentreCatalogue,
    load_service_centres,
)
from bot.intake.normalize import fold

__all__ = ["PlaceNames", "bare_district_name", "check_place_names", "load_places"]

# Longest first: 浦东新区 -> 浦东, not 浦东新.
_DISTRICT_SUFFIXES = ("新区", "区", "县", "市")
_MIN_BARE_LENGTH = 2


@dataclass(frozen=True)
class _Target:
    city_id: str
    district: str | None


def bare_district_name(district: str) -> str | None:
    """The district name without its suffix, or ``None`` when too short.

    Args:
        district: A full district name, e.g. ``"南山区"`` or ``"浦东新区"``.

    Returns:
        E.g. ``"南山"`` or ``"浦东"``; ``None`` for a name without a suffix or with fewer than
        two characters left.
    """
    for suffix in _DISTRICT_SUFFIXES:
        if district.endswith(suffix):
            bare = district[: -len(suffix)]
            return bare if len(bare) >= _MIN_BARE_LENGTH else None
    return None


def _latin_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _district_names(city: City) -> tuple[tuple[str, str], ...]:
    """``(name, district)`` for every district of ``city`` and every alias of one."""
    return (*((d, d) for d in city.districts), *city.district_aliases)


def _city_forms(centres: ServiceCentreCatalogue) -> dict[str, str]:
    """Folded city id, name and aliases -> city id."""
    forms: dict[str, str] = {}
    for city in centres.cities:
        for form in (city.id, *city.names):
            key = fold(form)
            if forms.setdefault(key, city.id) != city.id:
                raise CatalogueError(
                    f"{CITIES_FILE}: '{form}' names both '{forms[key]}' and '{city.id}'"
                )
    return forms


def _district_forms(
    centres: ServiceCentreCatalogue, city_forms: dict[str, str]
) -> dict[str, tuple[_Target, ...]]:
    """Folded district names, bare or full, -> the districts they may mean."""
    blocked = {fold(w) for w in centres.bare_district_stoplist}
    blocked |= {fold(c.province) for c in centres.cities}
    blocked |= set(city_forms)
    forms: dict[str, dict[_Target, None]] = {}
    for city in centres.cities:
        for name, district in _district_names(city):
            target = _Target(city.id, district)
            forms.setdefault(fold(name), {})[target] = None
            bare = bare_district_name(name)
            if bare and fold(bare) not in blocked:
                forms.setdefault(fold(bare), {})[target] = None
    return {form: tuple(targets) for form, targets in forms.items()}


class PlaceNames:
    """The city and district names of a service-centre catalogue, ready for matching.

    Attributes:
        centres: The catalogue the names come from.

    Raises:
        CatalogueError: One name (after folding) names two cities.
    """

    def __init__(self, centres: ServiceCentreCatalogue) -> None:
        self.centres = centres
        self._cities = _city_forms(centres)
        self._districts = _district_forms(centres, self._cities)
        self._longest = max(len(f) for f in (*self._cities, *self._districts))

    def resolve_city(self, name: str) -> City | None:
        """The city an entity value names.

        Args:
            name: A city name, alias or id, e.g. ``"深圳"``, ``"深圳市"``, ``"shenzhen"``.

        Returns:
            The city, or ``None`` when ``name`` is not exactly one of its names.
        """
        key = fold(name).strip()
        city_id = self._cities.get(key)
        if city_id is None and key.endswith("市"):
            city_id = self._cities.get(key[:-1])
        return self.centres.city(city_id) if city_id else None

    def resolve_district(self, city_id: str, name: str) -> str | None:
        """The full name of a district of ``city_id``.

        Args:
            city_id: The city the district should be in.
            name: A district name with or without its suffix, e.g. ``"南山"``.

        Returns:
            E.g. ``"南山区"``, or ``None`` when the city has no such district. Inside a known
            city a bare name is accepted even when it is stop-listed for free text (和平).
        """
        city = self.centres.city(city_id)
        key = fold(name).strip()
        if city is None or not key:
            return None
        for form, district in _district_names(city):
            if key in (fold(form), fold(bare_district_name(form) or form)):
                return district
        return None

    def _scan(self, text: str) -> Iterator[tuple[_Target, ...]]:
        """Yield what each name in ``text`` may mean, left to right, longest name first."""
        norm = fold(text)
        start = 0
        while start < len(norm):
            for end in range(min(len(norm), start + self._longest), start, -1):
                form = norm[start:end]
                if form.isascii() and not _latin_boundary(norm, start, end):
                    continue
                if form in self._cities:
                    yield (_Target(self._cities[form], None),)
                elif form in self._districts:
                    yield self._districts[form]
                else:
                    continue
                start = end
                break
            else:
                start += 1

    def find_places(self, text: str) -> list[Place]:
        """Find the cities and districts named in free text.

        A district several cities have gives one place per city. When the text names a city,
        only districts of named cities count. A city is listed alone only when none of its
        districts is named.

        Args:
            text: Any user text, e.g. ``"我在北京市朝阳区"`` or ``"南山"``.

        Returns:
            The places in the order they are named; ``[]`` when none is.
        """
        mentions = list(self._scan(text))
        named = {m[0].city_id for m in mentions if m[0].district is None}
        targets: dict[_Target, None] = {}
        for mention in mentions:
            if mention[0].district is None:
                targets[mention[0]] = None
                continue
            # A named city wins: 西安鼓楼 is the 鼓楼 of 西安, not a 鼓楼区 elsewhere.
            chosen = [t for t in mention if t.city_id in named] if named else mention
            targets.update(dict.fromkeys(chosen))
        with_district = {t.city_id for t in targets if t.district is not None}
        places = []
        for target in targets:
            city = self.centres.city(target.city_id)
            if city and (target.district is not None or city.id not in with_district):
                places.append(Place(city, target.district))
        return places


def load_places(directory: Path | str | None = None) -> PlaceNames:
    """The names of the service-centre catalogue in ``directory``, built once per folder.

    Args:
        directory: Folder of ``cities.yml`` and ``service_centers.yml``; the packaged
            catalogue folder by default.

    Raises:
        CatalogueError: A file is malformed, or one name names two cities.
    """
    folder = Path(directory) if directory else CATALOG_DIR
    return _load_cached(folder.resolve())


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> PlaceNames:
    return PlaceNames(load_service_centres(folder))


def check_place_names(directory: Path | str | None = None) -> list[str]:
    """``make validate``: the catalogue loads and no name names two cities.

    Returns:
        The problem, or ``[]`` when the names are fine.
    """
    try:
        load_places(directory)
    except CatalogueError as error:
        return [str(error)]
    return []
