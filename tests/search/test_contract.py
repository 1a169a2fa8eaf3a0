"""The search contract: every engine gives the same answers over the demo databank.

The database engine is the reference; the distributed engines (OpenSearch via osmem-server, Elasticsearch
when ELASTICSEARCH_URL is set) must find the same rows for every filter, count the same disjunctive facets,
order by real distance, page without gaps, follow edits of the databank, and swap indices without downtime.
"""

from __future__ import annotations

import operator
from datetime import date, datetime, time, timedelta
from functools import reduce

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from geopy.distance import geodesic

from directory import selectors
from directory import services as directory_services
from directory.models import (
    Category,
    Holiday,
    Location,
    Municipality,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
)
from search import documents, indexing
from search import query as query_parser
from search import sync as search_sync
from search.cards import with_rows
from search.engines.base import GeoPoint
from search.engines.database import DatabaseEngine
from search.engines.errors import SearchEngineUnavailable
from search.services import forgiving_search

from .conftest import ELASTICSEARCH_SKIP

pytestmark = pytest.mark.django_db
ALL = 10_000
ENGINES = ["database", "opensearch", "elasticsearch"]
# A Wednesday morning far from the demo's holidays and dated exceptions.
MOMENT = datetime(2031, 4, 16, 11, 7, 30)


def _engine(request, kind: str):
    name = request.param
    if name == "database":
        return DatabaseEngine()
    if name == "elasticsearch":
        import os

        if not os.environ.get("ELASTICSEARCH_URL"):
            pytest.skip(ELASTICSEARCH_SKIP)
    return request.getfixturevalue(f"{kind}{name}_engine")


@pytest.fixture(params=ENGINES)
def engine(request):
    """Each engine over the shared demo index (read-only cases)."""
    return _engine(request, "")


@pytest.fixture(params=ENGINES)
def fresh_engine(request):
    """Each engine over an index of its own (cases that edit the databank)."""
    return _engine(request, "fresh_")


@pytest.fixture
def frozen_now(monkeypatch):
    """Both engines read «now» through directory.selectors.local_now."""
    moment = timezone.make_aware(MOMENT)
    monkeypatch.setattr(selectors, "local_now", lambda: moment)
    return moment


def run(engine, query="", filters=None, near=None, sort="", page=1, per_page=ALL):
    sort = sort or ("relevance" if query else ("distance" if near is not None else "name"))
    results = engine.search(query=query, filters=filters or {}, near=near, sort=sort, page=page, per_page=per_page)
    with_rows(results.hits)  # the checks read the rows: one query, not one per hit
    return results


def forgive(engine, query, per_page=10):
    """What the site shows: the engine through `search.services.forgiving_search`."""
    return forgiving_search(engine, query=query, filters={}, near=None, sort="relevance", page=1, per_page=per_page)


def ids(results) -> list[int]:
    return [hit.pk for hit in results.hits]


def sync(engine, sal_ids) -> None:
    """What the signals do after a commit: re-index the touched rows (nothing to do for the database)."""
    if engine.name != "database":
        indexing.update_objects(sal_ids, engine)


def published():
    return ServiceAtLocation.objects.filter(service__status=Service.Status.PUBLISHED)


def below(code: str) -> set[int]:
    """Category ids a filter on `code` covers, walked here without the selectors: children, and for a kind
    of help the groups that name it (with their children)."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    for group_id, kind_id in Category.objects.filter(kinds__isnull=False).values_list("pk", "kinds"):
        children.setdefault(kind_id, []).append(group_id)
    found, stack = set(), [Category.objects.get(code=code).pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack += children.get(pk, [])
    return found


def orm_rows(name: str, values: list[str]):
    rows = published()
    if name == "category":
        wanted = set().union(*(below(code) for code in values))
        return rows.filter(service__categories__in=wanted).distinct()
    if name == "target_group":
        return rows.filter(service__target_groups__code__in=values).distinct()
    if name == "municipality":
        return rows.filter(location__municipality__code__in=values)
    if name == "settlement":
        return rows.filter(location__settlement__code__in=values)
    if name == "provider_type":
        return rows.filter(service__organization__provider_type__code__in=values)
    if name == "delivery":
        return rows.filter(reduce(operator.or_, (Q(**{f"service__delivery_{mode}": True}) for mode in values)))
    if name == "free":
        return rows.filter(service__cost=Service.Cost.FREE)
    if name == "accessible":
        return rows.filter(location__wheelchair_accessible=True)
    if name == "open_now":
        open_ids = [
            row.pk
            for row in rows.prefetch_related("location__schedules", "location__schedule_exceptions")
            if selectors.opening_status(row.location).is_open
        ]
        return rows.filter(pk__in=open_ids)
    raise AssertionError(name)


def orm_ids(filters: dict) -> set[int]:
    result = set(published().values_list("pk", flat=True))
    for name, values in filters.items():
        result &= set(orm_rows(name, values).values_list("pk", flat=True))
    return result


def kyzyl() -> GeoPoint:
    settlement = Settlement.objects.get(code="kyzyl")
    return GeoPoint(float(settlement.latitude), float(settlement.longitude))


def real_km(point: GeoPoint, location: Location) -> float | None:
    if location.is_confidential or not location.has_coordinates:
        return None
    return geodesic((point.latitude, point.longitude), (float(location.latitude), float(location.longitude))).km


FILTER_CASES = [
    ("category", ["A8"]),  # a group of measures: its items count
    ("category", ["soc"]),  # a kind of help: the groups that name it count
    ("category", ["psy", "A8"]),
    ("target_group", ["large"]),
    ("target_group", ["large", "disabled_child"]),
    ("municipality", ["kyzyl"]),
    ("municipality", ["kyzyl", "ak-dovurak"]),
    ("settlement", ["kyzyl"]),
    ("settlement", ["ak-dovurak"]),
    ("provider_type", ["employment"]),
    ("delivery", ["home_visit"]),
    ("delivery", ["phone", "online"]),
    ("free", ["on"]),
    ("open_now", ["on"]),
    ("accessible", ["on"]),
]


class SearchContract:
    __test__ = True  # collected although the name does not start with «Test»

    # ------------------------------------------------------------------ filters

    @pytest.mark.parametrize(("name", "values"), FILTER_CASES, ids=[f"{n}={'+'.join(v)}" for n, v in FILTER_CASES])
    def test_each_filter_finds_the_rows_the_database_and_the_orm_find(self, engine, frozen_now, name, values):
        results = run(engine, filters={name: values})
        expected = orm_ids({name: values})
        assert 0 < len(expected) < published().count()
        assert set(ids(results)) == expected
        assert results.total == len(expected) == len(results.hits)
        assert ids(results) == ids(run(DatabaseEngine(), filters={name: values}))

    def test_filters_combine(self, engine, frozen_now):
        filters = {"category": ["soc"], "municipality": ["kyzyl"], "free": ["on"], "delivery": ["phone", "in_person"]}
        results = run(engine, filters=filters)
        assert results.total > 0
        assert set(ids(results)) == orm_ids(filters)

    def test_invalid_parameter_is_ignored_like_the_database_engine_does(self, engine):
        filters = {"category": ["no-such-code"], "municipality": ["kyzyl"]}
        results = run(engine, filters=filters)
        reference = run(DatabaseEngine(), filters=filters)
        assert ids(results) == ids(reference) and results.total > 0
        assert results.facets == reference.facets

    def test_open_now_follows_holidays_and_dated_exceptions(self, engine, frozen_now):
        today = frozen_now.date()
        open_before = set(ids(run(engine, filters={"open_now": ["on"]})))
        regular = published().filter(pk__in=open_before, location__is_24_7=False).order_by("pk")
        closed_location = regular.first().location
        ScheduleException.objects.create(location=closed_location, date=today, is_closed=True)
        reopened = (
            published()
            .filter(location__is_24_7=False)
            .exclude(pk__in=open_before)
            .exclude(location__schedule_exceptions__date=today)
            .first()
            .location
        )
        ScheduleException.objects.create(
            location=reopened, date=today, is_closed=False, opens_at=time(11, 0), closes_at=time(11, 30)
        )
        # A dated exception does not need a re-index: it is read from the database at query time.
        now_open = set(ids(run(engine, filters={"open_now": ["on"]})))
        assert now_open == orm_ids({"open_now": ["on"]})
        assert not now_open & set(closed_location.service_at_locations.values_list("pk", flat=True))
        assert set(reopened.service_at_locations.filter(service__status="published").values_list("pk", flat=True)) <= (
            now_open
        )

        Holiday.objects.create(date=today, name="Тестовый праздник")
        holiday_open = set(ids(run(engine, filters={"open_now": ["on"]})))
        assert holiday_open == orm_ids({"open_now": ["on"]})
        assert holiday_open == set(published().filter(location__is_24_7=True).values_list("pk", flat=True)) | set(
            reopened.service_at_locations.filter(service__status="published").values_list("pk", flat=True)
        )

    # ------------------------------------------------------------------ facets

    def test_disjunctive_facet_counts_equal_the_database_engine_and_the_orm(self, engine, frozen_now):
        filters = {"municipality": ["kyzyl"], "free": ["on"], "category": ["soc"], "delivery": ["in_person"]}
        results = run(engine, filters=filters, per_page=5)
        reference = run(DatabaseEngine(), filters=filters, per_page=5)
        assert results.facets == reference.facets
        assert results.total == reference.total == len(orm_ids(filters))

        def others(name: str, values: list[str]) -> int:
            narrowed = {key: value for key, value in filters.items() if key != name}
            return len(orm_ids({**narrowed, name: values}))

        municipality = {f.value: f for f in results.facets["municipality"]}
        for code in ("kyzyl", "ak-dovurak", "dzun-khemchiksky"):
            assert municipality[code].count == others("municipality", [code])
        assert [f.value for f in results.facets["municipality"] if f.selected] == ["kyzyl"]
        delivery = {f.value: f.count for f in results.facets["delivery"]}
        for mode in ("in_person", "phone", "online", "home_visit"):
            assert delivery[mode] == others("delivery", [mode])
        target_groups = {f.value: f.count for f in results.facets["target_group"]}
        assert target_groups and all(
            count == len(orm_ids({**filters, "target_group": [code]})) for code, count in (target_groups.items())
        )
        assert results.facets["free"][0].count == results.total and results.facets["free"][0].selected
        assert results.facets["accessible"][0].count == len(orm_ids({**filters, "accessible": ["on"]}))
        assert results.facets["open_now"][0].count == len(orm_ids({**filters, "open_now": ["on"]}))
        category = {f.value: f for f in results.facets["category"]}
        assert category["soc"].selected and category["soc"].count == others("category", ["soc"])

    def test_facets_without_filters_equal_the_database_engine(self, engine, frozen_now):
        assert run(engine, per_page=1).facets == run(DatabaseEngine(), per_page=1).facets

    def test_facets_of_a_text_query_equal_the_database_engine(self, engine, frozen_now):
        filters = {"target_group": ["large"]}
        results = run(engine, query="помощь семьям", filters=filters, per_page=3)
        reference = run(DatabaseEngine(), query="помощь семьям", filters=filters, per_page=3)
        assert results.total == reference.total > 0
        assert results.facets == reference.facets

    def test_a_renamed_district_is_named_so_in_the_facets_at_once(self, engine):
        """The facets' names are kept in the process; an edit forgets them."""
        first = run(engine, per_page=1).facets["municipality"][0]
        municipality = Municipality.objects.get(code=first.value)
        municipality.name = "Переименованный кожуун"
        municipality.save()
        renamed = {value.value: value for value in run(engine, per_page=1).facets["municipality"]}
        assert renamed[first.value].label == "Переименованный кожуун"
        assert renamed[first.value].count == first.count

    # ------------------------------------------------------------------ distance

    def test_distance_sort_follows_geodesic_distance_with_confidential_places_last(self, engine):
        point = kyzyl()
        results = run(engine, near=point, sort="distance")
        reference = run(DatabaseEngine(), near=point, sort="distance")
        assert results.total == reference.total == len(results.hits)
        assert set(ids(results)) == set(ids(reference))
        distances = [real_km(point, hit.service_at_location.location) for hit in results.hits]
        placed = [d for d in distances if d is not None]
        assert distances[: len(placed)] == placed, "places without a public position come last"
        assert any(hit.service_at_location.location.is_confidential for hit in results.hits[len(placed) :])
        for nearer, farther in zip(placed, placed[1:], strict=False):
            # The index measures on a sphere, geopy on the ellipsoid: equal within 0.5 %.
            assert nearer <= farther * 1.005 + 0.01
        expected = [real_km(point, hit.service_at_location.location) for hit in reference.hits]
        assert distances[: len(placed)] == pytest.approx(expected[: len(placed)], rel=0.005, abs=0.01)
        for hit, real in zip(results.hits, distances, strict=True):
            assert hit.distance_km == (None if real is None else pytest.approx(real, abs=0.001))
        unplaced = [hit.service_at_location for hit in results.hits[len(placed) :]]
        assert [(sal.service.name, sal.pk) for sal in unplaced] == sorted(
            (sal.service.name, sal.pk) for sal in unplaced
        )

    def test_radius_keeps_the_same_places(self, engine):
        point = kyzyl()
        near = GeoPoint(point.latitude, point.longitude, radius_km=3)
        results = run(engine, near=near, sort="distance")
        reference = run(DatabaseEngine(), near=near, sort="distance")
        assert 0 < results.total == reference.total < published().count()
        assert set(ids(results)) == set(ids(reference))
        assert all(hit.distance_km <= 3 for hit in results.hits)
        assert results.facets == reference.facets

    # ------------------------------------------------------------------ paging

    @pytest.mark.parametrize(("query", "sort"), [("", "name"), ("", "distance"), ("консультация", "relevance")])
    def test_pages_continue_without_overlap(self, engine, query, sort):
        near = kyzyl() if sort == "distance" else None
        whole = run(engine, query=query, near=near, sort=sort, per_page=21)
        pages = [run(engine, query=query, near=near, sort=sort, page=page, per_page=7) for page in (1, 2, 3)]
        assert [pk for page in pages for pk in ids(page)] == ids(whole)
        assert len(set(ids(whole))) == 21
        assert {page.total for page in pages} == {whole.total}
        assert whole.total == run(DatabaseEngine(), query=query, near=near, sort=sort, per_page=1).total
        assert pages[1].has_previous and pages[1].page == 2 and pages[1].start_index == 8
        last = run(engine, query=query, near=near, sort=sort, page=pages[0].num_pages, per_page=7)
        assert 0 < len(last.hits) <= 7 and not last.has_next

    def test_name_order_is_by_name_then_row(self, engine):
        results = run(engine, sort="name", per_page=60)
        keys = [(hit.service_at_location.service.name, hit.pk) for hit in results.hits]
        reference = run(DatabaseEngine(), sort="name", per_page=60)
        if connection.vendor == "sqlite":  # binary collation: the order of code points, as in the index
            assert keys == sorted(keys)
            assert ids(results) == ids(reference)
        else:  # PostgreSQL sorts by the database's locale; the index by code points
            assert engine.name == "database" or keys == sorted(keys)

    # ------------------------------------------------------------------ text

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("психолог", lambda sal: "психолог" in sal.service.name.lower()),
            ("логопед", lambda sal: "логопед" in sal.service.name.lower()),
            ("центр занятости", lambda sal: sal.service.organization.provider_type.code == "employment"),
        ],
    )
    def test_text_queries_find_the_expected_services_first(self, engine, query, expected):
        results = run(engine, query=query, per_page=ALL)
        reference = run(DatabaseEngine(), query=query, per_page=ALL)
        assert results.total > 0
        assert set(ids(results)) == set(ids(reference)), "the same rows match; only the order is the engine's"
        top = [expected(hit.service_at_location) for hit in results.hits[:3]]
        names = [hit.service_at_location.service.name for hit in results.hits[:3]]
        assert top[0] or engine.name == "database", names
        # The database engine ranks only by the name: for «центр занятости» a sport class comes first.
        assert all(top) if engine.name != "database" else any(top), names
        assert results.query_run == reference.query_run

    def test_snippets_mark_the_matched_words(self, engine):
        results = run(engine, query="логопед", per_page=5)
        snippets = [hit.snippet for hit in results.hits if hit.snippet]
        assert snippets and all("<mark>" in text for text in snippets)

    # ------------------------------------------------------------------ forgiving search, crisis

    def test_a_word_the_databank_does_not_know_does_not_empty_the_results(self, engine):
        strict = run(engine, query="логопед абырвалгщ")
        assert strict.total == 0  # every word together: nothing
        results = forgive(engine, "логопед абырвалгщ")
        assert results.total == run(engine, query="логопед").total > 0
        assert results.relaxed_words == ["логопед"]
        assert "логопед" in results.hits[0].service_at_location.service.name.lower()

    def test_when_no_service_has_every_word_more_words_found_rank_first(self, engine):
        # «логопед» and «нарколог» are both in the databank, never in one service.
        assert run(engine, query="логопед нарколог").total == 0
        results = forgive(engine, "логопед нарколог", per_page=ALL)
        names = [hit.service_at_location.service.name.lower() for hit in results.hits]
        assert any("логопед" in name for name in names) and any("нарколог" in name for name in names)
        assert set(results.relaxed_words) == {"логопед", "нарколог"}
        either = run(engine, query="логопед").total + run(engine, query="нарколог").total
        assert results.total <= either

    def test_nothing_at_all_is_zero_without_relaxed_words(self, engine):
        results = forgive(engine, "абырвалгщ шмыгрыкс")
        assert results.total == 0 and results.relaxed_words == []

    def test_a_family_phrase_finds_the_databank_terms(self, engine):
        results = forgive(engine, "ребенок в три года не говорит")
        assert results.total > 0
        top = [hit.service_at_location.service.name.lower() for hit in results.hits[:3]]
        assert any("логопед" in name or "речи" in name or "дефектолог" in name for name in top), top

    def test_a_service_name_appears_once_in_the_top_of_a_list_by_relevance(self, engine):
        """Every district's centre offers «Социальное сопровождение семей с детьми»: the first page shows it once,
        the other places after every other service found; with a district chosen, each place counts."""
        results = forgive(engine, "сопровождение семьи", per_page=ALL)
        names = [hit.service_at_location.service.name for hit in results.hits]
        distinct = list(dict.fromkeys(names))
        assert len(distinct) < len(names), "the demo has a service name at several places"
        first = [hit.service_at_location.service_id for hit in results.hits[: len(distinct)]]
        assert len(set(first)) == len(first), "no service twice before every service found is shown once"
        if engine.name == "database":  # the same service of another organisation, too
            assert names[: len(distinct)] == distinct
        assert set(ids(results)) == set(ids(run(engine, query="сопровождение семьи")))  # only the order changed

    def test_by_distance_lists_the_services_named_for_the_query_nearest_first(self, engine):
        point = kyzyl()
        results = forgiving_search(
            engine, query="логопед", filters={}, near=point, sort="distance", page=1, per_page=ALL
        )
        assert results.total > 0
        for hit in results.hits:
            service = hit.service_at_location.service
            names = [service.name]
            for category in service.categories.all():
                while category is not None:
                    names += [category.name, category.short_name, *(kind.name for kind in category.kinds.all())]
                    category = category.parent
            assert "логопед" in " ".join(names).lower(), service.name
        distances = [hit.distance_km for hit in results.hits if hit.distance_km is not None]
        assert distances == sorted(distances)
        assert results.total <= run(engine, query="логопед").total

    @pytest.mark.parametrize("query", ["хочу умереть", "мысли о суициде", "отчим бьет", "ребенок пропал", "suicide"])
    def test_danger_is_marked_whatever_is_found(self, engine, query):
        assert forgive(engine, query).crisis is True

    @pytest.mark.parametrize("query", ["логопед", "пособие на ребенка", "жить в общежитии", "speech therapist"])
    def test_ordinary_queries_are_not_marked_as_danger(self, engine, query):
        assert forgive(engine, query).crisis is False

    # ------------------------------------------------------------------ the index follows the databank

    def test_a_draft_service_is_never_found(self, fresh_engine):
        sal = published().filter(service__name__icontains="логопед").select_related("service").first()
        service = sal.service
        before = run(fresh_engine, query="логопед")
        assert sal.pk in ids(before)
        touched = indexing.sal_ids_for(service)
        directory_services.service_set_status(service=service, status=Service.Status.DRAFT)
        sync(fresh_engine, touched)
        after = run(fresh_engine, query="логопед")
        assert not set(touched) & set(ids(after))
        assert after.total == before.total - len(touched)
        assert sal.pk not in ids(run(fresh_engine, filters={"municipality": [sal.location.municipality.code]}))

    def test_a_renamed_service_is_found_by_its_new_name(self, fresh_engine):
        sal = published().select_related("service").order_by("pk").first()
        service = sal.service
        assert run(fresh_engine, query="астрономов").total == 0
        service.name = "Кружок юных астрономов"
        service.save()
        search_sync.databank_changed(services=[service.pk])  # what directory.signals have done by the commit
        query_parser.vocabulary_reset()  # the query parser learns the new words (it caches them for minutes)
        sync(fresh_engine, indexing.sal_ids_for(service))
        results = run(fresh_engine, query="астрономов")
        assert set(ids(results)) == set(service.service_at_locations.values_list("pk", flat=True))
        assert results.hits[0].service_at_location.service.name == "Кружок юных астрономов"

    def test_a_deleted_service_disappears(self, fresh_engine):
        sal = published().select_related("service").order_by("-pk").first()
        service = sal.service
        touched = indexing.sal_ids_for(service)  # before the delete: afterwards the rows are gone
        total = run(fresh_engine, per_page=1).total
        service.delete()
        sync(fresh_engine, touched)
        results = run(fresh_engine, per_page=ALL)
        assert results.total == total - len(touched)
        assert not set(touched) & set(ids(results))

    def test_schedule_change_is_indexed_for_open_now(self, fresh_engine, frozen_now):
        sal = (
            published()
            .filter(location__is_24_7=False, location__is_confidential=False)
            .exclude(pk__in=orm_ids({"open_now": ["on"]}))
            .order_by("pk")
            .first()
        )
        Schedule.objects.create(
            location=sal.location, weekday=frozen_now.weekday(), opens_at=time(11, 0), closes_at=time(11, 10)
        )
        sync(fresh_engine, indexing.sal_ids_for(sal.location))
        assert sal.pk in ids(run(fresh_engine, filters={"open_now": ["on"]}))

    def test_alias_swap_keeps_searches_working(self, fresh_engine):
        if fresh_engine.name == "database":
            pytest.skip("the database engine has no index")
        client = fresh_engine.client
        first_index = indexing.alias_indices(client)
        before = run(fresh_engine, filters={"municipality": ["kyzyl"]})
        during = []
        original_bulk = fresh_engine.bulk

        def bulk_and_search(actions, **kwargs):
            # While the new index is filled, the alias still serves the complete old one.
            during.append(run(fresh_engine, filters={"municipality": ["kyzyl"]}))
            return original_bulk(actions, **kwargs)

        fresh_engine.bulk = bulk_and_search
        result = indexing.rebuild(fresh_engine)
        fresh_engine.bulk = original_bulk

        assert indexing.alias_indices(client) == [result["index"]] != first_index
        assert result["deleted"] == first_index
        assert indexing.versions(client) == [result["index"]]
        assert ids(during[0]) == ids(before)
        assert ids(run(fresh_engine, filters={"municipality": ["kyzyl"]})) == ids(before)
        status = indexing.status(fresh_engine)
        assert status["documents"] == status["expected"] == published().count()


# ---------------------------------------------------------------------------------- engine-specific


def test_elasticsearch_is_skipped_with_a_reason_without_a_cluster(monkeypatch):
    import os

    if os.environ.get("ELASTICSEARCH_URL"):
        pytest.skip("ELASTICSEARCH_URL is set: the contract runs against it")
    assert "osmem-server" in ELASTICSEARCH_SKIP


def test_unreachable_cluster_raises_search_engine_unavailable(settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SEARCH_URL = f"http://127.0.0.1:{port}"
    settings.SEARCH_TIMEOUT_SECONDS = 1
    from search.engines.elasticsearch import ElasticsearchEngine
    from search.engines.opensearch import OpenSearchEngine

    for engine in (OpenSearchEngine(), ElasticsearchEngine()):
        with pytest.raises(SearchEngineUnavailable):
            run(engine, query="психолог")


def test_missing_index_raises_search_engine_unavailable(search_server_url, settings):
    from search.engines.opensearch import OpenSearchEngine

    settings.SEARCH_URL = search_server_url
    settings.SEARCH_INDEX_PREFIX = "test-never-built"
    with pytest.raises(SearchEngineUnavailable, match="rebuild"):
        run(OpenSearchEngine())
    assert indexing.update_objects([1], OpenSearchEngine()) == {"indexed": 0, "deleted": 0, "indices": []}


def test_index_names_come_from_the_prefix(settings):
    settings.SEARCH_INDEX_PREFIX = "families"
    assert documents.alias_name() == "families-services"
    assert documents.index_name("20260101000000000000") == "families-services-v20260101000000000000"
    assert documents.index_name().startswith("families-services-v")


def test_confidential_places_carry_no_position():
    sal = published().filter(location__is_confidential=True).select_related("location").first()
    document = documents.document_for(sal)
    assert "location" not in document and document["is_confidential"] is True
    assert "location" in documents.document_for(published().filter(location__is_confidential=False).first())


def test_category_codes_include_ancestors_and_kinds():
    item = Category.objects.filter(parent__parent__isnull=True, parent__isnull=False, is_public=True).first()
    sal = published().filter(service__categories=item).first() or published().first()
    document = documents.document_for(sal)
    for code in document["categories"]:
        covered = selectors.category_descendant_ids(Category.objects.filter(code=code))
        assert set(sal.service.categories.values_list("pk", flat=True)) & covered


def test_open_hours_are_week_second_ranges():
    location = Location.objects.filter(is_24_7=False, schedules__isnull=False).first()
    sal = published().filter(location=location).first()
    document = documents.document_for(sal)
    schedule = location.schedules.order_by("weekday", "opens_at").first()
    start = schedule.weekday * 86400 + schedule.opens_at.hour * 3600 + schedule.opens_at.minute * 60
    assert document["open_week_seconds"][0]["gte"] == start


def test_documents_carry_the_database_engines_lemmas(django_assert_max_num_queries):
    """Both engines match the same words: the lemma fields are the services' stored columns, every row."""
    rows = selectors.public_service_at_locations()
    with django_assert_max_num_queries(4 + 7 * (rows.count() // 500 + 1)):  # the chunks, not the rows
        docs = list(documents.documents_for(rows))
    assert [doc["sal_id"] for doc in docs] == sorted(rows.values_list("pk", flat=True))
    columns = {pk: (name, text) for pk, name, text in Service.objects.values_list("pk", "search_name", "search_text")}
    for doc in docs:
        assert (doc["name_lemmas"], doc["text_lemmas"]) == tuple(
            column.strip() for column in columns[doc["service_id"]]
        )


def test_sal_ids_for_related_objects():
    sal = published().select_related("service__organization", "location").first()
    # a place of a service: with the service's other places (which of them is the first may change)
    assert indexing.sal_ids_for(sal) == sorted(
        ServiceAtLocation.objects.filter(service=sal.service).values_list("pk", flat=True)
    )
    assert sal.pk in indexing.sal_ids_for(sal.service)
    assert sal.pk in indexing.sal_ids_for(sal.location)
    assert sal.pk in indexing.sal_ids_for(sal.service.organization)
    category = sal.service.categories.first()
    if category is not None:
        assert sal.pk in indexing.sal_ids_for(category)


def test_management_command_rebuilds_updates_and_reports(search_server_url, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.SEARCH_URL = search_server_url
    settings.SEARCH_ENGINE = "opensearch"
    settings.SEARCH_INDEX_PREFIX = f"test-command-{timezone.now():%H%M%S%f}"
    out = StringIO()
    call_command("search_index", "rebuild", stdout=out)
    call_command("search_index", "update", stdout=out)
    call_command("search_index", "status", stdout=out)
    text = out.getvalue()
    assert "построен" in text and "обновлён" in text
    assert f"Документов в индексе: {published().count()} (в базе опубликовано: {published().count()})" in text


def test_bulk_requests_wait_longer_than_a_search(search_server_url, settings):
    """A search gives up after SEARCH_TIMEOUT_SECONDS (the family gets the database engine); a rebuild's bulk
    requests wait SEARCH_INDEX_TIMEOUT_SECONDS, since a busy server takes seconds to index a chunk."""
    from search.engines.opensearch import OpenSearchEngine

    settings.SEARCH_URL = search_server_url
    settings.SEARCH_ENGINE = "opensearch"
    settings.SEARCH_INDEX_PREFIX = f"test-timeout-{timezone.now():%H%M%S%f}"
    name = documents.index_name()
    indexing.create_index(OpenSearchEngine().client, name)
    docs = list(documents.documents_for(published()))

    def actions():
        return ({"_op_type": "index", "_index": name, "_id": str(doc["sal_id"]), "_source": doc} for doc in docs)

    # No server indexes a hundred documents in a microsecond.
    settings.SEARCH_TIMEOUT_SECONDS, settings.SEARCH_INDEX_TIMEOUT_SECONDS = 60, 0.000001
    with pytest.raises(SearchEngineUnavailable):
        OpenSearchEngine().bulk(actions(), chunk_size=len(docs))
    settings.SEARCH_TIMEOUT_SECONDS, settings.SEARCH_INDEX_TIMEOUT_SECONDS = 0.000001, 60
    indexed, _ = OpenSearchEngine().bulk(actions(), chunk_size=len(docs))
    assert indexed == len(docs) >= 100
    settings.SEARCH_TIMEOUT_SECONDS = 60
    OpenSearchEngine().client.indices.delete(index=name)


def test_management_command_refuses_without_a_distributed_engine(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.SEARCH_URL = ""
    settings.SEARCH_ENGINE = "database"
    with pytest.raises(CommandError, match="встроенном движке"):
        call_command("search_index", "status")


def test_reindex_task_runs_after_commit(fresh_opensearch_engine, django_capture_on_commit_callbacks):
    from search.tasks import reindex_service_at_locations, schedule_reindex

    sal = published().select_related("service").order_by("pk")[1]
    Service.objects.filter(pk=sal.service_id).update(status=Service.Status.ARCHIVED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule_reindex(indexing.sal_ids_for(sal.service))
    assert len(callbacks) == 1
    assert sal.pk not in ids(run(fresh_opensearch_engine, per_page=ALL))
    result = reindex_service_at_locations.enqueue([sal.pk])
    assert result.return_value["deleted"] == 1


def test_schedule_reindex_does_nothing_on_the_database_engine(settings, django_capture_on_commit_callbacks):
    from search.tasks import schedule_reindex

    settings.SEARCH_URL = ""
    settings.SEARCH_ENGINE = "database"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        schedule_reindex([1, 2])
    assert callbacks == []


def test_holiday_dates_do_not_collide_with_the_frozen_moment():
    assert not Holiday.objects.filter(date=MOMENT.date()).exists()
    assert MOMENT.date() > date.today() + timedelta(days=365)
