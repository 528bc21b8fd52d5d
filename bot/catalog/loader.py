"""Load and check the device and fault catalogues.

Pure data loading: YAML in, frozen dataclasses out. No Rasa, SDK or database imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.catalog.diagnosis import ENDS, Diagnosis, DiagnosisRecord, DiagnosisStep

CATALOG_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog"

DamageKind = Literal["physical", "liquid"]


class CatalogueError(ValueError):
    """A catalogue file is missing a field or contradicts itself."""


@dataclass(frozen=True)
class Device:
    """A phone model the brand services."""

    id: str
    name: str
    family: str
    launch_date: dt.date
    warranty_months: int
    aliases: tuple[str, ...]
    # The model has a maintenance mode (维修模式) that hides the owner's data from engineers.
    maintenance_mode: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The display name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Fault:
    """A fault category."""

    id: str
    name: str
    covered: bool
    damage: DamageKind | None
    keywords: tuple[str, ...]
    self_help: tuple[str, ...]
    follow_up: tuple[str, ...] = ()
    # Yes/no steps the owner goes through before the repair is booked (bot.catalog.diagnosis).
    diagnosis: Diagnosis = field(default_factory=Diagnosis)

    @property
    def intent(self) -> str | None:
        """The NLU intent that names this fault; ``other`` has none."""
        return None if self.id == "other" else f"fault_{self.id}"


@dataclass(frozen=True)
class ServiceType:
    """A way of carrying out a repair (mail-in, store, home visit)."""

    id: str
    name: str
    needs_city: bool
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """Devices, faults and damage vocabulary of one brand."""

    devices: tuple[Device, ...]
    faults: tuple[Fault, ...]
    damage_keywords: dict[DamageKind, tuple[str, ...]]
    damage_names: dict[DamageKind, str]
    service_types: tuple[ServiceType, ...] = field(default_factory=tuple)
    other_brands: tuple[str, ...] = field(default_factory=tuple)
    # A fault description shorter than this gets the category's follow-up question.
    follow_up_below_chars: int = 0
    # How the diagnosis steps an owner went through are written into the fault description.
    diagnosis_record: DiagnosisRecord = field(default_factory=DiagnosisRecord)

    def service_type(self, service_id: str) -> ServiceType | None:
        """Return the service type with this id, or ``None``."""
        return next((s for s in self.service_types if s.id == service_id), None)

    def device(self, device_id: str) -> Device | None:
        """Return the device with this id, or ``None``."""
        return next((d for d in self.devices if d.id == device_id), None)

    def fault(self, fault_id: str) -> Fault | None:
        """Return the fault category with this id, or ``None``."""
        return next((f for f in self.faults if f.id == fault_id), None)

    def fault_for_intent(self, intent: str | None) -> Fault | None:
        """Return the fault category whose intent is ``intent``, or ``None``."""
        if not intent:
            return None
        return next((f for f in self.faults if f.intent == intent), None)

    def dictionary_words(self) -> list[str]:
        """Words that jieba must keep whole: device names, aliases and fault terms."""
        words: dict[str, None] = {}
        for device in self.devices:
            for name in device.names:
                words.setdefault(name, None)
                words.setdefault(name.replace(" ", ""), None)
        for fault in self.faults:
            for word in (fault.name, *fault.keywords):
                words.setdefault(word, None)
        for service in self.service_types:
            for word in (service.name, *service.keywords):
                words.setdefault(word, None)
        for keywords in self.damage_keywords.values():
            for word in keywords:
                words.setdefault(word, None)
        return [w for w in words if w.strip()]


def _require(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry or entry[key] in (None, ""):
        raise CatalogueError(f"{where}: missing '{key}'")
    return entry[key]


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueError(f"{where}: launch_date '{value}' is not YYYY-MM-DD") from exc


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: expected a mapping at the top level")
    return data


def _parse_devices(data: dict[str, Any], path: Path) -> tuple[Device, ...]:
    default_months = int(data.get("default_warranty_months", 24))
    devices: list[Device] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("devices") or []):
        where = f"{path.name} device #{index + 1}"
        device_id = str(_require(entry, "id", where))
        if device_id in seen:
            raise CatalogueError(f"{where}: duplicate id '{device_id}'")
        seen.add(device_id)
        devices.append(
            Device(
                id=device_id,
                name=str(_require(entry, "name", where)),
                family=str(entry.get("family") or entry["name"]),
                launch_date=_as_date(_require(entry, "launch_date", where), where),
                warranty_months=int(entry.get("warranty_months", default_months)),
                aliases=tuple(str(a) for a in entry.get("aliases") or []),
                maintenance_mode=bool(entry.get("maintenance_mode", False)),
            )
        )
    if not devices:
        raise CatalogueError(f"{path}: no devices")
    return tuple(devices)


def _parse_faults(data: dict[str, Any], path: Path) -> tuple[Fault, ...]:
    faults: list[Fault] = []
    for index, entry in enumerate(data.get("faults") or []):
        where = f"{path.name} fault #{index + 1}"
        damage = entry.get("damage")
        if damage not in (None, "physical", "liquid"):
            raise CatalogueError(f"{where}: damage must be 'physical' or 'liquid'")
        faults.append(
            Fault(
                id=str(_require(entry, "id", where)),
                name=str(_require(entry, "name", where)),
                covered=bool(entry.get("covered", True)),
                damage=damage,
                keywords=tuple(str(k) for k in entry.get("keywords") or []),
                self_help=tuple(str(t) for t in entry.get("self_help") or []),
                follow_up=tuple(str(q) for q in entry.get("follow_up") or []),
                diagnosis=_parse_diagnosis(entry.get("diagnosis"), where),
            )
        )
    seen: set[str] = set()
    for fault in faults:
        if fault.id in seen:
            raise CatalogueError(f"{path.name}: fault id '{fault.id}' appears twice")
        seen.add(fault.id)
    if not any(f.id == "other" for f in faults):
        raise CatalogueError(f"{path}: the 'other' fault category is required")
    return tuple(faults)


def _answer_target(entry: dict[Any, Any], answer: str, where: str) -> str:
    # YAML 1.1 reads an unquoted ``yes:`` / ``no:`` key as a boolean: accept both spellings.
    value = entry.get(answer, entry.get(answer == "yes"))
    if value in (None, ""):
        raise CatalogueError(f"{where}: missing '{answer}'")
    return str(value)


def _parse_diagnosis(entries: Any, where: str) -> Diagnosis:
    """A fault's ``diagnosis`` steps; the graph itself is checked by ``make validate``."""
    if entries in (None, []):
        return Diagnosis()
    if not isinstance(entries, list):
        raise CatalogueError(f"{where}: diagnosis must be a list of steps")
    steps: list[DiagnosisStep] = []
    for index, entry in enumerate(entries):
        at = f"{where} diagnosis step #{index + 1}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{at}: a step needs id, question, yes and no")
        step = DiagnosisStep(
            id=str(_require(entry, "id", at)),
            question=str(_require(entry, "question", at)),
            yes=_answer_target(entry, "yes", at),
            no=_answer_target(entry, "no", at),
        )
        if step.id in ENDS:
            raise CatalogueError(f"{at}: '{step.id}' ends a diagnosis and cannot be a step id")
        if any(s.id == step.id for s in steps):
            raise CatalogueError(f"{at}: duplicate step id '{step.id}'")
        steps.append(step)
    return Diagnosis(tuple(steps))


def _parse_diagnosis_record(data: Any, path: Path) -> DiagnosisRecord:
    if data is None:
        return DiagnosisRecord()
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: diagnosis_record must be a mapping")
    where = f"{path.name} diagnosis_record"
    texts = {
        key: str(_require(data, key, where))
        for key in ("note", "step", "answered_yes", "answered_no", "separator")
    }
    record = DiagnosisRecord(**texts)
    try:
        record.render("", [(DiagnosisStep("x", "x", "solved", "repair"), "yes")])
    except (KeyError, IndexError, ValueError) as exc:
        raise CatalogueError(f"{where}: bad placeholder ({exc})") from exc
    return record


def _parse_service_types(data: dict[str, Any], path: Path) -> tuple[ServiceType, ...]:
    services = []
    for index, entry in enumerate(data.get("service_types") or []):
        where = f"{path.name} service type #{index + 1}"
        services.append(
            ServiceType(
                id=str(_require(entry, "id", where)),
                name=str(_require(entry, "name", where)),
                needs_city=bool(entry.get("needs_city", False)),
                keywords=tuple(str(k) for k in entry.get("keywords") or []),
            )
        )
    if not services:
        raise CatalogueError(f"{path}: no service types")
    return tuple(services)


def load_catalogue(directory: Path | str | None = None, fresh: bool = False) -> Catalogue:
    """Load ``devices.yml``, ``faults.yml`` and ``service_types.yml`` from ``directory``.

    Args:
        directory: Folder holding the catalogue files; the packaged one by default.
        fresh: Read the files again even if they were read before (after editing them).

    Returns:
        The parsed catalogue.

    Raises:
        CatalogueError: A file is malformed.
    """
    folder = Path(directory) if directory else CATALOG_DIR
    if fresh:
        _load_cached.cache_clear()
        _resolved.cache_clear()
    return _load_cached(_resolved(folder))


@lru_cache(maxsize=32)
def _resolved(folder: Path) -> Path:
    """``folder.resolve()``, once: actions ask for the catalogue on every call."""
    return folder.resolve()


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> Catalogue:
    devices_path, faults_path = folder / "devices.yml", folder / "faults.yml"
    device_data, fault_data = _load_yaml(devices_path), _load_yaml(faults_path)
    damage = fault_data.get("damage") or {}
    kinds: tuple[DamageKind, ...] = ("physical", "liquid")
    return Catalogue(
        devices=_parse_devices(device_data, devices_path),
        faults=_parse_faults(fault_data, faults_path),
        damage_keywords={
            k: tuple(str(w) for w in (damage.get(k) or {}).get("keywords") or []) for k in kinds
        },
        damage_names={k: str((damage.get(k) or {}).get("name") or k) for k in kinds},
        service_types=_parse_service_types(
            _load_yaml(folder / "service_types.yml"), folder / "service_types.yml"
        ),
        other_brands=tuple(str(b) for b in device_data.get("other_brands") or []),
        follow_up_below_chars=int(fault_data.get("follow_up_below_chars") or 0),
        diagnosis_record=_parse_diagnosis_record(fault_data.get("diagnosis_record"), faults_path),
    )


@lru_cache(maxsize=1)
def load_status_names(directory: Path | None = None) -> dict[str, str]:
    """Chinese names of ticket statuses from ``ticket_statuses.yml``."""
    data = _load_yaml((directory or CATALOG_DIR) / "ticket_statuses.yml")
    return {str(k): str(v) for k, v in (data.get("statuses") or {}).items()}
