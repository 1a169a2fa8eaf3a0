"""The embedded engine: the ORM on SQLite or PostgreSQL, over the lemmatised search columns.

Text: every query lemma (or one of its synonyms) must start a word of the service's search text; a lemma
found in the name weighs more. On PostgreSQL the `LIKE '% lemma%'` conditions are served by trigram (pg_trgm)
indexes on the search columns (migration `search.0003`).

Distance: a bounding box in SQL, then a spherical (haversine) key in SQL, then the exact geodesic distance
(geopy) only where the sphere could disagree with the ellipsoid (a band of ±1 % around the radius, and the
rows near the last one of the page when sorting by distance). The sphere and the ellipsoid differ by less
than 0.6 %, so the rows found, their order and the distances shown are those of geopy.

Facets are disjunctive: each facet is counted with all the *other* active filters applied. Every row of the
text/radius match is read once into a materialised common table expression with one boolean per active
filter; all the facet counts (and the total) then come from that one SQL statement, grouped in SQL: the
categories through a precomputed category → bucket mapping (the category, its top-level group and the kinds
of help of that group), the family categories through the many-to-many table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection
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
from django.db.models.functions import Cast, Coalesce, Cos, Sin
from geopy.distance import geodesic

from directory import selectors
from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES, DirectoryFilterSet
from directory.models import (
    Category,
    Municipality,
    ProviderType,
    Service,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
)

from ..highlight import snippet
from ..query import ParsedQuery
from ..query import parse as parse_query
from .base import FacetValue, GeoPoint, Hit, Results

# Great-circle distance on a sphere of the mean Earth radius differs from the WGS-84 geodesic by less than
# 0.6 %; SPHERE_MARGIN is the tolerance used to decide in SQL without geopy.
EARTH_RADIUS_KM = 6371.0088
SPHERE_MARGIN = 0.01
DEGREE = math.pi / 180
FACET_FIELDS = ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")


def _distance_km(point: GeoPoint, latitude, longitude) -> float | None:
    """Exact geodesic distance; rounded only where it is shown."""
    if latitude is None or longitude is None:
        return None
    return geodesic((point.latitude, point.longitude), (float(latitude), float(longitude))).km


def word_conditions(parsed: ParsedQuery, column: str = "service__search_text") -> list[Q]:
    """One condition per query word: the word itself, or one of its synonyms, starts a word of `column`."""
    conditions = []
    for item in parsed.lemmas:
        alternatives = Q(**{f"{column}__contains": f" {item}"})
        for alternative in parsed.expansions.get(item, []):
            alternatives |= Q(*[Q(**{f"{column}__contains": f" {word}"}) for word in alternative.split()])
        conditions.append(alternatives)
    return conditions


def text_condition(parsed: ParsedQuery, *, allow_missing: int = 0) -> Q:
    """Every query word must match; with `allow_missing=1`, all but one of them (for long spoken phrases)."""
    conditions = word_conditions(parsed)
    if not allow_missing or len(conditions) < 2:
        return Q(*conditions)
    combined = Q(pk__in=[])
    for skipped in range(len(conditions)):
        combined |= Q(*[c for i, c in enumerate(conditions) if i != skipped])
    return combined


# ---------------------------------------------------------------------------------------------- geometry


def _sphere_key(near: GeoPoint, prefix: str = "location__"):
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
        location__is_confidential=False,
        location__latitude__range=(near.latitude - lat_delta, near.latitude + lat_delta),
        location__longitude__range=(near.longitude - lon_delta, near.longitude + lon_delta),
    ).alias(sphere_key=_sphere_key(near))
    surely_inside = _km_to_key(radius * (1 - SPHERE_MARGIN))
    maybe_inside = _km_to_key(radius * (1 + SPHERE_MARGIN))
    band = box.filter(sphere_key__gt=surely_inside, sphere_key__lte=maybe_inside).values_list(
        "pk", "location__latitude", "location__longitude"
    )
    outside = [pk for pk, latitude, longitude in band if _distance_km(near, latitude, longitude) > radius]
    inside = box.filter(sphere_key__lte=maybe_inside)
    return inside.exclude(pk__in=outside) if outside else inside


# ---------------------------------------------------------------------------------------------- filters


@dataclass
class _Taxonomy:
    """The categories as the facets and the category filter need them (two queries)."""

    public: dict[int, tuple[str, str, int | None, str, int]]  # pk → (code, label, parent, scheme, sort_order)
    order: list[int]  # public pks in the model's order
    children: dict[int | None, list[int]]
    kind_groups: dict[int, list[int]]  # kind → groups naming it
    group_kinds: dict[int, list[int]]  # group → its kinds

    @classmethod
    def load(cls) -> _Taxonomy:
        public, order, children = {}, [], {}
        rows = Category.objects.values_list(
            "pk", "parent_id", "code", "name", "short_name", "scheme", "sort_order", "is_public"
        )
        for pk, parent_id, code, name, short_name, scheme, sort_order, is_public in rows:
            children.setdefault(parent_id, []).append(pk)
            if is_public:
                public[pk] = (code, short_name or name, parent_id, scheme, sort_order)
                order.append(pk)
        kind_groups: dict[int, list[int]] = {}
        group_kinds: dict[int, list[int]] = {}
        for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
            kind_groups.setdefault(kind_id, []).append(group_id)
            group_kinds.setdefault(group_id, []).append(kind_id)
        return cls(public, order, children, kind_groups, group_kinds)

    def descendants(self, roots) -> set[int]:
        """As `directory.selectors.category_descendant_ids`: children, and for a kind the groups naming it."""
        result: set[int] = set()
        stack = list(roots)
        while stack:
            pk = stack.pop()
            if pk in result:
                continue
            result.add(pk)
            stack.extend(self.children.get(pk, []))
            stack.extend(self.kind_groups.get(pk, []))
        return result

    def buckets(self, category_id: int) -> set[int]:
        """The facet buckets a public category counts in: itself, its top public group, that group's kinds."""
        top = category_id
        while self.public[top][2] and self.public[top][2] in self.public:
            top = self.public[top][2]
        return {top, category_id, *self.group_kinds.get(top, [])}


def _active(cleaned: dict) -> dict:
    return {name: value for name, value in cleaned.items() if value}


def _filter_conditions(active: dict, taxonomy: _Taxonomy) -> dict[str, Q]:
    """One condition per active filter on ServiceAtLocation rows, as DirectoryFilterSet applies it.

    Many-to-many filters are EXISTS subqueries, so that a row never repeats (no DISTINCT needed)."""
    through_categories = Service.categories.through
    through_groups = Service.target_groups.through
    conditions: dict[str, Q] = {}
    for name, value in active.items():
        if name == "category":
            ids = taxonomy.descendants(c.pk for c in value)
            conditions[name] = Q(
                Exists(through_categories.objects.filter(service_id=OuterRef("service_id"), category_id__in=ids))
            )
        elif name == "target_group":
            conditions[name] = Q(
                Exists(
                    through_groups.objects.filter(
                        service_id=OuterRef("service_id"), targetgroup_id__in=[t.pk for t in value]
                    )
                )
            )
        elif name == "municipality":
            conditions[name] = Q(location__municipality_id__in=[m.pk for m in value])
        elif name == "settlement":
            conditions[name] = Q(location__settlement_id__in=[s.pk for s in value])
        elif name == "provider_type":
            conditions[name] = Q(service__organization__provider_type_id__in=[p.pk for p in value])
        elif name == "delivery":
            condition = Q()
            for mode in value:
                condition |= Q(**{f"service__delivery_{mode}": True})
            conditions[name] = condition
        elif name == "free":
            conditions[name] = Q(service__cost=Service.Cost.FREE)
        elif name == "open_now":
            conditions[name] = selectors.open_now_q()
        elif name == "accessible":
            conditions[name] = Q(location__wheelchair_accessible=True)
        else:  # a filter this engine does not know yet: apply it as the filter set does
            raise ValueError(f"unknown filter {name}")
    return conditions


class DatabaseEngine:
    name = "database"

    def search(
        self, *, query: str, filters: dict, near: GeoPoint | None, sort: str, page: int, per_page: int
    ) -> Results:
        parsed = parse_query(query)
        base = selectors.public_service_at_locations()
        if parsed.lemmas:
            strict = base.filter(text_condition(parsed))
            # «встать на учёт безработным»: when no service has every word, accept all but one of them.
            if len(parsed.lemmas) > 2 and not strict.exists():
                strict = base.filter(text_condition(parsed, allow_missing=1))
            base = strict
        if near is not None and near.radius_km:
            base = within_radius(base, near)
        filterset = DirectoryFilterSet(filters, queryset=base)
        valid = filterset.form.is_valid()
        # The list applies every valid parameter; the facets, as they always did, only a fully valid form.
        listed = _active(filterset.form.cleaned_data)
        taxonomy = _Taxonomy.load()
        conditions = _filter_conditions(listed, taxonomy)
        queryset = base.filter(*conditions.values())

        facets, total = self._facets(base, filterset.form.cleaned_data if valid else {}, taxonomy, conditions)
        if total is None:
            total = queryset.count()

        if sort == "distance" and near is not None:
            ids, distances = self._ids_by_distance(queryset, near, page, per_page)
        else:
            ordered = self._order(queryset, parsed, sort)
            offset = (page - 1) * per_page
            ids = list(ordered.values_list("pk", flat=True)[offset : offset + per_page]) if total else []
            distances = {}
        rows = {row.pk: row for row in selectors.hydrate(ServiceAtLocation.objects.filter(pk__in=ids))} if ids else {}
        hits = []
        words = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
        for pk in ids:
            row = rows[pk]
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
    def _order(queryset: QuerySet, parsed: ParsedQuery, sort: str) -> QuerySet:
        if sort == "name" or not parsed.lemmas:
            return queryset.order_by("service__name", "pk")
        # The word itself in the service's name weighs 4, a synonym of it in the name 3, either elsewhere 1.
        exact = ParsedQuery(original=parsed.original, text=parsed.text, lemmas=parsed.lemmas)
        score = sum(
            (
                Case(
                    When(exact_in_name, then=Value(4)),
                    When(in_name, then=Value(3)),
                    When(in_text, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
                for exact_in_name, in_name, in_text in zip(
                    word_conditions(exact, "service__search_name"),
                    word_conditions(parsed, "service__search_name"),
                    word_conditions(parsed),
                    strict=True,
                )
            ),
            Value(0),
        )
        return queryset.annotate(score=Coalesce(score, Value(0))).order_by("-score", "service__name", "pk")

    @staticmethod
    def _ids_by_distance(queryset: QuerySet, near: GeoPoint, page: int, per_page: int):
        """Sort by real (geodesic) distance; confidential places and places without coordinates go last,
        by name. SQL ranks by the sphere; geopy decides among the rows the sphere cannot separate."""
        offset = (page - 1) * per_page
        needed = offset + per_page
        placed = queryset.filter(
            location__is_confidential=False, location__latitude__isnull=False, location__longitude__isnull=False
        ).annotate(page_key=_sphere_key(near))
        last = list(placed.order_by("page_key", "pk").values_list("page_key", flat=True)[needed - 1 : needed])
        if last:
            # Rows farther on the sphere than this cannot be nearer on the ellipsoid than the page's last row.
            reach = _key_to_km(last[0]) * (1 + 2 * SPHERE_MARGIN) + 0.001
            placed = placed.filter(page_key__lte=_km_to_key(reach))
        measured: dict[tuple, float] = {}
        ranked = []
        for pk, latitude, longitude, name in placed.values_list(
            "pk", "location__latitude", "location__longitude", "service__name"
        ):
            point = (latitude, longitude)
            if point not in measured:
                measured[point] = _distance_km(near, latitude, longitude)
            ranked.append((False, measured[point], name, pk))
        ranked.sort()
        if not last and len(ranked) < needed:  # the page reaches the places without a public position
            unplaced = queryset.filter(
                Q(location__is_confidential=True)
                | Q(location__latitude__isnull=True)
                | Q(location__longitude__isnull=True)
            )
            ranked += sorted((True, 0.0, name, pk) for pk, name in unplaced.values_list("pk", "service__name"))
        window = ranked[offset:needed]
        return [item[3] for item in window], {item[3]: None if item[0] else item[1] for item in window}

    # ------------------------------------------------------------------ facets

    def _facets(
        self, base: QuerySet, cleaned: dict, taxonomy: _Taxonomy, listed: dict[str, Q]
    ) -> tuple[dict[str, list[FacetValue]], int | None]:
        """All facet counts in one SQL statement; also the total when the facets use the list's filters."""
        active = _active(cleaned)
        conditions = listed if set(active) == set(listed) else _filter_conditions(active, taxonomy)
        selected = {name: {getattr(item, "code", item) for item in (cleaned.get(name) or [])} for name in FACET_FIELDS}
        flags = {
            f"f_{name}": ExpressionWrapper(condition, output_field=BooleanField())
            for name, condition in conditions.items()
        }
        rows = base.order_by().values(
            r_id=F("pk"),
            r_service=F("service_id"),
            r_municipality=F("location__municipality_id"),
            r_settlement=F("location__settlement_id"),
            r_provider_type=F("service__organization__provider_type_id"),
            **{f"r_{code}": F(f"service__delivery_{code}") for code, _ in DELIVERY_CHOICES},
            r_free=ExpressionWrapper(Q(service__cost=Service.Cost.FREE), output_field=BooleanField()),
            r_open_now=ExpressionWrapper(
                conditions["open_now"] if "open_now" in conditions else selectors.open_now_q(),
                output_field=BooleanField(),
            ),
            r_accessible=F("location__wheelchair_accessible"),
            **flags,
        )
        rows_sql, rows_params = rows.query.sql_with_params()

        def where(*skip: str, extra: str = "") -> str:
            parts = [f"r.f_{name}" for name in conditions if name not in skip]
            if extra:
                parts.append(extra)
            return " AND ".join(parts) if parts else "1 = 1"

        def count_if(condition: str) -> str:
            return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

        # Buckets of the categories that are shown (top-level groups and kinds, and the selected ones).
        shown = [pk for pk in taxonomy.order if taxonomy.public[pk][2] is None and taxonomy.public[pk][0] != "other"]
        shown += [pk for pk in taxonomy.order if taxonomy.public[pk][0] in selected["category"] and pk not in shown]
        shown_set = set(shown)
        mapping = sorted(
            (category_id, bucket)
            for category_id in taxonomy.public
            for bucket in taxonomy.buckets(category_id)
            if bucket in shown_set
        )
        through_categories = Service.categories.through._meta.db_table
        through_groups = Service.target_groups.through._meta.db_table
        quote = connection.ops.quote_name
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
            f"SELECT 'target_group', t.{quote('targetgroup_id')}, COUNT(*){padding} FROM r "
            f"JOIN {quote(through_groups)} t ON t.{quote('service_id')} = r.r_service "
            f"WHERE {where('target_group')} GROUP BY t.{quote('targetgroup_id')}",
        ]
        ctes = [f"r AS MATERIALIZED ({rows_sql})"]
        if mapping:
            values = ", ".join(f"({int(category_id)}, {int(bucket)})" for category_id, bucket in mapping)
            ctes.append(f"m (category_id, bucket) AS (VALUES {values})")
            parts.append(
                f"SELECT 'category', m.bucket, COUNT(DISTINCT r.r_id){padding} FROM r "
                f"JOIN {quote(through_categories)} c ON c.{quote('service_id')} = r.r_service "
                f"JOIN m ON m.category_id = c.{quote('category_id')} WHERE {where('category')} GROUP BY m.bucket"
            )
        sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(sql, rows_params)
            result = cursor.fetchall()

        counts: dict[str, dict[int, int]] = {}
        scalar = [0] * width
        for row in result:
            if row[0] == "s":
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
        return facets, total
