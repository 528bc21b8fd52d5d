"""Load the service-centre catalogue and find cities, districts and centres in it.

Pure data loading and lookup: YAML in, frozen dataclasses out. No Rasa, SDK or database imports.
Text is normalised with NFKC here rather than with ``bot.intake.normalize``: ``bot.intake``
imports ``bot.catalog``, and the catalogue must not import it back.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from bot.catalog.loader import CATALOG_DIR, CatalogueError, _load_yaml, _require

ServiceKind = Literal["store", "home"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("store", "home")
CITIES_FILE = "cities.yml"
CENTRES_FILE = "service_centers.yml"
EARTH_RADIUS_KM = 6371.0

# Longest first: 浦东新区 -> 浦东, not 浦东新.
_DISTRICT_SUFFIXES = ("新区", "区", "县", "市")
_MIN_BARE_LENGTH = 2
# Whitespace is dropped unless it separates two Latin letters or digits (shenzhen nanshan).
_SPACES = re.compile(r"(?<![a-z0-9])\s+|\s+(?![a-z0-9])")


@dataclass(frozen=True)
class City:
    """A city the bot recognises, with or without service centres."""

    id: str
    name: str
    aliases: tuple[str, ...]
    province: str
    lat: float
    lon: float
    districts: tuple[str, ...] = ()
    district_aliases: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ServiceCentre:
    """An authorised service centre."""

    id: str
    city: str
    district: str
    name: str
    address: str
    phone: str
    hours: str
    services: tuple[ServiceKind, ...]


@dataclass(frozen=True)
class Place:
    """A city named by the user, and the district in it when one was named."""

    city: City
    district: str | None = None


@dataclass(frozen=True)
class CentreSearch:
    """Centres of one city, narrowed to a district when it has any.

    Attributes:
        city_id: The city searched.
        district: The district asked for (its full name when it is one of the city's), or
            ``None`` when none was asked.
        centres: The district's centres when ``in_district``, else all of the city's.
        in_district: Every centre listed is in the district asked for.
    """

    city_id: str
    district: str | None
    centres: tuple[ServiceCentre, ...]
    in_district: bool

    @property
    def widened(self) -> bool:
        """A district was asked for but has no centre, so the whole city is listed."""
        return self.district is not None and not self.in_district


@dataclass(frozen=True)
class _Target:
    city_id: str
    district: str | None


def normalise(text: str) -> str:
    """Fold full-width forms and case, and drop spaces between Chinese characters.

    Args:
        text: Any user text.

    Returns:
        The text to match names against, e.g. ``"深圳 南山"`` becomes ``"深圳南山"``.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub("", folded)


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


def distance_km(a: City, b: City) -> float:
    """Great-circle (haversine) distance between two cities in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _is_latin(form: str) -> bool:
    return form.isascii()


def _latin_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


@dataclass(frozen=True)
class ServiceCentreCatalogue:
    """Cities, their districts and the service centres in them."""

    cities: tuple[City, ...]
    centres: tuple[ServiceCentre, ...]
    sample: bool = False
    bare_district_stoplist: tuple[str, ...] = ()

    # ----------------------------------------------------------------- indexes

    @cached_property
    def _city_forms(self) -> dict[str, str]:
        """Normalised city id, name and aliases -> city id."""
        forms: dict[str, str] = {}
        for city in self.cities:
            for form in (city.id, *city.names):
                key = normalise(form)
                if forms.setdefault(key, city.id) != city.id:
                    raise CatalogueError(
                        f"{CITIES_FILE}: '{form}' names both '{forms[key]}' and '{city.id}'"
                    )
        return forms

    @cached_property
    def _district_forms(self) -> dict[str, tuple[_Target, ...]]:
        """Normalised district names, bare or full, -> the districts they may mean."""
        blocked = {normalise(w) for w in self.bare_district_stoplist}
        blocked |= {normalise(c.province) for c in self.cities}
        blocked |= set(self._city_forms)
        forms: dict[str, dict[_Target, None]] = {}
        for city in self.cities:
            for name, district in (*((d, d) for d in city.districts), *city.district_aliases):
                target = _Target(city.id, district)
                forms.setdefault(normalise(name), {})[target] = None
                bare = bare_district_name(name)
                if bare and normalise(bare) not in blocked:
                    forms.setdefault(normalise(bare), {})[target] = None
        return {form: tuple(targets) for form, targets in forms.items()}

    @cached_property
    def _longest_form(self) -> int:
        return max(len(f) for f in (*self._city_forms, *self._district_forms))

    # ----------------------------------------------------------------- lookups

    def city(self, city_id: str) -> City | None:
        """Return the city with this id, or ``None``."""
        return next((c for c in self.cities if c.id == city_id), None)

    def centre(self, centre_id: str) -> ServiceCentre | None:
        """Return the service centre with this id, or ``None``."""
        return next((c for c in self.centres if c.id == centre_id), None)

    def has_centre(self, city_id: str) -> bool:
        """Whether at least one centre is in this city."""
        return any(c.city == city_id for c in self.centres)

    def cities_with_centres(self) -> list[City]:
        """Cities with at least one centre, in file order."""
        return [c for c in self.cities if self.has_centre(c.id)]

    def resolve_city(self, name: str) -> City | None:
        """The city an entity value names.

        Args:
            name: A city name, alias or id, e.g. ``"深圳"``, ``"深圳市"``, ``"shenzhen"``.

        Returns:
            The city, or ``None`` when ``name`` is not exactly one of its names.
        """
        key = normalise(name).strip()
        city_id = self._city_forms.get(key)
        if city_id is None and key.endswith("市"):
            city_id = self._city_forms.get(key[:-1])
        return self.city(city_id) if city_id else None

    def resolve_district(self, city_id: str, name: str) -> str | None:
        """The full name of a district of ``city_id``.

        Args:
            city_id: The city the district should be in.
            name: A district name with or without its suffix, e.g. ``"南山"``.

        Returns:
            E.g. ``"南山区"``, or ``None`` when the city has no such district. Inside a known
            city a bare name is accepted even when it is stop-listed for free text (和平).
        """
        city = self.city(city_id)
        key = normalise(name).strip()
        if city is None or not key:
            return None
        for form, district in (*((d, d) for d in city.districts), *city.district_aliases):
            if key in (normalise(form), normalise(bare_district_name(form) or form)):
                return district
        return None

    def _scan(self, text: str) -> Iterator[tuple[_Target, ...]]:
        """Yield what each name in ``text`` may mean, left to right, longest name first."""
        norm = normalise(text)
        start = 0
        while start < len(norm):
            for end in range(min(len(norm), start + self._longest_form), start, -1):
                form = norm[start:end]
                if _is_latin(form) and not _latin_boundary(norm, start, end):
                    continue
                if form in self._city_forms:
                    yield (_Target(self._city_forms[form], None),)
                elif form in self._district_forms:
                    yield self._district_forms[form]
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
            city = self.city(target.city_id)
            if city and (target.district is not None or city.id not in with_district):
                places.append(Place(city, target.district))
        return places

    def search_centres(
        self, city_id: str, district: str | None = None, service: str | None = None
    ) -> CentreSearch:
        """Centres of a city, the district's own first choice.

        Args:
            city_id: The city.
            district: A district of the city, with or without its suffix.
            service: Keep only centres offering this service (``store`` or ``home``).

        Returns:
            The district's centres when it has any (``in_district``), else every centre of
            the city (``widened`` when a district was asked for). No centres for an unknown
            city or service.
        """
        centres = tuple(
            c
            for c in self.centres
            if c.city == city_id and (service is None or service in c.services)
        )
        if district is None:
            return CentreSearch(city_id, None, centres, in_district=False)
        full = self.resolve_district(city_id, district) or district
        local = tuple(c for c in centres if c.district == full)
        if local:
            return CentreSearch(city_id, full, local, in_district=True)
        return CentreSearch(city_id, full, centres, in_district=False)

    def centres_in(
        self, city_id: str, district: str | None = None, service: str | None = None
    ) -> list[ServiceCentre]:
        """The centres :meth:`search_centres` lists; use it to know whether they are local."""
        return list(self.search_centres(city_id, district, service).centres)

    def nearest_with_centre(self, city_id: str) -> tuple[City, float]:
        """The nearest other city that has a centre.

        Args:
            city_id: The user's city.

        Returns:
            That city and its great-circle distance in kilometres.

        Raises:
            KeyError: ``city_id`` is not in the catalogue.
            LookupError: No other city has a centre.
        """
        origin = self.city(city_id)
        if origin is None:
            raise KeyError(city_id)
        candidates = [c for c in self.cities_with_centres() if c.id != city_id]
        if not candidates:
            raise LookupError(f"no city other than '{city_id}' has a service centre")
        return min(((c, distance_km(origin, c)) for c in candidates), key=lambda p: p[1])


# --------------------------------------------------------------------- loading


def _entries(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    entries = data.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogueError(f"{path.name}: '{key}' must be a list of mappings")
    return cast(list[dict[str, Any]], entries)


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: '{key}' must be a list")
    return tuple(str(v) for v in value)


def _coordinate(entry: dict[str, Any], key: str, limit: float, where: str) -> float:
    value = _require(entry, key, where)
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise CatalogueError(f"{where}: '{key}' must be a number") from exc
    if not -limit <= number <= limit:
        raise CatalogueError(f"{where}: '{key}' {number} is out of range")
    return number


def _parse_city(entry: dict[str, Any], where: str) -> City:
    districts = _names(entry.get("districts"), where, "districts")
    if len(set(districts)) != len(districts):
        raise CatalogueError(f"{where}: a district is listed twice")
    aliases = entry.get("district_aliases") or {}
    if not isinstance(aliases, dict):
        raise CatalogueError(f"{where}: 'district_aliases' must be a mapping")
    for alias, district in aliases.items():
        if district not in districts:
            raise CatalogueError(f"{where}: alias '{alias}' names unknown district '{district}'")
    return City(
        id=str(_require(entry, "id", where)),
        name=str(_require(entry, "name", where)),
        aliases=_names(entry.get("aliases"), where, "aliases"),
        province=str(_require(entry, "province", where)),
        lat=_coordinate(entry, "lat", 90, where),
        lon=_coordinate(entry, "lon", 180, where),
        districts=districts,
        district_aliases=tuple((str(a), str(d)) for a, d in aliases.items()),
    )


def _parse_cities(data: dict[str, Any], path: Path) -> tuple[City, ...]:
    cities: list[City] = []
    seen: set[str] = set()
    for index, entry in enumerate(_entries(data, "cities", path)):
        city = _parse_city(entry, f"{path.name} city #{index + 1}")
        if city.id in seen:
            raise CatalogueError(f"{path.name} city #{index + 1}: duplicate id '{city.id}'")
        seen.add(city.id)
        cities.append(city)
    if not cities:
        raise CatalogueError(f"{path}: no cities")
    return tuple(cities)


def _parse_services(entry: dict[str, Any], where: str) -> tuple[ServiceKind, ...]:
    services = _names(entry.get("services"), where, "services")
    if not services:
        raise CatalogueError(f"{where}: 'services' is empty; use store and/or home")
    unknown = [s for s in services if s not in SERVICE_KINDS]
    if unknown:
        raise CatalogueError(
            f"{where}: unknown service '{unknown[0]}' (expected one of {', '.join(SERVICE_KINDS)})"
        )
    return tuple(cast(ServiceKind, s) for s in dict.fromkeys(services))


def _parse_centres(
    data: dict[str, Any], path: Path, cities: dict[str, City]
) -> tuple[ServiceCentre, ...]:
    centres: list[ServiceCentre] = []
    seen: set[str] = set()
    for index, entry in enumerate(_entries(data, "centres", path)):
        where = f"{path.name} centre #{index + 1}"
        centre_id = str(_require(entry, "id", where))
        if centre_id in seen:
            raise CatalogueError(f"{where}: duplicate id '{centre_id}'")
        seen.add(centre_id)
        city_id = str(_require(entry, "city", where))
        city = cities.get(city_id)
        if city is None:
            raise CatalogueError(f"{where} ({centre_id}): unknown city id '{city_id}'")
        district = str(_require(entry, "district", where))
        if district not in city.districts:
            raise CatalogueError(
                f"{where} ({centre_id}): district '{district}' is not in the districts of "
                f"'{city_id}' in {CITIES_FILE}"
            )
        centres.append(
            ServiceCentre(
                id=centre_id,
                city=city_id,
                district=district,
                name=str(_require(entry, "name", where)),
                address=str(_require(entry, "address", where)),
                phone=str(_require(entry, "phone", where)),
                hours=str(_require(entry, "hours", where)),
                services=_parse_services(entry, where),
            )
        )
    if not centres:
        raise CatalogueError(f"{path}: no centres")
    return tuple(centres)


def load_service_centres(directory: Path | str | None = None) -> ServiceCentreCatalogue:
    """Load ``cities.yml`` and ``service_centers.yml`` from ``directory``.

    Args:
        directory: Folder holding both files; the packaged catalogue folder by default.

    Returns:
        The checked catalogue.

    Raises:
        CatalogueError: A file is malformed or the files contradict each other.
    """
    folder = Path(directory) if directory else CATALOG_DIR
    return _load_cached(folder.resolve())


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> ServiceCentreCatalogue:
    cities_path, centres_path = folder / CITIES_FILE, folder / CENTRES_FILE
    city_data, centre_data = _load_yaml(cities_path), _load_yaml(centres_path)
    cities = _parse_cities(city_data, cities_path)
    catalogue = ServiceCentreCatalogue(
        cities=cities,
        centres=_parse_centres(centre_data, centres_path, {c.id: c for c in cities}),
        sample=bool(centre_data.get("sample", False)),
        bare_district_stoplist=_names(
            city_data.get("bare_district_stoplist"), cities_path.name, "bare_district_stoplist"
        ),
    )
    # Build the name indexes now so that a name given to two cities fails at load time.
    _ = catalogue._district_forms
    return catalogue
