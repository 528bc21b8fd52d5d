"""Load the service-centre catalogue: cities, their districts and the centres in them.

Pure data loading and lookup by id: YAML in, frozen dataclasses out. No Rasa, SDK or database
imports. Finding these places in what users type is :mod:`bot.intake.places`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from bot.catalog.geo import distance_km
from bot.catalog.loader import CATALOG_DIR, CatalogueError, _load_yaml, _require

ServiceKind = Literal["store", "home"]
SERVICE_KINDS: tuple[ServiceKind, ...] = ("store", "home")
CITIES_FILE = "cities.yml"
CENTRES_FILE = "service_centers.yml"


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
        district: The district asked for, or ``None`` when none was asked.
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
class ServiceCentreCatalogue:
    """Cities, their districts and the service centres in them."""

    cities: tuple[City, ...]
    centres: tuple[ServiceCentre, ...]
    sample: bool = False
    bare_district_stoplist: tuple[str, ...] = ()

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

    def search_centres(
        self, city_id: str, district: str | None = None, service: str | None = None
    ) -> CentreSearch:
        """Centres of a city, the district's own first choice.

        Args:
            city_id: The city.
            district: The full name of a district of the city (see
                :meth:`bot.intake.places.PlaceNames.resolve_district` for other names).
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
        local = tuple(c for c in centres if c.district == district)
        if local:
            return CentreSearch(city_id, district, local, in_district=True)
        return CentreSearch(city_id, district, centres, in_district=False)

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
    return catalogue
