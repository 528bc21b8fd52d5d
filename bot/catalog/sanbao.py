"""The 三包 catalogue (``sanbao.yml``): return / exchange days, repair periods per part.

Pure data loading: no Rasa, SDK or database imports. The rules that apply it are
:mod:`bot.intake.sanbao`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.catalog.loader import CATALOG_DIR, CatalogueError, load_catalogue

FILE_NAME = "sanbao.yml"
#: The 三包 options, from the strongest: their ids are stored on tickets (``remedy``).
REMEDY_IDS: tuple[str, ...] = ("return", "exchange", "repair")
#: The part a fault concerns when ``fault_parts`` does not name one.
MAIN_UNIT = "main_unit"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SanbaoPart:
    """The main unit or an accessory, with its 三包 periods.

    Attributes:
        id: Part id, e.g. ``main_unit``, ``charger``.
        name: Chinese name.
        repair_months: The national repair period (free repair of a performance fault).
        brand_months: The brand's own period when longer; None when the brand gives no more
            (the main unit's brand period is each phone's ``warranty_months``).
        return_days: Days after purchase in which a faulty part may be returned (0: never).
        exchange_days: Days after purchase in which it may be exchanged (0: never).
        keywords: Words owners call it by besides its name (``耳机``, ``充电头``).
    """

    id: str
    name: str
    repair_months: int
    brand_months: int | None
    return_days: int
    exchange_days: int
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Remedy:
    """One 三包 option as owners and agents see it.

    Attributes:
        id: ``return``, ``exchange`` or ``repair``.
        name: Chinese name (``退货``).
        keywords: Words an owner answers with to choose it.
    """

    id: str
    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SanbaoCatalogue:
    """Everything of ``sanbao.yml``.

    Attributes:
        return_days: Default days for a return.
        exchange_days: Default days for an exchange.
        parts: The main unit first, then the accessories.
        fault_parts: Part id by fault category id.
        remedies: The options in :data:`REMEDY_IDS` order.
        separator: Between the options' names when the bot lists them.
    """

    return_days: int
    exchange_days: int
    parts: tuple[SanbaoPart, ...]
    fault_parts: MappingProxyType[str, str]
    remedies: tuple[Remedy, ...]
    separator: str

    def part(self, part_id: str) -> SanbaoPart | None:
        """The part ``part_id``, or None."""
        return next((p for p in self.parts if p.id == part_id), None)

    @property
    def main_unit(self) -> SanbaoPart:
        """The phone itself."""
        part = self.part(MAIN_UNIT)
        assert part is not None  # the loader requires it
        return part

    def part_for_fault(self, fault_id: str | None) -> SanbaoPart:
        """The part a fault category concerns (the main unit unless ``fault_parts`` says)."""
        return self.part(self.fault_parts.get(fault_id or "", MAIN_UNIT)) or self.main_unit

    def accessory_named(self, text: str) -> SanbaoPart | None:
        """The accessory ``text`` names by its name or a keyword (the longest match), or None."""
        found = [
            (len(word), part)
            for part in self.parts
            if part.id != MAIN_UNIT
            for word in (part.name, *part.keywords)
            if word in text
        ]
        return max(found, key=lambda match: match[0])[1] if found else None

    def remedy(self, remedy_id: str) -> Remedy | None:
        """The option ``remedy_id``, or None."""
        return next((r for r in self.remedies if r.id == remedy_id), None)


def _whole(value: Any, where: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CatalogueError(f"{FILE_NAME}: {where} must be a whole number from {low} to {high}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{FILE_NAME}: {where} needs a Chinese name")
    return value.strip()


def _part(raw: Any, index: int, defaults: dict[str, int]) -> SanbaoPart:
    where = f"parts #{index}"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{FILE_NAME}: {where} must be a mapping")
    part_id = str(raw.get("id") or "")
    if not _ID.match(part_id):
        raise CatalogueError(f"{FILE_NAME}: {where} needs an id of lower-case letters and _")
    where = f"parts.{part_id}"
    brand = raw.get("brand_months")
    keywords = raw.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise CatalogueError(f"{FILE_NAME}: {where}.keywords must list words")
    days = {
        name: _whole(raw.get(name, default), f"{where}.{name}", low=0, high=365)
        for name, default in defaults.items()
    }
    return SanbaoPart(
        id=part_id,
        name=_text(raw.get("name"), where),
        repair_months=_whole(raw.get("repair_months"), f"{where}.repair_months", low=1, high=120),
        brand_months=None
        if brand is None
        else _whole(brand, f"{where}.brand_months", low=1, high=120),
        return_days=days["return_days"],
        exchange_days=days["exchange_days"],
        keywords=tuple(keywords),
    )


def _remedies(raw: Any) -> tuple[Remedy, ...]:
    if not isinstance(raw, dict) or set(raw) != set(REMEDY_IDS):
        raise CatalogueError(f"{FILE_NAME}: remedies must have exactly {', '.join(REMEDY_IDS)}")
    remedies = []
    for remedy_id in REMEDY_IDS:
        entry = raw[remedy_id]
        if not isinstance(entry, dict):
            raise CatalogueError(f"{FILE_NAME}: remedies.{remedy_id} must be a mapping")
        keywords = entry.get("keywords") or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
            raise CatalogueError(f"{FILE_NAME}: remedies.{remedy_id}.keywords must list words")
        name = _text(entry.get("name"), f"remedies.{remedy_id}")
        remedies.append(Remedy(remedy_id, name, (name, *keywords)))
    return tuple(remedies)


def parse_sanbao(raw: Any) -> SanbaoCatalogue:
    """Check and convert the content of ``sanbao.yml``.

    Raises:
        CatalogueError: A part is missing, malformed or contradicts another.
    """
    if not isinstance(raw, dict):
        raise CatalogueError(f"{FILE_NAME}: expected a mapping at the top level")
    return_days = _whole(raw.get("return_days"), "return_days", low=0, high=365)
    exchange_days = _whole(raw.get("exchange_days"), "exchange_days", low=0, high=365)
    defaults = {"return_days": return_days, "exchange_days": exchange_days}
    raw_parts = raw.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise CatalogueError(f"{FILE_NAME}: parts must list the main unit and accessories")
    parts = tuple(_part(p, i, defaults) for i, p in enumerate(raw_parts, start=1))
    ids = [p.id for p in parts]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"{FILE_NAME}: a part id is listed twice")
    if MAIN_UNIT not in ids:
        raise CatalogueError(f"{FILE_NAME}: parts must include {MAIN_UNIT}")
    fault_parts = raw.get("fault_parts") or {}
    if not isinstance(fault_parts, dict) or not all(str(v) in ids for v in fault_parts.values()):
        raise CatalogueError(f"{FILE_NAME}: fault_parts must map fault ids to listed part ids")
    return SanbaoCatalogue(
        return_days=return_days,
        exchange_days=exchange_days,
        parts=parts,
        fault_parts=MappingProxyType({str(k): str(v) for k, v in fault_parts.items()}),
        remedies=_remedies(raw.get("remedies")),
        separator=str(raw.get("separator") or ""),
    )


@lru_cache(maxsize=4)
def load_sanbao(directory: Path | None = None) -> SanbaoCatalogue:
    """Read ``sanbao.yml`` (cached).

    Args:
        directory: Catalogue directory; the shipped one by default.

    Raises:
        CatalogueError: The file is malformed (see :func:`parse_sanbao`).
    """
    path = (directory or CATALOG_DIR) / FILE_NAME
    with path.open(encoding="utf-8") as handle:
        return parse_sanbao(yaml.safe_load(handle))


def check_sanbao(directory: Path | None = None) -> list[str]:
    """``make validate``: ``sanbao.yml`` loads and ``fault_parts`` names catalogue faults.

    Args:
        directory: Catalogue directory; the shipped one by default.

    Returns:
        The problems, or ``[]`` when the file is fine.
    """
    path = (directory or CATALOG_DIR) / FILE_NAME
    try:
        with path.open(encoding="utf-8") as handle:
            sanbao = parse_sanbao(yaml.safe_load(handle))
        faults = {fault.id for fault in load_catalogue(directory, fresh=True).faults}
    except (OSError, yaml.YAMLError, CatalogueError) as error:
        return [str(error)]
    return [
        f"{FILE_NAME}: fault_parts names {fault_id!r}, which is not a fault of faults.yml"
        for fault_id in sanbao.fault_parts
        if fault_id not in faults
    ]
