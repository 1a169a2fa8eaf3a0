"""The embedded engine: the ORM on SQLite or PostgreSQL, over the narrow search table (`search.models.SearchRow`,
one row per published service at a location, kept in step by `search.rows`).

Text: every query lemma (or one of its synonyms) must start a word of the service's search text; a lemma
found in the name weighs more. The lemma text is a table of its own (`SearchText`): SQLite matches
`search_text LIKE '% lemma%'` there; PostgreSQL asks the same of a `tsvector` of the lemmas,
`search_vector @@ 'lemma':*` (GIN index, migration `search.0007`), and reads only the ids of the matching rows.

Distance: a bounding box in SQL, then a spherical (haversine) key in SQL, then the exact geodesic distance
(geopy) only where the sphere could disagree with the ellipsoid (a band of ±1 % around the radius, and the
rows near the last one of the page when sorting by distance). The sphere and the ellipsoid differ by less
than 0.6 %, so the rows found, their order and the distances shown are those of geopy.

Facets are disjunctive: each facet is counted with all the *other* active filters applied. Every row of the
text/radius match is read once into a materialised common table expression with one boolean per active
filter; all the facet counts (and the total) then come from that one SQL statement, grouped in SQL: the
categories through the buckets stored per row (the category, its top-level group and the kinds of help of
that group), the family categories through the row's list of them (`unnest()` on PostgreSQL, `json_each()`
on SQLite). The facets of the query-less, filter-less call are cached until the search table changes.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextlib import contextmanager, suppress

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Cos, Sin
from geopy.distance import geodesic

from directory import selectors
from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES, DirectoryFilterSet
from directory.models import (
    Municipality,
    ProviderType,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
)

from .. import rows as search_rows
from ..highlight import snippet
from ..models import SearchRow, SearchText
from ..query import ParsedQuery
from ..query import parse as parse_query
from ..taxonomy import Taxonomy
from .base import FacetValue, GeoPoint, Hit, Results

# Great-circle distance on a sphere of the mean Earth radius differs from the WGS-84 geodesic by less than
# 0.6 %; SPHERE_MARGIN is the tolerance used to decide in SQL without geopy.
EARTH_RADIUS_KM = 6371.0088
SPHERE_MARGIN = 0.01
DEGREE = math.pi / 180
FACET_FIELDS = ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")
FACET_CACHE_SECONDS = 3600


def _distance_km(point: GeoPoint, latitude, longitude) -> float | None:
    """Exact geodesic distance; rounded only where it is shown."""
    if latitude is None or longitude is None:
        return None
    return geodesic((point.latitude, point.longitude), (float(latitude), float(longitude))).km


def word_conditions(parsed: ParsedQuery, column: str = "search_text") -> list[Q]:
    """One condition per query word: the word itself, or one of its synonyms, starts a word of `column`."""
    conditions = []
    for item in parsed.lemmas:
        alternatives = Q(**{f"{column}__contains": f" {item}"})
        for alternative in parsed.expansions.get(item, []):
            alternatives |= Q(*[Q(**{f"{column}__contains": f" {word}"}) for word in alternative.split()])
        conditions.append(alternatives)
    return conditions


def _prefix(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}':*"


def word_queries(parsed: ParsedQuery) -> list[str]:
    """`word_conditions` as tsquery text (PostgreSQL): `'lemma':*` is «a word starts with lemma»."""
    queries = []
    for item in parsed.lemmas:
        alternatives = [_prefix(item)]
        for alternative in parsed.expansions.get(item, []):
            alternatives.append("(" + " & ".join(_prefix(word) for word in alternative.split()) + ")")
        queries.append("(" + " | ".join(alternatives) + ")")
    return queries


def _word_sets(parts: list, allow_missing: int) -> list[list]:
    """The sets of word conditions of which one must hold entirely: all the words, or each set missing one."""
    if not allow_missing or len(parts) < 2:
        return [parts]
    return [[part for i, part in enumerate(parts) if i != skipped] for skipped in range(len(parts))]


def text_ids(parsed: ParsedQuery, *, allow_missing: int = 0) -> list[int]:
    """The rows whose text has every query word; with `allow_missing=1`, all but one of them (for long spoken
    phrases). Read once, before the facets and the page: the text condition is evaluated a single time."""
    if connection.vendor == "postgresql":
        sets = _word_sets(word_queries(parsed), allow_missing)
        tsquery = " | ".join("(" + " & ".join(words) + ")" for words in sets)
        texts = connection.ops.quote_name(SearchText._meta.db_table)
        with connection.cursor() as cursor, _index_scans_only(cursor):
            cursor.execute(f"SELECT sal_id FROM {texts} WHERE search_vector @@ %s::tsquery", [tsquery])
            return [row[0] for row in cursor.fetchall()]
    sets = _word_sets(word_conditions(parsed), allow_missing)
    if len(sets) == 1:
        matching = Q(*sets[0])
    else:
        matching = Q(pk__in=[])
        for conditions in sets:
            matching |= Q(*conditions)
    return list(SearchText.objects.filter(matching).values_list("sal_id", flat=True))


def _nothing() -> Q:
    """False for every row, and still a statement (`pk__in=[]` cannot be written as SQL: EmptyResultSet)."""
    return Q(RawSQL("1 = 0", [], output_field=BooleanField()))


def among(ids: list[int]) -> Q:
    """Rows with these ids, given as one parameter (an array on PostgreSQL, a JSON array on SQLite): ten
    thousand ids are one value, and SQLite allows at most 32,766 parameters in a statement."""
    if not ids:
        return _nothing()
    table = connection.ops.quote_name(SearchRow._meta.db_table)
    if connection.vendor == "postgresql":
        return Q(RawSQL(f"{table}.sal_id = ANY(%s::bigint[])", [ids], output_field=BooleanField()))
    return Q(
        RawSQL(f"{table}.sal_id IN (SELECT value FROM json_each(%s))", [json.dumps(ids)], output_field=BooleanField())
    )


@contextmanager
def _index_scans_only(cursor):
    """PostgreSQL: read the rows of a text condition through the GIN index.

    The planner cannot estimate `tsvector @@ 'word':*` (a prefix): it takes a common word for a third of the
    table and prefers reading every row's vector (≈ 70 ms at 50,000 rows) to the index (≈ 15 ms). The one
    statement this wraps reads only the text table, only through that condition."""
    cursor.execute("SET enable_seqscan = off")
    try:
        yield
    finally:
        with suppress(DatabaseError):  # a failed transaction: its rollback undoes the SET
            cursor.execute("RESET enable_seqscan")


def elements(column: str, alias: str) -> str:
    """SQL for the FROM list: one row per id of a list column (`search.fields.IdListField`) as `alias.value`."""
    if connection.vendor == "postgresql":
        return f"unnest({column}) AS {alias}(value)"
    return f"json_each({column}) AS {alias}"


def contains_any(column: str, ids) -> Q:
    """A row whose list column holds at least one of `ids`."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return _nothing()
    qualified = f"{connection.ops.quote_name(SearchRow._meta.db_table)}.{connection.ops.quote_name(column)}"
    if connection.vendor == "postgresql":
        return Q(RawSQL(f"{qualified} && %s::bigint[]", [ids], output_field=BooleanField()))
    listed = ", ".join(str(pk) for pk in ids)  # integers only
    return Q(
        RawSQL(
            f"EXISTS (SELECT 1 FROM json_each({qualified}) WHERE json_each.value IN ({listed}))",
            [],
            output_field=BooleanField(),
        )
    )


# ---------------------------------------------------------------------------------------------- geometry


def _sphere_key(near: GeoPoint, prefix: str = ""):
    """sin²(Δφ/2) + cos φ₀ · cos φ · sin²(Δλ/2): the haversine of the central angle, in SQL.

    Monotonic in the great-circle distance; `_key_to_km` / `_km_to_key` convert."""
    latitude = Cast(F(f"{prefix}latitude"), FloatField()) * Value(DEGREE)
    longitude = Cast(F(f"{prefix}longitude"), FloatField()) * Value(DEGREE)
    half_lat = Sin((latitude - Value(near.latitude * DEGREE)) / Value(2.0))
    half_lon = Sin((longitude - Value(near.longitude * DEGREE)) / Value(2.0))
    return ExpressionWrapper(
        half_lat * half_lat + Value(math.cos(near.latitude * DEGREE)) * Cos(latitude) * half_lon * half_lon,
        output_field=FloatField(),
    )


def _key_to_km(key: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, key))))


def _km_to_key(km: float) -> float:
    angle = min(math.pi, km / EARTH_RADIUS_KM)
    return math.sin(angle / 2) ** 2


def within_radius(queryset: QuerySet, near: GeoPoint) -> QuerySet:
    """Bounding box in SQL, then the exact geodesic distance (geopy) where the sphere is not conclusive."""
    radius = near.radius_km
    lat_delta = radius / 111.0
    lon_delta = radius / max(1e-6, 111.320 * math.cos(math.radians(near.latitude)))
    box = queryset.filter(
        is_confidential=False,
        latitude__range=(near.latitude - lat_delta, near.latitude + lat_delta),
        longitude__range=(near.longitude - lon_delta, near.longitude + lon_delta),
    ).alias(sphere_key=_sphere_key(near))
    surely_inside = _km_to_key(radius * (1 - SPHERE_MARGIN))
    maybe_inside = _km_to_key(radius * (1 + SPHERE_MARGIN))
    band = box.filter(sphere_key__gt=surely_inside, sphere_key__lte=maybe_inside).values_list(
        "pk", "latitude", "longitude"
    )
    outside = [pk for pk, latitude, longitude in band if _distance_km(near, latitude, longitude) > radius]
    inside = box.filter(sphere_key__lte=maybe_inside)
    return inside.exclude(pk__in=outside) if outside else inside


# ---------------------------------------------------------------------------------------------- filters


def _active(cleaned: dict) -> dict:
    return {name: value for name, value in cleaned.items() if value}


def _open_now() -> Q:
    return selectors.open_now_q(prefix="", location_field="location_id")


def _filter_conditions(active: dict, taxonomy: Taxonomy) -> dict[str, Q]:
    """One condition per active filter on search rows, as DirectoryFilterSet applies it to ServiceAtLocation.

    Many-to-many filters read the row's own lists, so that a row never repeats (no DISTINCT needed)."""
    conditions: dict[str, Q] = {}
    for name, value in active.items():
        if name == "category":
            conditions[name] = contains_any("categories", taxonomy.descendants(c.pk for c in value))
        elif name == "target_group":
            conditions[name] = contains_any("target_groups", [t.pk for t in value])
        elif name == "municipality":
            conditions[name] = Q(municipality_id__in=[m.pk for m in value])
        elif name == "settlement":
            conditions[name] = Q(settlement_id__in=[s.pk for s in value])
        elif name == "provider_type":
            conditions[name] = Q(provider_type_id__in=[p.pk for p in value])
        elif name == "delivery":
            condition = Q()
            for mode in value:
                condition |= Q(**{f"delivery_{mode}": True})
            conditions[name] = condition
        elif name == "free":
            conditions[name] = Q(free=True)
        elif name == "open_now":
            conditions[name] = _open_now()
        elif name == "accessible":
            conditions[name] = Q(accessible=True)
        else:  # a filter this engine does not know yet: apply it as the filter set does
            raise ValueError(f"unknown filter {name}")
    return conditions


class DatabaseEngine:
    name = "database"

    def search(
        self, *, query: str, filters: dict, near: GeoPoint | None, sort: str, page: int, per_page: int
    ) -> Results:
        parsed = parse_query(query)
        base = SearchRow.objects.all()
        every_word = True  # every query word (or a synonym) is known to start a word of every row's text
        if parsed.lemmas:
            ids = text_ids(parsed)
            # «встать на учёт безработным»: when no service has every word, accept all but one of them.
            if len(parsed.lemmas) > 2 and not ids:
                ids = text_ids(parsed, allow_missing=1)
                every_word = False
            base = base.filter(among(ids))
        if near is not None and near.radius_km:
            base = within_radius(base, near)
        filterset = DirectoryFilterSet(filters, queryset=ServiceAtLocation.objects.none())
        valid = filterset.form.is_valid()
        # The list applies every valid parameter; the facets, as they always did, only a fully valid form.
        listed = _active(filterset.form.cleaned_data)
        taxonomy = Taxonomy.load()
        conditions = _filter_conditions(listed, taxonomy)
        queryset = base.filter(*conditions.values())

        cacheable = not parsed.lemmas and near is None and not listed
        by_distance = sort == "distance" and near is not None
        offset = (page - 1) * per_page
        score = self._score(parsed, sort, every_word=every_word)
        facets, total, page_ids = self._facets(
            base,
            filterset.form.cleaned_data if valid else {},
            taxonomy,
            conditions,
            cacheable=cacheable,
            page=None if by_distance else (score, offset, per_page),
        )
        if total is None:
            total = queryset.count()

        distances = {}
        if by_distance:
            ids, distances = self._ids_by_distance(queryset, near, page, per_page)
        elif page_ids is not None:  # read with the facets: the text condition is evaluated once
            ids = page_ids
        else:
            ordered = queryset.annotate(score=score).order_by("-score", "name", "pk")
            ids = list(ordered.values_list("pk", flat=True)[offset : offset + per_page]) if total else []
        # Hydrated only while still public: a row the table has not caught up with (a raw `QuerySet.update`
        # bypasses the signals) never shows a draft.
        public = selectors.public_service_at_locations().filter(pk__in=ids)
        rows = {row.pk: row for row in selectors.hydrate(public)} if ids else {}
        hits = []
        words = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                continue
            distance = distances.get(pk)
            if near is not None and distance is None and not row.location.is_confidential:
                distance = _distance_km(near, row.location.latitude, row.location.longitude)
            hits.append(
                Hit(
                    service_at_location=row,
                    distance_km=distance,
                    snippet=snippet(row.service.description, words) if words else "",
                )
            )

        return Results(
            hits=hits,
            total=total,
            page=page,
            per_page=per_page,
            facets=facets,
            query=query,
            query_run=parsed.text,
            engine=self.name,
            corrected=parsed.corrected,
            suggestion=parsed.suggestion,
        )

    # ------------------------------------------------------------------ ordering

    @staticmethod
    def _score(parsed: ParsedQuery, sort: str, *, every_word: bool = False):
        """The relevance of a row, ordered by descending score, then name and id (a constant for «by name»)."""
        if sort == "name" or not parsed.lemmas:
            return Value(0, output_field=IntegerField())
        # The word itself in the service's name weighs 4, a synonym of it in the name 3, either elsewhere 1.
        # When every row matched every word, «elsewhere» holds for all of them: no need to read the long text.
        exact = ParsedQuery(original=parsed.original, text=parsed.text, lemmas=parsed.lemmas)
        score = sum(
            (
                Case(
                    When(exact_in_name, then=Value(4)),
                    When(in_name, then=Value(3)),
                    *([] if every_word else [When(in_text, then=Value(1))]),
                    default=Value(1 if every_word else 0),
                    output_field=IntegerField(),
                )
                for exact_in_name, in_name, in_text in zip(
                    word_conditions(exact, "search_name"),
                    word_conditions(parsed, "search_name"),
                    [
                        Q(Exists(SearchText.objects.filter(Q(sal_id=OuterRef("pk")) & condition)))
                        for condition in word_conditions(parsed)
                    ],
                    strict=True,
                )
            ),
            Value(0),
        )
        return Coalesce(score, Value(0), output_field=IntegerField())

    @staticmethod
    def _ids_by_distance(queryset: QuerySet, near: GeoPoint, page: int, per_page: int):
        """Sort by real (geodesic) distance; confidential places and places without coordinates go last,
        by name. SQL ranks by the sphere; geopy decides among the rows the sphere cannot separate."""
        offset = (page - 1) * per_page
        needed = offset + per_page
        placed = queryset.filter(is_confidential=False, latitude__isnull=False, longitude__isnull=False).annotate(
            page_key=_sphere_key(near)
        )
        ordered = placed.order_by("page_key", "pk").values_list("pk", "latitude", "longitude", "name", "page_key")
        # One statement in the usual case: the page and a margin; the rows within reach of the page's last one
        # (see below) only when the margin is not enough (many services at the same few places).
        batch = 2 * needed + 20
        rows = list(ordered[:batch])
        last = rows[needed - 1][4] if len(rows) >= needed else None
        if last is not None:
            # Rows farther on the sphere than this cannot be nearer on the ellipsoid than the page's last row.
            reach = _km_to_key(_key_to_km(last) * (1 + 2 * SPHERE_MARGIN) + 0.001)
            if len(rows) == batch and rows[-1][4] <= reach:
                rows = list(ordered.filter(page_key__lte=reach))
            else:
                rows = [row for row in rows if row[4] <= reach]
        measured: dict[tuple, float] = {}
        ranked = []
        for pk, latitude, longitude, name, _key in rows:
            point = (latitude, longitude)
            if point not in measured:
                measured[point] = _distance_km(near, latitude, longitude)
            ranked.append((False, measured[point], name, pk))
        ranked.sort()
        if last is None and len(ranked) < needed:  # the page reaches the places without a public position
            unplaced = queryset.filter(Q(is_confidential=True) | Q(latitude__isnull=True) | Q(longitude__isnull=True))
            ranked += sorted((True, 0.0, name, pk) for pk, name in unplaced.values_list("pk", "name"))
        window = ranked[offset:needed]
        return [item[3] for item in window], {item[3]: None if item[0] else item[1] for item in window}

    # ------------------------------------------------------------------ facets

    def _facets(
        self,
        base: QuerySet,
        cleaned: dict,
        taxonomy: Taxonomy,
        listed: dict[str, Q],
        *,
        cacheable: bool = False,
        page: tuple | None = None,
    ) -> tuple[dict[str, list[FacetValue]], int | None, list[int] | None]:
        """All facet counts in one SQL statement; also the total and the ids of the page when the facets use
        the list's filters.

        `page`: (score expression, offset, limit) of the page in relevance order. `cacheable`: no text, no
        point, no filter. Those counts are cached until the search table changes, except «open now», which
        changes with the clock and is counted each time."""
        active = _active(cleaned)
        conditions = listed if set(active) == set(listed) else _filter_conditions(active, taxonomy)
        cacheable = cacheable and not conditions
        selected = {name: {getattr(item, "code", item) for item in (cleaned.get(name) or [])} for name in FACET_FIELDS}
        flags = {
            f"f_{name}": ExpressionWrapper(condition, output_field=BooleanField())
            for name, condition in conditions.items()
        }
        if cacheable:
            open_now = Value(False, output_field=BooleanField())
        else:
            open_now = ExpressionWrapper(conditions.get("open_now", _open_now()), output_field=BooleanField())
        paged = page is not None and conditions is listed
        ranking = {"r_score": page[0], "r_name": F("name")} if paged else {}
        rows = base.order_by().values(
            r_id=F("pk"),
            r_municipality=F("municipality_id"),
            r_settlement=F("settlement_id"),
            r_provider_type=F("provider_type_id"),
            **{f"r_{code}": F(f"delivery_{code}") for code, _ in DELIVERY_CHOICES},
            r_free=F("free"),
            r_open_now=open_now,
            r_accessible=F("accessible"),
            r_target_groups=F("target_groups"),
            r_buckets=F("buckets"),
            **ranking,
            **flags,
        )
        rows_sql, rows_params = rows.query.sql_with_params()

        def where(*skip: str, extra: str = "") -> str:
            parts = [f"r.f_{name}" for name in conditions if name not in skip]
            if extra:
                parts.append(extra)
            return " AND ".join(parts) if parts else "1 = 1"

        def by_list(column: str, condition: str) -> str:
            # Rows share a few hundred distinct lists: count each list once, then expand the lists.
            return f"SELECT r.{column} AS ids, COUNT(*) AS n FROM r WHERE {condition} GROUP BY r.{column}"

        def count_if(condition: str) -> str:
            return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

        # Buckets of the categories that are shown (top-level groups and kinds, and the selected ones).
        shown = [pk for pk in taxonomy.order if taxonomy.public[pk][2] is None and taxonomy.public[pk][0] != "other"]
        shown += [pk for pk in taxonomy.order if taxonomy.public[pk][0] in selected["category"] and pk not in shown]
        scalars = ", ".join(
            [count_if(where())]
            + [count_if(where("delivery", extra=f"r.r_{code}")) for code, _ in DELIVERY_CHOICES]
            + [count_if(where(extra=f"r.r_{name}")) for name in CHECKBOX_FACETS]
        )
        width = 1 + len(DELIVERY_CHOICES) + len(CHECKBOX_FACETS)
        padding = ", 0" * (width - 1)
        parts = [
            f"SELECT 's', 0, {scalars} FROM r",
            f"SELECT 'municipality', r.r_municipality, COUNT(*){padding} FROM r WHERE {where('municipality')} "
            "GROUP BY r.r_municipality",
            f"SELECT 'settlement', r.r_settlement, COUNT(*){padding} FROM r WHERE {where('settlement')} "
            "GROUP BY r.r_settlement",
            f"SELECT 'provider_type', r.r_provider_type, COUNT(*){padding} FROM r WHERE {where('provider_type')} "
            "GROUP BY r.r_provider_type",
            f"SELECT 'target_group', t.value, CAST(SUM(g.n) AS BIGINT){padding} "
            f"FROM ({by_list('r_target_groups', where('target_group'))}) g, {elements('g.ids', 't')} GROUP BY t.value",
        ]
        if shown:
            # Each row lists every bucket it counts in (no repeats): a plain count per bucket.
            buckets = ", ".join(str(int(pk)) for pk in sorted(shown))
            parts.append(
                f"SELECT 'category', b.value, CAST(SUM(g.n) AS BIGINT){padding} "
                f"FROM ({by_list('r_buckets', where('category'))}) g, {elements('g.ids', 'b')} "
                f"WHERE b.value IN ({buckets}) GROUP BY b.value"
            )
        if paged:
            _score, offset, limit = page
            # The page's rows, numbered in relevance order (the order of a UNION's rows is not kept).
            parts.append(
                f"SELECT 'page', p.r_id, ROW_NUMBER() OVER (ORDER BY p.r_score DESC, p.r_name, p.r_id){padding} "
                f"FROM (SELECT r.r_id, r.r_score, r.r_name FROM r WHERE {where()} "
                f"ORDER BY r.r_score DESC, r.r_name, r.r_id LIMIT {int(limit)} OFFSET {int(offset)}) p"
            )
        sql = f"WITH r AS MATERIALIZED ({rows_sql}) " + " UNION ALL ".join(parts)
        key = None
        if cacheable:
            generation = search_rows.stamp()
            digest = hashlib.sha1(sql.encode() + repr(rows_params).encode()).hexdigest()[:16]
            key = f"search:facets:{generation}:{digest}"
            result = cache.get(key)
        if key is None or result is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, rows_params)
                result = cursor.fetchall()
            if key is not None:
                cache.set(key, result, FACET_CACHE_SECONDS)
        if cacheable:
            open_index = 3 + len(DELIVERY_CHOICES) + CHECKBOX_FACETS.index("open_now")
            # Hours are kept to the minute; their edits change the generation too (`directory.signals`).
            open_key = f"search:open-now:{generation}:{selectors.local_now():%Y-%m-%dT%H:%M}"
            open_count = cache.get(open_key)
            if open_count is None:
                open_count = base.filter(_open_now()).count()
                cache.set(open_key, open_count, 120)
            result = [
                row[:open_index] + (open_count,) + row[open_index + 1 :] if row[0] == "s" else row for row in result
            ]

        counts: dict[str, dict[int, int]] = {}
        scalar = [0] * width
        numbered = []
        for row in result:
            if row[0] == "page":
                numbered.append((row[2], row[1]))
            elif row[0] == "s":
                scalar = [int(value or 0) for value in row[2:]]
            elif row[1] is not None:
                counts.setdefault(row[0], {})[row[1]] = int(row[2])
        facets: dict[str, list[FacetValue]] = {}
        bucket_counts = counts.get("category", {})
        facets["category"] = [
            FacetValue(
                taxonomy.public[pk][0],
                taxonomy.public[pk][1],
                bucket_counts.get(pk, 0),
                taxonomy.public[pk][0] in selected["category"],
            )
            for pk in sorted(shown, key=lambda pk: (taxonomy.public[pk][3] != "kind", taxonomy.public[pk][4]))
        ]
        for name, objects in (
            ("target_group", TargetGroup.objects.all()),
            ("municipality", Municipality.objects.all()),
            ("settlement", Settlement.objects.all()),
            ("provider_type", ProviderType.objects.all()),
        ):
            found = counts.get(name, {})
            facets[name] = [
                FacetValue(obj.code, str(obj), found.get(obj.pk, 0), obj.code in selected[name])
                for obj in objects
                if found.get(obj.pk) or obj.code in selected[name]
            ]
        facets["delivery"] = [
            FacetValue(code, str(label), scalar[1 + index], code in selected["delivery"])
            for index, (code, label) in enumerate(DELIVERY_CHOICES)
        ]
        for index, name in enumerate(CHECKBOX_FACETS):
            facets[name] = [FacetValue("on", name, scalar[1 + len(DELIVERY_CHOICES) + index], bool(cleaned.get(name)))]
        total = scalar[0] if conditions is listed else None
        return facets, total, [pk for _, pk in sorted(numbered)] if paged else None
