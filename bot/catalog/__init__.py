"""Catalogues (devices, faults) loaded from YAML files in ``bot/data/catalog``."""

from bot.catalog.geo import distance_km
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
from bot.catalog.prices import PriceCatalogue, PriceQuote, RepairPart, load_prices
from bot.catalog.service_centers import (
    CentreSearch,
    City,
    Place,
    ServiceCentre,
    ServiceCentreCatalogue,
    ServiceKind,
    load_service_centres,
)

__all__ = [
    "CATALOG_DIR",
    "Catalogue",
    "CentreSearch",
    "City",
    "DamageKind",
    "Device",
    "Fault",
    "Place",
    "PriceCatalogue",
    "PriceQuote",
    "RepairPart",
    "ServiceCentre",
    "ServiceCentreCatalogue",
    "ServiceKind",
    "ServiceType",
    "distance_km",
    "load_catalogue",
    "load_prices",
    "load_service_centres",
    "load_status_names",
]
