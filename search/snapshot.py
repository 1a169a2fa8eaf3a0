"""What the database engine keeps of the search table in this process, read again when the table changes.

`current()` reads `SearchState.generation` (one primary-key lookup) on every search; when it differs from the
kept one, the facet and filter postings (a few hundred bit sets), the vocabulary, the order of the rows by name
and the places of the rows are read again (≈ 0.1–0.3 s at 50,000 rows, once per change in each process). A
search then reads only the postings of its words (`text_postings`) and the cards of its page.
"""

from __future__ import annotations

import math
import threading
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from django.db import connection

from directory import selectors

from . import bitsets, postings, references
from . import rows as search_rows
from .geometry import (
    DEGREE,
    EARTH_RADIUS_KM,
    SPHERE_MARGIN,
    box,
    decisive_keys,
    geodesic_km,
    key_km,
    km_key,
    sphere_key,
)
from .models import SearchPosting, SearchRow

FEW_ROWS = 2000  # a set this small is sorted by distance row by row
REPEATED_WALK_MAX = 20_000  # rows of repeated names a search walks to find the first of each name it found

_lock = threading.Lock()
_kept: dict[str, Snapshot] = {}


@dataclass
class Snapshot:
    """Plain arrays rather than lists and dicts of Python objects: they load faster, and the garbage collector
    does not walk fifty thousand entries of them at every full collection."""

    generation: int
    facets: dict[str, int]  # every key but the words' → its rows
    text_words: list[str]  # sorted
    name_words: list[str]
    sal_ids: array  # position → the row's id (a service at a location); 0 for a free position
    by_name: array  # positions in the order of (name, id)
    rank: array  # position → its place in `by_name`
    # Every public place, by latitude: its coordinates and its rows' positions, `place_rows[starts[i]:starts[i+1]]`.
    latitudes: array
    longitudes: array
    cos_latitudes: array
    starts: array
    place_rows: array
    row_latitudes: array  # position → the latitude of its public place (NaN: none)
    row_longitudes: array
    placed: int  # rows with a public place
    # A service name at several rows (one service at several places, or the same service of every district's
    # centre: «Социальное сопровождение семей с детьми»): its first row in the order of names → its other rows.
    # A list by relevance shows such a name once before any of its other rows (`repeated_names`).
    name_siblings: dict[int, int] = field(default_factory=dict)
    name_firsts: int = 0  # the keys of `name_siblings`, as a set
    name_group: array = field(default_factory=lambda: array("i"))  # position → its repeated name's number, or -1
    repeated_rows: int = 0  # the rows of a repeated name, as a set
    _open: tuple[str, int] = ("", 0)

    def repeated_names(self, selection: int) -> int:
        """The rows of `selection` whose service name has an earlier row in it (in the order of names): a list by
        relevance shows them after every other row."""
        rows = selection & self.repeated_rows
        if not rows:
            return 0
        positions = bitsets.positions(rows)
        if len(positions) > REPEATED_WALK_MAX:  # a very broad query: the first row of each name in the whole table
            present = selection & self.name_firsts
            return (
                bitsets.union(self.name_siblings[p] for p in bitsets.positions(present)) & selection if present else 0
            )
        seen: set[int] = set()
        repeated = []
        for position in sorted(positions, key=self.rank.__getitem__):
            group = self.name_group[position]
            if group in seen:
                repeated.append(position)
            seen.add(group)
        return bitsets.from_positions(sorted(repeated))

    @property
    def rows(self) -> int:
        return self.facets.get(postings.ROW, 0)

    # ------------------------------------------------------------------ reference lists

    def reference(self, name: str):
        """Taxonomy and the facets' objects (`target_group`, `municipality`, `settlement`, `provider_type`)."""
        return references.get(name)

    # ------------------------------------------------------------------ words

    def words(self, kind: str, prefix: str) -> list[str]:
        """Indexed words of the text (`t`) or of the names (`n`) that start with `prefix`."""
        vocabulary = self.text_words if kind == SearchPosting.Kind.TEXT else self.name_words
        start = bisect_left(vocabulary, prefix)
        end = start
        while end < len(vocabulary) and vocabulary[end].startswith(prefix):
            end += 1
        return vocabulary[start:end]

    def open_now(self) -> int:
        """Rows open at this minute (hours are kept to the minute; their edits change the generation)."""
        minute = f"{selectors.local_now():%Y-%m-%dT%H:%M}"
        if self._open[0] != minute:
            found = SearchRow.objects.filter(selectors.open_now_q(prefix="", location_field="location_id"))
            self._open = (minute, bitsets.from_positions(found.values_list("position", flat=True)))
        return self._open[1]

    # ------------------------------------------------------------------ order

    def first_by_name(self, bits: int, count: int) -> list[int]:
        """The first `count` rows of `bits` in the order of their names."""
        found = bits.bit_count()
        if not found or count <= 0:
            return []
        # Walk the rows in name order until enough of them are in the set (about count × rows / found steps), or,
        # when that would be longer than the set itself, sort the set.
        if count * len(self.by_name) > 2 * found * found:
            return sorted(bitsets.positions(bits), key=self.rank.__getitem__)[:count]
        data = bitsets.to_bytes(bits)
        size = len(data)
        result = []
        for position in self.by_name:
            index = position >> 3
            if index < size and data[index] >> (position & 7) & 1:
                result.append(position)
                if len(result) == count:
                    break
        return result

    # ------------------------------------------------------------------ places

    def _points_within(self, latitude: float, longitude: float, radius: float) -> list[tuple[float, float, float, int]]:
        """(sphere key, latitude, longitude, index) of the places within `radius` km on the sphere, in no order."""
        lat_delta, lon_delta = box(latitude, radius)
        if lon_delta >= 180 or lat_delta >= 90:
            low, high = 0, len(self.latitudes)
        else:
            low = bisect_left(self.latitudes, latitude - lat_delta)
            high = bisect_right(self.latitudes, latitude + lat_delta)
        found = []
        latitudes, longitudes, cosines = self.latitudes, self.longitudes, self.cos_latitudes
        # `sphere_key` inlined, with the cosines of the places' latitudes computed once per snapshot.
        cos_latitude, sin, half_degree, limit = math.cos(latitude * DEGREE), math.sin, DEGREE / 2, km_key(radius)
        for index in range(low, high):
            point_longitude = longitudes[index]
            if abs(point_longitude - longitude) > lon_delta:
                continue
            point_latitude = latitudes[index]
            half_lat = sin((point_latitude - latitude) * half_degree)
            half_lon = sin((point_longitude - longitude) * half_degree)
            key = half_lat * half_lat + cos_latitude * cosines[index] * half_lon * half_lon
            if key <= limit:
                found.append((key, point_latitude, point_longitude, index))
        return found

    def _rows_at(self, index: int) -> array:
        return self.place_rows[self.starts[index] : self.starts[index + 1]]

    def places_within(self, latitude: float, longitude: float, radius: float) -> list[tuple[float, float, float, int]]:
        """The public places within `radius` km (geodesic: the sphere decides, geopy near the edge), nearest
        first on the sphere: (sphere key, latitude, longitude, index) each."""
        surely, maybe = decisive_keys(latitude, radius)
        inside = [
            place
            for place in self._points_within(latitude, longitude, key_km(maybe))
            if place[0] <= surely or geodesic_km(latitude, longitude, place[1], place[2]) <= radius
        ]
        inside.sort()
        return inside

    def rows_of(self, places: list) -> int:
        """The rows at these places."""
        return bitsets.from_positions([position for place in places for position in self._rows_at(place[3])])

    def nearest(
        self, latitude: float, longitude: float, bits: int, offset: int, limit: int, places: list | None = None
    ) -> list[tuple[int, float | None]]:
        """The rows of `bits` from `offset`, `limit` of them, by geodesic distance then name; rows without a
        public place last, by name. (position, km or None) each. `places`: those of `places_within` when every
        placed row of `bits` is at one of them (a search within a radius), so that they are not looked for again."""
        needed = offset + limit
        data = bitsets.to_bytes(bits)
        size = len(data)

        def members(positions):
            return [p for p in positions if p >> 3 < size and data[p >> 3] >> (p & 7) & 1]

        def reach_of(key: float) -> float:
            # Rows farther on the sphere than this cannot be nearer on the ellipsoid than the page's last row.
            return key_km(key) * (1 + 2 * SPHERE_MARGIN) + 0.001

        # `found`: (sphere key, latitude, longitude, position), nearest first on the sphere.
        if (bits & self.placed).bit_count() <= FEW_ROWS:
            # A small set: measure each of its rows.
            lats, lons = self.row_latitudes, self.row_longitudes
            found = sorted(
                (sphere_key(latitude, longitude, lats[p], lons[p]), lats[p], lons[p], p)
                for p in bitsets.positions(bits & self.placed)
            )
            radius = math.inf
        elif places is not None:
            # The places are in order: take their rows until the page is full and the rest is out of reach.
            found, reach_key = [], None
            for key, point_latitude, point_longitude, index in places:
                if reach_key is not None and key > reach_key:
                    break
                found += [(key, point_latitude, point_longitude, p) for p in members(self._rows_at(index))]
                if reach_key is None and len(found) >= needed:
                    reach_key = km_key(reach_of(found[needed - 1][0]))
            radius = math.inf
        else:
            # The nearest places first, in a growing circle, until it holds enough rows of the set.
            radius = 10.0
            while True:
                found = self._rows_within(latitude, longitude, radius, members)
                if len(found) >= needed or radius > math.pi * EARTH_RADIUS_KM:
                    break
                radius *= 4
        if len(found) >= needed:
            reach = reach_of(found[needed - 1][0])
            if reach > radius:
                found = self._rows_within(latitude, longitude, reach, members)
            reach_key = km_key(reach)
            found = [item for item in found if item[0] <= reach_key]
        measured: dict[tuple[float, float], float] = {}
        ranked = []
        for _key, point_latitude, point_longitude, position in found:
            point = (point_latitude, point_longitude)
            if point not in measured:
                measured[point] = geodesic_km(latitude, longitude, point_latitude, point_longitude)
            ranked.append((measured[point], self.rank[position], position))
        ranked.sort()
        window = [(position, km) for km, _rank, position in ranked[offset:needed]]
        if len(ranked) < needed:  # the page reaches the rows without a public place
            unplaced = self.first_by_name(bits & ~self.placed, needed - len(ranked))
            window += [(position, None) for position in unplaced][max(0, offset - len(ranked)) :]
        return window

    def _rows_within(self, latitude: float, longitude: float, radius: float, members) -> list:
        """(sphere key, latitude, longitude, position) of the rows (`members` of each place's) within `radius` km
        on the sphere, nearest first."""
        points = sorted(self._points_within(latitude, longitude, radius))
        return [(key, lat, lon, p) for key, lat, lon, index in points for p in members(self._rows_at(index))]


def _load(generation: int) -> Snapshot:
    facets = postings.read(SearchPosting.objects.filter(kind=SearchPosting.Kind.FACET))
    text_words, name_words = [], []
    words = SearchPosting.objects.exclude(kind=SearchPosting.Kind.FACET).values_list("kind", "key").distinct()
    for kind, key in words:
        (text_words if kind == SearchPosting.Kind.TEXT else name_words).append(key[2:])
    table = connection.ops.quote_name(SearchRow._meta.db_table)
    with connection.cursor() as cursor:
        # The order of names is the database's (its collation), as everywhere else a list is sorted by name.
        cursor.execute(
            f"SELECT position, sal_id, latitude, longitude, is_confidential, name FROM {table} ORDER BY name, sal_id"
        )
        ordered = cursor.fetchall()
    size = max((row[0] for row in ordered), default=-1) + 1
    sal_ids, rank, by_name = array("q", bytes(8 * size)), array("i", bytes(4 * size)), array("i")
    row_latitudes, row_longitudes = array("d", [math.nan]) * size, array("d", [math.nan]) * size
    places: dict[tuple[float, float], list[int]] = {}
    names: dict[str, list[int]] = {}
    for index, (position, sal_id, latitude, longitude, confidential, name) in enumerate(ordered):
        names.setdefault(name, []).append(position)
        sal_ids[position] = sal_id
        rank[position] = index
        by_name.append(position)
        if latitude is not None and longitude is not None and not confidential:
            places.setdefault((latitude, longitude), []).append(position)
            row_latitudes[position], row_longitudes[position] = latitude, longitude
    latitudes, longitudes, starts, place_rows = array("d"), array("d"), array("i", [0]), array("i")
    for (latitude, longitude), positions in sorted(places.items()):
        latitudes.append(latitude)
        longitudes.append(longitude)
        place_rows.extend(positions)
        starts.append(len(place_rows))
    siblings = {rows[0]: bitsets.from_positions(sorted(rows[1:])) for rows in names.values() if len(rows) > 1}
    name_group = array("i", [-1]) * size
    for number, rows in enumerate(rows for rows in names.values() if len(rows) > 1):
        for position in rows:
            name_group[position] = number
    # The postings and the rows are two statements: a row deleted between them is not searched for.
    facets[postings.ROW] = facets.get(postings.ROW, 0) & bitsets.from_positions(by_name)
    return Snapshot(
        generation=generation,
        facets=facets,
        text_words=sorted(text_words),
        name_words=sorted(name_words),
        sal_ids=sal_ids,
        by_name=by_name,
        rank=rank,
        latitudes=latitudes,
        longitudes=longitudes,
        cos_latitudes=array("d", [math.cos(latitude * DEGREE) for latitude in latitudes]),
        starts=starts,
        place_rows=place_rows,
        row_latitudes=row_latitudes,
        row_longitudes=row_longitudes,
        placed=bitsets.from_positions(place_rows),
        name_siblings=siblings,
        name_firsts=bitsets.from_positions(sorted(siblings)),
        name_group=name_group,
        repeated_rows=bitsets.from_positions(sorted(p for rows in names.values() if len(rows) > 1 for p in rows)),
    )


def current() -> Snapshot:
    """The snapshot of the search table as it is now (for this database)."""
    generation = search_rows.stamp()
    database = str(connection.settings_dict["NAME"])
    kept = _kept.get(database)
    if kept is not None and kept.generation == generation:
        return kept
    with _lock:
        kept = _kept.get(database)
        if kept is None or kept.generation != generation:
            kept = _load(generation)
            _kept[database] = kept
            references.forget()  # an edit changed the table: names may have changed with it
    return kept


def forget() -> None:
    """Drop what this process keeps (the next search reads it all again)."""
    _kept.clear()


def text_postings(keys: set[str]) -> dict[str, int]:
    """The rows of these word keys (`t:…`, `n:…`), read for one search."""
    if not keys:
        return {}
    return postings.read(SearchPosting.objects.filter(key__in=sorted(keys)))
