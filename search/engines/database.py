"""The embedded engine: the ORM on SQLite or PostgreSQL, over the lemmatised search columns.

Text: every query lemma (or one of its synonyms) must start a word of the service's search text; a lemma
found in the name weighs more. Distance: a bounding box in SQL, then geodesic (geopy) from the chosen point.
Facets are disjunctive: each facet is counted with all the *other* active filters applied.
"""

from __future__ import annotations

import math

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from geopy.distance import geodesic

from directory import selectors
from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES, DirectoryFilterSet
from directory.models import Category, Municipality, ProviderType, ServiceAtLocation, Settlement, TargetGroup

from ..highlight import snippet
from ..query import ParsedQuery
from ..query import parse as parse_query
from .base import FacetValue, GeoPoint, Hit, Results


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


def within_radius(queryset: QuerySet, near: GeoPoint) -> QuerySet:
    """Bounding box in SQL, then the exact geodesic distance (geopy) on what is left."""
    radius = near.radius_km
    lat_delta = radius / 111.0
    lon_delta = radius / max(1e-6, 111.320 * math.cos(math.radians(near.latitude)))
    box = queryset.filter(
        location__is_confidential=False,
        location__latitude__range=(near.latitude - lat_delta, near.latitude + lat_delta),
        location__longitude__range=(near.longitude - lon_delta, near.longitude + lon_delta),
    )
    inside = [
        pk
        for pk, latitude, longitude in box.values_list("pk", "location__latitude", "location__longitude")
        if _distance_km(near, latitude, longitude) <= radius
    ]
    return queryset.filter(pk__in=inside)


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
        queryset = filterset.qs
        total = queryset.count()

        if sort == "distance" and near is not None:
            ids, distances = self._ids_by_distance(queryset, near, page, per_page)
        else:
            ordered = self._order(queryset, parsed, sort)
            offset = (page - 1) * per_page
            ids = list(ordered.values_list("pk", flat=True)[offset : offset + per_page])
            distances = {}
        rows = {row.pk: row for row in selectors.hydrate(ServiceAtLocation.objects.filter(pk__in=ids))}
        hits = []
        for pk in ids:
            row = rows[pk]
            distance = distances.get(pk)
            if near is not None and distance is None and not row.location.is_confidential:
                distance = _distance_km(near, row.location.latitude, row.location.longitude)
            words = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
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
            facets=self._facets(base, filters, filterset),
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
        """Sort the whole result set by real (geodesic) distance; confidential places go last, unranked."""
        rows = queryset.values_list(
            "pk", "location__latitude", "location__longitude", "location__is_confidential", "service__name"
        )
        ranked = []
        for pk, latitude, longitude, confidential, name in rows:
            distance = None if confidential else _distance_km(near, latitude, longitude)
            ranked.append((distance is None, distance or 0.0, name, pk, distance))
        ranked.sort()
        offset = (page - 1) * per_page
        window = ranked[offset : offset + per_page]
        return [item[3] for item in window], {item[3]: item[4] for item in window}

    # ------------------------------------------------------------------ facets

    def _facets(self, base: QuerySet, filters: dict, filterset: DirectoryFilterSet) -> dict[str, list[FacetValue]]:
        cleaned = filterset.form.cleaned_data if filterset.form.is_valid() else {}

        def narrowed(skip: str = "", extra: dict | None = None) -> QuerySet:
            # Re-apply the already validated filters (no new form, no repeated choice look-ups).
            queryset = base
            for name, value in {**cleaned, **(extra or {})}.items():
                if name != skip:
                    queryset = filterset.filters[name].filter(queryset, value)
            return queryset

        def others(name: str) -> QuerySet:
            return narrowed(skip=name)

        selected = {
            name: {getattr(item, "code", item) for item in (cleaned.get(name) or [])}
            for name in ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")
        }
        facets: dict[str, list[FacetValue]] = {}

        # Categories: counted per kind of help and per top-level group (a row counts once per bucket).
        pairs = others("category").values_list("pk", "service__categories").distinct()
        categories = {c.pk: c for c in Category.objects.filter(is_public=True).prefetch_related("kinds")}
        bucket_rows: dict[int, set[int]] = {}
        for row_pk, category_id in pairs:
            category = categories.get(category_id)
            if category is None:
                continue
            top = category
            while top.parent_id and top.parent_id in categories:
                top = categories[top.parent_id]
            for bucket in {top.pk, category.pk, *(kind.pk for kind in top.kinds.all())}:
                bucket_rows.setdefault(bucket, set()).add(row_pk)
        shown = [c for c in categories.values() if c.parent_id is None and c.code != "other"]
        shown += [c for c in categories.values() if c.code in selected["category"] and c not in shown]
        facets["category"] = [
            FacetValue(c.code, c.label, len(bucket_rows.get(c.pk, ())), c.code in selected["category"])
            for c in sorted(shown, key=lambda c: (c.scheme != "kind", c.sort_order))
        ]
        facets["target_group"] = _count_facet(
            others("target_group"), "service__target_groups", TargetGroup.objects.all(), selected["target_group"]
        )
        facets["municipality"] = _count_facet(
            others("municipality"), "location__municipality", Municipality.objects.all(), selected["municipality"]
        )
        facets["settlement"] = _count_facet(
            others("settlement"), "location__settlement", Settlement.objects.all(), selected["settlement"]
        )
        facets["provider_type"] = _count_facet(
            others("provider_type"),
            "service__organization__provider_type",
            ProviderType.objects.all(),
            selected["provider_type"],
        )
        delivery_counts = others("delivery").aggregate(
            **{code: Count("pk", filter=Q(**{f"service__delivery_{code}": True})) for code, _ in DELIVERY_CHOICES}
        )
        facets["delivery"] = [
            FacetValue(code, str(label), delivery_counts[code], code in selected["delivery"])
            for code, label in DELIVERY_CHOICES
        ]
        for name in CHECKBOX_FACETS:
            count = narrowed(extra={name: True}).count()
            facets[name] = [FacetValue("on", name, count, bool(cleaned.get(name)))]
        return facets


def _count_facet(queryset: QuerySet, lookup: str, objects, selected: set[str]) -> list[FacetValue]:
    counts = dict(
        queryset.order_by().values_list(lookup).annotate(n=Count("pk", distinct=True)).values_list(lookup, "n")
    )
    return [
        FacetValue(obj.code, str(obj), counts.get(obj.pk, 0), obj.code in selected)
        for obj in objects
        if counts.get(obj.pk) or obj.code in selected
    ]
