"""The database engine decides «within the radius» on the sphere and asks geopy only near the edge: the bounds
it trusts must hold against geopy's geodesic."""

import math
import random

from geopy.distance import geodesic

from search.geometry import geodesic_km, geodesic_ratio_bounds, key_km, km_key, sphere_key


def test_geodesic_km_is_geopys_figure():
    random.seed(5)
    for _ in range(500):
        a = (random.uniform(-85, 85), random.uniform(-180, 180))
        b = (random.uniform(-85, 85), random.uniform(-180, 180))
        assert geodesic_km(*a, *b) == geodesic(a, b).km


def test_the_sphere_decides_only_where_the_ratio_bounds_make_it_certain():
    random.seed(11)
    undecided = 0
    for _ in range(20_000):
        latitude, longitude = random.uniform(-85, 85), random.uniform(-180, 180)
        radius = random.choice([random.uniform(0.05, 5), random.uniform(5, 250), random.uniform(250, 2000)])
        lowest, highest = geodesic_ratio_bounds(latitude, radius)
        # A point close to the circle, in any direction.
        distance, azimuth = radius * random.uniform(0.98, 1.02), random.uniform(0, 2 * math.pi)
        other_latitude = latitude + distance / 111 * math.cos(azimuth)
        if abs(other_latitude) > 89:
            continue
        other_longitude = longitude + distance / (111 * max(0.05, math.cos(math.radians(latitude)))) * math.sin(azimuth)
        other_longitude = (other_longitude + 180) % 360 - 180
        on_sphere = key_km(sphere_key(latitude, longitude, other_latitude, other_longitude))
        real = geodesic_km(latitude, longitude, other_latitude, other_longitude)
        if on_sphere <= radius / highest:
            assert real <= radius, (latitude, longitude, other_latitude, other_longitude, radius)
        elif on_sphere > radius / lowest:
            assert real > radius, (latitude, longitude, other_latitude, other_longitude, radius)
        else:
            undecided += 1
    assert 0 < undecided < 20_000 * 0.3  # geopy is asked about a minority of the points near the edge


def test_keys_and_kilometres_convert_both_ways():
    for km in (0.0, 0.5, 25.0, 1000.0, 20_000.0):
        assert math.isclose(key_km(km_key(km)), km, rel_tol=1e-9, abs_tol=1e-9)
    assert km_key(30_000.0) == 1.0
