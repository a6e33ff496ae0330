"""Great-circle distance from the warehouse and what shipping that far costs."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

WAREHOUSE = (51.164896, 7.068792)  # latitude, longitude in degrees
EARTH_RADIUS_KM = 6371.0
EUR_PER_KM = Decimal("0.05")
# Half the Earth's circumference: no place on it is farther from the warehouse.
MAX_DISTANCE_KM = round(math.pi * EARTH_RADIUS_KM)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_from_warehouse(latitude: float, longitude: float) -> int:
    """Whole kilometres from the warehouse to the point."""
    return round(haversine_km(*WAREHOUSE, latitude, longitude))


def cost_for(distance_km: int) -> float:
    """The shipping cost in EUR for a distance in whole km, to the cent."""
    cents = (EUR_PER_KM * distance_km).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(cents)


def quote(latitude: float, longitude: float) -> dict[str, float | int]:
    distance = distance_from_warehouse(latitude, longitude)
    return {"distance": distance, "cost": cost_for(distance)}
