"""Load the out-of-warranty repair price catalogue and quote from it.

Pure data loading and lookup by id: YAML in, frozen dataclasses out. No Rasa, SDK or database
imports. Finding the part a user names is :mod:`bot.intake.parts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.catalog.loader import CATALOG_DIR, CatalogueError, _load_yaml, _parse_devices, _require

PRICES_FILE = "repair_prices.yml"
DEVICES_FILE = "devices.yml"


@dataclass(frozen=True)
class RepairPart:
    """A part replaced in an out-of-warranty repair."""

    id: str
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class PriceQuote:
    """The reference price of one part for one device."""

    device_id: str
    part_id: str
    part_name: str
    price_yuan: int


@dataclass(frozen=True)
class PriceCatalogue:
    """Repair parts and their reference prices per device."""

    currency: str
    labour_yuan: int
    list_line: str
    parts: tuple[RepairPart, ...]
    prices: dict[str, dict[str, int]]

    def part(self, part_id: str) -> RepairPart | None:
        """Return the part with this id, or ``None``."""
        return next((p for p in self.parts if p.id == part_id), None)

    def quote(self, device_id: str, part_id: str) -> PriceQuote | None:
        """The reference price of ``part_id`` for ``device_id``, or ``None`` if unknown."""
        part = self.part(part_id)
        price = self.prices.get(device_id, {}).get(part_id)
        if part is None or price is None:
            return None
        return PriceQuote(device_id, part.id, part.name, price)

    def quotes_for_device(self, device_id: str) -> list[PriceQuote]:
        """Every part's reference price for ``device_id`` in catalogue order; ``[]`` if unknown."""
        quotes = (self.quote(device_id, part.id) for part in self.parts)
        return [q for q in quotes if q is not None]


def _parse_parts(data: dict[str, Any], path: Path) -> tuple[RepairPart, ...]:
    parts: list[RepairPart] = []
    entries = data.get("parts") or []
    if not isinstance(entries, list):
        raise CatalogueError(f"{path.name}: 'parts' must be a list")
    for index, entry in enumerate(entries):
        where = f"{path.name} part #{index + 1}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: expected a mapping")
        part = RepairPart(
            id=str(_require(entry, "id", where)),
            name=str(_require(entry, "name", where)),
            keywords=tuple(str(k) for k in entry.get("keywords") or []),
        )
        if any(p.id == part.id for p in parts):
            raise CatalogueError(f"{where}: duplicate id '{part.id}'")
        parts.append(part)
    if not parts:
        raise CatalogueError(f"{path}: no parts")
    return tuple(parts)


def _price(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CatalogueError(f"{where}: price must be a positive whole number of yuan")
    return value


def _parse_prices(
    data: dict[str, Any], path: Path, device_ids: list[str], part_ids: list[str]
) -> dict[str, dict[str, int]]:
    table = data.get("prices") or {}
    if not isinstance(table, dict):
        raise CatalogueError(f"{path.name}: 'prices' must be a mapping of device id to prices")
    unknown = [str(d) for d in table if d not in device_ids]
    if unknown:
        raise CatalogueError(
            f"{path.name}: unknown device id(s) {', '.join(unknown)} (not in {DEVICES_FILE})"
        )
    missing = [d for d in device_ids if d not in table]
    if missing:
        raise CatalogueError(f"{path.name}: no prices for device(s) {', '.join(missing)}")
    prices: dict[str, dict[str, int]] = {}
    for device_id in device_ids:
        row = table[device_id]
        where = f"{path.name} prices of '{device_id}'"
        if not isinstance(row, dict):
            raise CatalogueError(f"{where}: expected a mapping of part id to price")
        extra = [str(p) for p in row if p not in part_ids]
        if extra:
            raise CatalogueError(f"{where}: unknown part id(s) {', '.join(extra)}")
        absent = [p for p in part_ids if p not in row]
        if absent:
            raise CatalogueError(f"{where}: missing part(s) {', '.join(absent)}")
        prices[device_id] = {p: _price(row[p], f"{where}, {p}") for p in part_ids}
    return prices


def load_prices(directory: Path | str | None = None) -> PriceCatalogue:
    """Load ``repair_prices.yml`` and check it against ``devices.yml`` in ``directory``.

    Args:
        directory: Folder holding both files; the packaged catalogue folder by default.

    Returns:
        The checked price catalogue.

    Raises:
        CatalogueError: A file is malformed, or a device or part has no price.
    """
    folder = Path(directory) if directory else CATALOG_DIR
    return _load_cached(folder.resolve())


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> PriceCatalogue:
    prices_path, devices_path = folder / PRICES_FILE, folder / DEVICES_FILE
    data = _load_yaml(prices_path)
    devices = _parse_devices(_load_yaml(devices_path), devices_path)
    parts = _parse_parts(data, prices_path)
    labour = data.get("labour_yuan", 0)
    if isinstance(labour, bool) or not isinstance(labour, int) or labour < 0:
        raise CatalogueError(f"{prices_path.name}: labour_yuan must be a whole number >= 0")
    return PriceCatalogue(
        currency=str(_require(data, "currency", prices_path.name)),
        labour_yuan=labour,
        list_line=str(_require(data, "list_line", prices_path.name)),
        parts=parts,
        prices=_parse_prices(data, prices_path, [d.id for d in devices], [p.id for p in parts]),
    )
