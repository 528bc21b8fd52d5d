"""Distances between places given by latitude and longitude."""

from __future__ import annotations

import math
from typing import Protocol

__all__ = ["EARTH_RADIUS_KM", "Located", "distance_km"]

EARTH_RADIUS_KM = 6371.0


class Located(Protocol):
    """Anything with a latitude and a longitude in degrees, such as a catalogue city."""

    @property
    def lat(self) -> float:
        """Latitude in degrees, north positive."""

    @property
    def lon(self) -> float:
        """Longitude in degrees, east positive."""


def distance_km(a: Located, b: Located) -> float:
    """Great-circle (haversine) distance between two places in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
