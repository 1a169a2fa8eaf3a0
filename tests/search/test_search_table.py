"""The database engine's search table follows edits at once, in the editing transaction: family categories of a
service, and opening hours (the query-less page caches its counts, «open now» included)."""

from datetime import time

import pytest

from directory import selectors
from directory.models import Schedule, ServiceAtLocation, TargetGroup
from search import rows
from search import services as search
from search.models import SearchRow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_engine(settings):
    settings.SEARCH_URL = ""
    settings.SEARCH_ENGINE = "database"


def _count(results, facet: str, code: str) -> int:
    return next((value.count for value in results.facets[facet] if value.value == code), 0)


def test_a_family_category_added_to_a_service_is_filtered_and_counted_at_once():
    sal = ServiceAtLocation.objects.filter(service__status="published").select_related("service").first()
    service = sal.service
    group = TargetGroup.objects.filter(is_public=True).exclude(services=service).first()
    before = search.search(filters={"target_group": [group.code]}, per_page=5000)
    assert sal.pk not in {hit.pk for hit in before.hits}

    # As the admin does it (the family categories are a cluster field: written by the save). The lemma columns
    # follow only on commit; the search table's lists are written in the saving transaction.
    service.target_groups.add(group)
    service.save()

    after = search.search(filters={"target_group": [group.code]}, per_page=5000)
    assert sal.pk in {hit.pk for hit in after.hits}
    assert f"g:{group.pk}" in SearchRow.objects.get(sal_id=sal.pk).keys
    assert _count(search.search(), "target_group", group.code) == after.total


def test_new_hours_change_the_cached_open_now_count_of_the_query_less_page():
    closed = (
        SearchRow.objects.filter(is_24_7=False)
        .exclude(selectors.open_now_q(prefix="", location_field="location_id"))
        .values_list("location_id", flat=True)
        .first()
    )
    assert closed is not None
    first = search.search()  # fills the cache
    assert _count(search.search(), "open_now", "on") == _count(first, "open_now", "on")
    generation = rows.stamp()

    today = selectors.local_now().weekday()
    Schedule.objects.create(location_id=closed, weekday=today, opens_at=time(0, 0), closes_at=time(23, 59, 59))

    assert rows.stamp() != generation
    rows_there = SearchRow.objects.filter(location_id=closed).count()
    assert _count(search.search(), "open_now", "on") == _count(first, "open_now", "on") + rows_there


def test_a_service_added_to_a_family_category_from_the_category_side_is_filtered_at_once():
    sal = ServiceAtLocation.objects.filter(service__status="published").select_related("service").first()
    group = TargetGroup.objects.filter(is_public=True).exclude(services=sal.service).first()

    group.services.add(sal.service)  # the reverse manager writes at once (no cluster save)

    assert f"g:{group.pk}" in SearchRow.objects.get(sal_id=sal.pk).keys
    found = search.search(filters={"target_group": [group.code]}, per_page=5000)
    assert sal.pk in {hit.pk for hit in found.hits}


def _table() -> dict[int, tuple]:
    """Every row of the search table with what the engine reads of it."""
    columns = ("name", "search_name", "search_text", "latitude", "longitude", "is_24_7", "location_id")
    return {row.sal_id: (*(getattr(row, c) for c in columns), sorted(row.keys)) for row in SearchRow.objects.all()}


def _indexed(word: str) -> set[int]:
    """The rows the database's full-text index finds by a word of the name."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sal_id FROM search_searchrow WHERE name_vector @@ to_tsquery('simple', %s)", [f"'{word}':*"]
            )
        else:
            cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [f'search_name : "{word}"*'])
        return {row[0] for row in cursor.fetchall()}


def test_rows_kept_by_edits_equal_a_rebuild(django_capture_on_commit_callbacks):
    """The rows and the full-text index a search reads follow renames, new words, unpublishing and deletes
    exactly as a rebuild from scratch would write them: no stale row stays, no word is missing."""
    from directory.models import Service

    services = list(Service.objects.filter(status="published").order_by("pk")[:3])
    renamed, unpublished, deleted = services
    old_word = renamed.search_name.split()[0]
    renamed.name = "Зоопсихолог для семей с кроликами"
    with django_capture_on_commit_callbacks(execute=True):  # the lemma columns follow on commit
        renamed.save()
    unpublished.status = Service.Status.DRAFT
    unpublished.save()
    gone = set(ServiceAtLocation.objects.filter(service=deleted).values_list("pk", flat=True))
    deleted.delete()

    kept = _table()
    renamed_rows = set(ServiceAtLocation.objects.filter(service=renamed).values_list("pk", flat=True))
    assert _indexed("зоопсихолог") == renamed_rows
    assert not renamed_rows & _indexed(old_word) or old_word in renamed.search_name.split()
    assert not gone & set(kept)
    assert not set(ServiceAtLocation.objects.filter(service=unpublished).values_list("pk", flat=True)) & set(kept)

    rows.rebuild()
    assert kept == _table()
    assert _indexed("зоопсихолог") == renamed_rows


def test_a_new_place_of_a_service_is_found_at_once(django_capture_on_commit_callbacks):
    from directory.models import Location

    sal = ServiceAtLocation.objects.filter(service__status="published").select_related("service").first()
    sal.service.description += " Новая фраза про ипотеку."
    with django_capture_on_commit_callbacks(execute=True):
        sal.service.save()

    location = Location.objects.filter(organization_id=sal.service.organization_id).first()
    other = Location.objects.create(
        organization_id=location.organization_id,
        name="Второй адрес",
        municipality_id=location.municipality_id,
        settlement_id=location.settlement_id,
        street="ул. Новая",
        house="1",
    )
    added = ServiceAtLocation.objects.create(service=sal.service, location=other)
    found = search.search("ипотека", per_page=100)
    assert {sal.pk, added.pk} <= {hit.pk for hit in found.hits}
