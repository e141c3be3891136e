"""The association's branches, nearest first from where a beneficiary is."""

from __future__ import annotations

from dataclasses import dataclass
from math import asin, cos, radians, sin, sqrt

from bot.profile import Branch

EARTH_RADIUS_KM = 6371.0088  # the mean radius


@dataclass(frozen=True, slots=True)
class NearBranch:
    branch: Branch
    km: float


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine), good to a few metres at a city's scale."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    h = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def nearest(branches: tuple[Branch, ...], latitude: float, longitude: float) -> list[NearBranch]:
    """Every branch with its distance from the point, nearest first (ties by profile order)."""
    near = [
        NearBranch(b, distance_km(latitude, longitude, b.latitude, b.longitude)) for b in branches
    ]
    return sorted(near, key=lambda n: n.km)
