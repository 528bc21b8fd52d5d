"""Catalogues (devices, faults) loaded from YAML files in ``bot/data/catalog``."""

from bot.catalog.loader import (
    CATALOG_DIR,
    Catalogue,
    DamageKind,
    Device,
    Fault,
    ServiceType,
    load_catalogue,
    load_status_names,
)

__all__ = [
    "CATALOG_DIR",
    "Catalogue",
    "DamageKind",
    "Device",
    "Fault",
    "ServiceType",
    "load_catalogue",
    "load_status_names",
]
