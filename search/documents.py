"""The search index of the distributed engines (OpenSearch, Elasticsearch): mapping, documents, request body.

One document per published service at a location (document id = ServiceAtLocation pk). The mapping and
the request body are written once with `elasticsearch.dsl` and sent as plain JSON by either client.

Semantics follow the database engine (`search.engines.database`) exactly for everything but text relevance:

* categories: `categories` holds the codes of each category of the service *with* its ancestors and the
  kinds of help of those groups — the reverse of `directory.selectors.category_descendant_ids`, so a
  `terms` filter on a group or a kind code finds what the database finds; `category_facets` holds the
  buckets the category facet counts (the top-level public group, the category itself, the group's kinds);
* «open now»: regular hours are week-second ranges (`open_week_seconds`, weekday × 86400 + seconds);
  dated exceptions and public holidays are read from the database at query time (a handful of rows), so
  they never need a re-index — the same rule as `directory.selectors.open_now_q`;
* confidential places have no `location` (no coordinates ever leave the database): they match no radius
  and sort last by distance;
* a radius is the exact set of places within the geodesic distance (geopy), as in the database engine;
* text: the same documents as the database engine (prefixes of lemmas), ranked by the Russian analyzer.

osmem-server (the in-memory test server) skips the `mapping` char filter and `synonym` token filters at
indexing time, so ё → е is a `pattern_replace` char filter and synonyms are expanded on the query side
(`ParsedQuery.expansions`); both formulations are equally valid on a real OpenSearch/Elasticsearch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Min, QuerySet
from django.utils import timezone
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    GeoPoint,
    Index,
    Integer,
    IntegerRange,
    Keyword,
    MetaField,
    Q,
    Search,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from directory import selectors
from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES, FACET_FIELDS
from directory.models import Category, Location, Schedule, ScheduleException, Service, ServiceAtLocation

from . import bulk, geometry, references
from .engines.base import once_per_service
from .lemmas import lemma_texts
from .models import Synonym
from .text import match_prefix

SECONDS_PER_DAY = 86_400
FACET_SIZE = 1_000  # more than the number of values of any facet (categories, settlements…)
MAX_RESULT_WINDOW = 100_000  # from + size of a page; the database engine has no such limit
SNIPPET_LENGTH = 220  # as search.highlight.snippet

# ------------------------------------------------------------------------------------------ names


def alias_name() -> str:
    """The alias every search and every update goes through."""
    return f"{settings.SEARCH_INDEX_PREFIX}-services"


def index_name(version: str | None = None) -> str:
    """A versioned index behind the alias; versions sort by time (UTC timestamp with microseconds)."""
    version = version or timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name()}-v{version}"


def index_pattern() -> str:
    return f"{alias_name()}-v*"


# ---------------------------------------------------------------------------------------- analysis

yo_to_e = char_filter("ru_yo", "pattern_replace", pattern="[ёЁ]", replacement="е")
russian_stop = token_filter("ru_stop", "stop", stopwords="_russian_")
russian_stemmer = token_filter("ru_stemmer", "stemmer", language="russian")
edge_ngrams = token_filter("ru_edge_ngram", "edge_ngram", min_gram=2, max_gram=20)

russian_text = analyzer(
    "ru_text", tokenizer="standard", char_filter=[yo_to_e], filter=["lowercase", russian_stop, russian_stemmer]
)
# Autocomplete: every word indexed with its beginnings («пс», «пси», «псих», …), searched as typed.
russian_prefix = analyzer("ru_prefix", tokenizer="standard", char_filter=[yo_to_e], filter=["lowercase", edge_ngrams])
russian_prefix_search = analyzer("ru_prefix_search", tokenizer="standard", char_filter=[yo_to_e], filter=["lowercase"])
# pymorphy3 lemmas computed in Python (search.text), sent space-separated.
lemma_list = analyzer("lemma_list", tokenizer="whitespace", filter=["lowercase"])


def _russian(**kwargs) -> Text:
    return Text(analyzer=russian_text, **kwargs)


class ServiceDocument(Document):
    sal_id = Integer()
    service_id = Integer()
    # The service's first published place (lowest id): a list by relevance shows a service once before its other
    # places (`search.engines.base.once_per_service`). The database engine also puts a name repeated by other
    # services after the first of it found; an index cannot know which rows a query finds, so it keeps to the
    # service, whose places a query finds all or none of.
    service_first = Boolean()
    organization_id = Integer()
    location_id = Integer()

    name = _russian(
        fields={"suggest": Text(analyzer=russian_prefix, search_analyzer=russian_prefix_search)},
    )
    name_sort = Keyword()
    name_lemmas = Text(analyzer=lemma_list)
    text_lemmas = Text(analyzer=lemma_list)
    description = _russian()
    organization_name = _russian()
    category_names = _russian()

    categories = Keyword(multi=True)
    category_facets = Keyword(multi=True)
    target_groups = Keyword(multi=True)
    languages = Keyword(multi=True)
    provider_type = Keyword()
    municipality = Keyword()
    settlement = Keyword()
    delivery = Keyword(multi=True)
    cost = Keyword()
    is_free = Boolean()

    location = GeoPoint()
    is_confidential = Boolean()
    wheelchair_accessible = Boolean()
    is_24_7 = Boolean()
    open_week_seconds = IntegerRange(multi=True)

    status = Keyword()
    verified_at = Date()

    class Meta:
        dynamic = MetaField("strict")


def index_body() -> dict:
    """Settings and mappings of a new index (the same for OpenSearch and Elasticsearch)."""
    index = Index("services")
    index.settings(
        number_of_shards=1,  # a regional directory: thousands of documents, one shard is fastest
        number_of_replicas=getattr(settings, "SEARCH_INDEX_REPLICAS", 0),
        max_result_window=MAX_RESULT_WINDOW,
    )
    index.document(ServiceDocument)
    body = index.to_dict()
    _add_search_synonyms(body)
    return body


def synonym_rules() -> list[str]:
    """The editors' synonyms and abbreviations (search.models.Synonym) as Solr-format equivalence rules."""
    rules = []
    for term, expansions in Synonym.objects.filter(is_active=True).values_list("term", "expansions"):
        words = [term, *expansions.split(",")]
        normal = [w.strip().lower().replace("ё", "е").replace(",", " ") for w in words if w.strip()]
        if len(set(normal)) > 1:
            rules.append(", ".join(dict.fromkeys(normal)))
    return rules


def _add_search_synonyms(body: dict) -> None:
    """A search-time analyzer with a synonym_graph filter on the Russian text fields.

    Query-side expansion (search.query) already applies synonyms for the match itself and takes edits at
    once; this makes the engine's own relevance scoring aware of them too (read at each rebuild).
    """
    rules = synonym_rules()
    if not rules:
        return
    analysis = body.setdefault("settings", {}).setdefault("analysis", {})
    analysis.setdefault("filter", {})["ru_synonyms"] = {"type": "synonym_graph", "synonyms": rules, "lenient": True}
    analysis.setdefault("analyzer", {})["ru_text_search"] = {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["ru_yo"],
        "filter": ["lowercase", "ru_synonyms", "ru_stop", "ru_stemmer"],
    }
    for field in body["mappings"]["properties"].values():
        if field.get("analyzer") == "ru_text":
            field["search_analyzer"] = "ru_text_search"


# --------------------------------------------------------------------------------------- documents


@dataclass
class _CategoryRow:
    pk: int
    code: str
    parent_id: int | None
    name: str
    short_name: str
    is_public: bool


class Taxonomy:
    """The category tree loaded once (two queries) for a batch of documents."""

    def __init__(self):
        # In the model's ordering (sort_order, code), as `service.categories.all()` and `category.kinds.all()`.
        self.rows = {
            row[0]: _CategoryRow(*row)
            for row in Category.objects.values_list("pk", "code", "parent_id", "name", "short_name", "is_public")
        }
        self.position = {pk: index for index, pk in enumerate(self.rows)}
        self.kinds: dict[int, list[int]] = {}
        for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
            self.kinds.setdefault(group_id, []).append(kind_id)
        for kinds in self.kinds.values():
            kinds.sort(key=self.position.__getitem__)
        self._closure: dict[int, frozenset[str]] = {}

    def closure_codes(self, pk: int) -> frozenset[str]:
        """The category, its ancestors and the kinds of help of any of them: every code whose
        `category_descendant_ids` contains this category."""
        cached = self._closure.get(pk)
        if cached is not None:
            return cached
        codes: set[str] = set()
        stack, seen = [pk], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.rows:
                continue
            seen.add(current)
            row = self.rows[current]
            codes.add(row.code)
            if row.parent_id is not None:
                stack.append(row.parent_id)
            stack.extend(self.kinds.get(current, []))
        result = self._closure[pk] = frozenset(codes)
        return result

    def facet_codes(self, pk: int) -> set[str]:
        """The buckets the database engine counts a public category in: top public group, itself, group's kinds."""
        row = self.rows.get(pk)
        if row is None or not row.is_public:
            return set()
        top = row
        while top.parent_id and top.parent_id in self.rows and self.rows[top.parent_id].is_public:
            top = self.rows[top.parent_id]
        return {top.code, row.code, *(self.rows[kind].code for kind in self.kinds.get(top.pk, []))}

    def related(self, category_ids: list[int]) -> list[_CategoryRow]:
        """The categories of a service and, in the same order, what `search.lemmas.service_columns`
        adds: each one's parents, then its kinds of help."""
        result = [self.rows[pk] for pk in category_ids]
        for pk in category_ids:
            parent_id = self.rows[pk].parent_id
            while parent_id is not None and parent_id in self.rows:
                result.append(self.rows[parent_id])
                parent_id = self.rows[parent_id].parent_id
            result.extend(self.rows[kind] for kind in self.kinds.get(pk, []) if kind in self.rows)
        return result


def _week_seconds(weekday: int, moment) -> int:
    return weekday * SECONDS_PER_DAY + moment.hour * 3600 + moment.minute * 60 + moment.second


# What a document reads of a row, its service, organisation and place: plain values, no model instances
# (at 50,000 rows, building instances and prefetching into them cost more than everything else).
_ROW_FIELDS = {
    "pk": "pk",
    "service_id": "service_id",
    "location_id": "location_id",
    "name": "service__name",
    "description": "service__description",
    "eligibility": "service__eligibility",
    "cost": "service__cost",
    "status": "service__status",
    "verified_at": "service__verified_at",
    **{f"delivery_{code}": f"service__delivery_{code}" for code, _ in DELIVERY_CHOICES},
    "organization_id": "service__organization_id",
    "organization_name": "service__organization__name",
    "organization_short_name": "service__organization__short_name",
    "provider_type_code": "service__organization__provider_type__code",
    "provider_type_name": "service__organization__provider_type__name",
    "municipality": "location__municipality__code",
    "settlement": "location__settlement__code",
    "latitude": "location__latitude",
    "longitude": "location__longitude",
    "is_confidential": "location__is_confidential",
    "wheelchair_accessible": "location__wheelchair_accessible",
    "is_24_7": "location__is_24_7",
}


def document_for(sal: ServiceAtLocation, taxonomy: Taxonomy | None = None) -> dict:
    """The indexed source of one service at a location, as it is stored now."""
    return next(_documents(ServiceAtLocation.objects.filter(pk=sal.pk), taxonomy or Taxonomy()))


def documents_for(queryset: QuerySet[ServiceAtLocation], *, chunk_size: int = 500) -> Iterator[dict]:
    """Documents for the rows of `queryset` (pass `selectors.public_service_at_locations()` or a part of it),
    in id order, seven queries per `chunk_size` rows."""
    taxonomy = Taxonomy()
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        yield from _documents(ServiceAtLocation.objects.filter(pk__in=chunk), taxonomy)


def _documents(queryset: QuerySet[ServiceAtLocation], taxonomy: Taxonomy) -> Iterator[dict]:
    rows = [
        dict(zip(_ROW_FIELDS, values, strict=True))
        for values in queryset.order_by("pk").values_list(*_ROW_FIELDS.values())
    ]
    services = {row["service_id"] for row in rows}
    locations = {row["location_id"] for row in rows}
    categories = bulk.grouped(
        Service.categories.through.objects.filter(service_id__in=services), "service_id", "category_id"
    )
    groups = bulk.grouped(
        Service.target_groups.through.objects.filter(service_id__in=services).order_by(
            "targetgroup__sort_order", "targetgroup__name"
        ),
        "service_id",
        "targetgroup__code",
        "targetgroup__name",
    )
    languages = bulk.grouped(
        Service.languages.through.objects.filter(service_id__in=services), "service_id", "language__code"
    )
    firsts = set(
        selectors.public_service_at_locations()
        .filter(service_id__in=services)
        .values("service_id")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
    hours = bulk.grouped(
        Schedule.objects.filter(location_id__in=locations).order_by("weekday", "opens_at"),
        "location_id",
        "weekday",
        "opens_at",
        "closes_at",
    )
    for row in rows:
        row["service_first"] = row["pk"] in firsts
        yield _document(
            row,
            taxonomy,
            categories.get(row["service_id"], []),
            groups.get(row["service_id"], []),
            languages.get(row["service_id"], []),
            hours.get(row["location_id"], []),
        )


def _document(row: dict, taxonomy: Taxonomy, category_ids, groups, languages, hours) -> dict:
    category_ids = sorted((pk for pk in category_ids if pk in taxonomy.rows), key=taxonomy.position.__getitem__)
    related = taxonomy.related(category_ids)
    closure: set[str] = set()
    facets: set[str] = set()
    for pk in category_ids:
        closure |= taxonomy.closure_codes(pk)
        facets |= taxonomy.facet_codes(pk)
    name_lemmas, text_lemmas = lemma_texts(
        name=row["name"],
        organization_names=(row["organization_name"], row["organization_short_name"]),
        provider_type_name=row["provider_type_name"] or "",
        category_names=[(category.name, category.short_name) for category in related],
        target_group_names=[name for _, name in groups],
        description=row["description"],
        eligibility=row["eligibility"],
    )
    category_text = " ".join(dict.fromkeys(text for item in related for text in (item.name, item.short_name) if text))
    document = {
        "sal_id": row["pk"],
        "service_id": row["service_id"],
        "service_first": row.get("service_first", True),
        "organization_id": row["organization_id"],
        "location_id": row["location_id"],
        "name": row["name"],
        "name_sort": row["name"],
        "name_lemmas": name_lemmas.strip(),
        # The same words as the database engine's Service.search_text column (one function makes both).
        "text_lemmas": text_lemmas.strip(),
        "description": row["description"],
        "organization_name": " ".join(
            part for part in (row["organization_name"], row["organization_short_name"]) if part
        ),
        "category_names": category_text,
        "categories": sorted(closure),
        "category_facets": sorted(facets),
        "target_groups": sorted(code for code, _ in groups),
        "languages": sorted(languages),
        "provider_type": row["provider_type_code"],
        "municipality": row["municipality"],
        "settlement": row["settlement"],
        "delivery": [code for code, _ in DELIVERY_CHOICES if row[f"delivery_{code}"]],
        "cost": row["cost"],
        "is_free": row["cost"] == Service.Cost.FREE,
        "is_confidential": row["is_confidential"],
        "wheelchair_accessible": row["wheelchair_accessible"],
        "is_24_7": row["is_24_7"],
        "open_week_seconds": [
            {"gte": _week_seconds(weekday, opens_at), "lt": _week_seconds(weekday, closes_at)}
            for weekday, opens_at, closes_at in hours
        ],
        "status": row["status"],
        "verified_at": row["verified_at"].isoformat() if row["verified_at"] else None,
    }
    has_coordinates = row["latitude"] is not None and row["longitude"] is not None
    if not row["is_confidential"] and has_coordinates:
        document["location"] = {"lat": float(row["latitude"]), "lon": float(row["longitude"])}
    return document


# ----------------------------------------------------------------------------------------- filters

TERMS_FIELDS = {
    "category": "categories",
    "target_group": "target_groups",
    "municipality": "municipality",
    "settlement": "settlement",
    "provider_type": "provider_type",
    "delivery": "delivery",
}
FACET_INDEX_FIELDS = {**TERMS_FIELDS, "category": "category_facets"}


def open_now_clause(now: datetime | None = None) -> Q:
    """Places open at `now`: the rule of `directory.selectors.open_now_q` (24/7, then a dated exception,
    then a public holiday, then the weekday's hours). Exceptions and holidays come from the database."""
    now = timezone.localtime(now) if now else selectors.local_now()
    today, moment = now.date(), now.time()
    exceptions = list(
        ScheduleException.objects.filter(date=today).values_list("location_id", "is_closed", "opens_at", "closes_at")
    )
    with_exception = sorted({row[0] for row in exceptions})
    open_by_exception = sorted(
        {
            location_id
            for location_id, is_closed, opens_at, closes_at in exceptions
            if not is_closed and opens_at is not None and closes_at is not None and opens_at <= moment < closes_at
        }
    )
    should = [Q("term", is_24_7=True)]
    if open_by_exception:
        should.append(Q("terms", location_id=open_by_exception))
    if not selectors.is_holiday(today):
        regular = Q("term", open_week_seconds=_week_seconds(today.weekday(), moment))
        if with_exception:
            regular = Q("bool", filter=[regular], must_not=[Q("terms", location_id=with_exception)])
        should.append(regular)
    return Q("bool", should=should, minimum_should_match=1)


def radius_clause(near) -> Q:
    """Places within `near.radius_km` by geodesic distance — the database engine's exact rule
    (a geo_distance filter measures on a sphere and would disagree at the edge)."""
    radius = near.radius_km
    lat_delta, lon_delta = geometry.box(near.latitude, radius)
    rows = Location.objects.filter(
        is_confidential=False,
        latitude__range=(near.latitude - lat_delta, near.latitude + lat_delta),
        longitude__range=(near.longitude - lon_delta, near.longitude + lon_delta),
    ).values_list("pk", "latitude", "longitude")
    points = ((pk, float(latitude), float(longitude)) for pk, latitude, longitude in rows)
    inside = sorted(pk for _, pk in geometry.within(near.latitude, near.longitude, radius, points))
    return Q("terms", location_id=inside)


def filter_clause(name: str, value, *, now: datetime | None = None, cache: dict | None = None) -> Q | None:
    """The index query for one cleaned DirectoryFilterSet value; None when the filter does nothing."""
    if not value:
        return None
    if name in TERMS_FIELDS:
        codes = sorted({getattr(item, "code", item) for item in value})
        return Q("terms", **{TERMS_FIELDS[name]: codes}) if codes else None
    if name == "free":
        return Q("term", is_free=True)
    if name == "accessible":
        return Q("term", wheelchair_accessible=True)
    if name == "open_now":
        if cache is None:
            return open_now_clause(now)
        if "open_now" not in cache:  # one look-up of today's exceptions per request
            cache["open_now"] = open_now_clause(now)
        return cache["open_now"]
    raise ValueError(f"unknown filter {name!r}")


def filter_clauses(cleaned: dict, *, now: datetime | None = None, cache: dict | None = None) -> dict[str, Q]:
    clauses = {}
    for name, value in cleaned.items():
        clause = filter_clause(name, value, now=now, cache=cache)
        if clause is not None:
            clauses[name] = clause
    return clauses


def _all_of(clauses: Iterable[Q]) -> Q:
    clauses = list(clauses)
    return Q("bool", filter=clauses) if clauses else Q("match_all")


# ------------------------------------------------------------------------------------------- text

ANALYSED_FIELDS = ["name^3", "category_names^2", "organization_name^1.5", "description"]


def _all_prefixes(field: str, words: list[str]) -> Q:
    prefixes = [Q("prefix", **{field: {"value": match_prefix(word)}}) for word in words]
    return prefixes[0] if len(prefixes) == 1 else Q("bool", filter=prefixes)


def focus_clause(parsed, kinds) -> Q:
    """Documents with a word of the query (or a synonym) at the start of a word of the name, or in the name of one
    of their kinds of help — the database engine's `Words.focused`."""
    should = []
    for lemma in parsed.lemmas:
        alternatives = parsed.alternatives(lemma)
        should += [_all_prefixes("name_lemmas", alternative.split()) for alternative in alternatives]
        codes = _named_codes(kinds, alternatives)
        if codes:
            should.append(Q("terms", categories=codes))
    return Q("bool", should=should, minimum_should_match=1)


def _named_codes(kinds, alternatives: list[str]) -> list[str]:
    """Codes of the categories a word or one of its alternatives names (`Taxonomy.named`): the documents carry
    their categories with the ancestors, so these codes find what the database engine finds with descendants."""
    named = set().union(*(kinds.named(alternative.split()) for alternative in alternatives))
    return sorted(kinds.codes[pk] for pk in named)


def text_query(parsed, *, match: str | int = "all", kinds=None) -> Q:
    """Which documents match is the database engine's rule: every lemma of the query — or one of its
    synonyms, all of whose words — must begin a lemma of the document (`text_lemmas`, the same words as
    `Service.search_text`); with `match="any"`, at least one, and each lemma found adds a bonus above any other
    (more words found rank first, as the database engine counts them). Typos are repaired by
    `search.query.parse` before, as for the database.

    How they rank is the engine's: the Russian analyzer over name^3, category names^2, organisation^1.5 and
    description (fuzzy, so near forms count), a bonus when a query word begins a word of the name or of the
    kinds of help (as the database engine weighs them), and a bonus for the whole text as a phrase.
    """
    required, ranking = [], []
    for lemma in parsed.lemmas:
        alternatives = parsed.alternatives(lemma)
        conditions = [_all_prefixes("text_lemmas", alternative.split()) for alternative in alternatives]
        required.append(conditions[0] if len(conditions) == 1 else Q("bool", should=conditions, minimum_should_match=1))
        if match == "any":
            ranking.append(Q("constant_score", filter=required[-1], boost=WORD_FOUND_BOOST))
        for alternative in alternatives:
            ranking.append(
                Q("multi_match", query=alternative, fields=ANALYSED_FIELDS, fuzziness="AUTO", operator="and")
            )
            ranking.append(Q("constant_score", filter=_all_prefixes("name_lemmas", alternative.split()), boost=3))
        codes = _named_codes(kinds, alternatives) if kinds is not None else []
        if codes:
            ranking.append(Q("constant_score", filter=Q("terms", categories=codes), boost=2))
    ranking.append(Q("multi_match", query=parsed.text, fields=ANALYSED_FIELDS, type="phrase", boost=2))
    if match == "any" and len(required) > 1:
        required = [Q("bool", should=required, minimum_should_match=1)]
    elif isinstance(match, int) and 0 < match < len(required):
        required = [Q("bool", should=required, minimum_should_match=match)]
    return Q("bool", filter=required, should=ranking)


WORD_FOUND_BOOST = 10_000  # a query word found at all (match «any»): above any sum of the analysed fields' scores


# ----------------------------------------------------------------------------------------- request


def build_search(
    parsed_query,
    cleaned_filters: dict,
    near,
    sort: str,
    page: int,
    per_page: int,
    *,
    facets: bool = True,
    facet_filters: dict | None = None,
    now: datetime | None = None,
    match: str | int = "all",
    focus: bool = False,
) -> dict:
    """The whole search request body.

    `cleaned_filters` are the cleaned values of `directory.filters.DirectoryFilterSet` that narrow the hits
    (as a post_filter, so that the facets can be disjunctive); `facet_filters` (default: the same) are the
    ones the facet counts apply — the database engine ignores every filter in the counts when the form is
    invalid while still applying the valid ones to the hits.
    """
    search = Search()
    base = []
    if parsed_query.lemmas:
        base.append(text_query(parsed_query, match=match, kinds=references.get("taxonomy")))
        if focus:
            base.append(Q("bool", filter=[focus_clause(parsed_query, references.get("taxonomy"))]))
    if near is not None and getattr(near, "radius_km", None):
        base.append(Q("bool", filter=[radius_clause(near)]))
    search = search.query(base[0] if len(base) == 1 else Q("bool", must=base) if base else Q("match_all"))

    now = timezone.localtime(now) if now else selectors.local_now()
    cache: dict = {}
    clauses = filter_clauses(cleaned_filters, now=now, cache=cache)
    if clauses:
        search = search.post_filter(_all_of(clauses.values()))

    if facets:
        counted = clauses if facet_filters is None else filter_clauses(facet_filters, now=now, cache=cache)
        for name in FACET_FIELDS:
            others = [clause for other, clause in counted.items() if other != name]
            search.aggs.bucket(f"facet_{name}", "filter", filter=_all_of(others)).bucket(
                "values", "terms", field=FACET_INDEX_FIELDS[name], size=FACET_SIZE
            )
        for name in CHECKBOX_FACETS:
            narrowed = {**counted, name: filter_clause(name, True, now=now, cache=cache)}
            search.aggs.bucket(f"facet_{name}", "filter", filter=_all_of(narrowed.values()))

    tie_breakers = [{"name_sort": {"order": "asc"}}, {"sal_id": {"order": "asc"}}]
    if sort == "distance" and near is not None:
        by_distance = {
            "location": {"lat": near.latitude, "lon": near.longitude},
            "order": "asc",
            "unit": "km",
            "distance_type": "arc",
            "ignore_unmapped": True,
        }
        # Places without a public position (confidential) have no `location`: infinite distance, last.
        search = search.sort({"_geo_distance": by_distance}, *tie_breakers)
    elif sort == "name" or not parsed_query.lemmas:
        search = search.sort(*tie_breakers)
    elif once_per_service(cleaned_filters, near):
        first = {"service_first": {"order": "desc", "unmapped_type": "boolean"}}  # an index built before the field
        search = search.sort(first, {"_score": {"order": "desc"}}, *tie_breakers)
    else:
        search = search.sort({"_score": {"order": "desc"}}, *tie_breakers)

    if parsed_query.lemmas:
        search = search.highlight_options(
            pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html", require_field_match=True
        ).highlight("description", fragment_size=SNIPPET_LENGTH, number_of_fragments=1, no_match_size=0)

    offset = (max(1, page) - 1) * per_page
    search = search.extra(track_total_hits=True, from_=offset, size=per_page)
    search = search.source(["sal_id"])
    return search.to_dict()
