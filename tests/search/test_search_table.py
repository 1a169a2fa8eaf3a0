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
    assert sal.pk not in {hit.service_at_location.pk for hit in before.hits}

    # As the admin does it (the family categories are a cluster field: written by the save). The lemma columns
    # follow only on commit; the search table's lists are written in the saving transaction.
    service.target_groups.add(group)
    service.save()

    after = search.search(filters={"target_group": [group.code]}, per_page=5000)
    assert sal.pk in {hit.service_at_location.pk for hit in after.hits}
    assert group.pk in SearchRow.objects.get(sal_id=sal.pk).target_groups
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

    assert group.pk in SearchRow.objects.get(sal_id=sal.pk).target_groups
    found = search.search(filters={"target_group": [group.code]}, per_page=5000)
    assert sal.pk in {hit.service_at_location.pk for hit in found.hits}


def _postings() -> dict[str, set[int]]:
    """Every posting as the set of row ids that have its key (positions differ between a refresh and a rebuild)."""
    from search import bitsets, postings
    from search.models import SearchPosting

    sal_of = dict(SearchRow.objects.values_list("position", "sal_id"))
    return {
        key: {sal_of[position] for position in bitsets.positions(bits)}
        for key, bits in postings.read(SearchPosting.objects.all()).items()
    }


def test_postings_kept_by_edits_equal_a_rebuild(django_capture_on_commit_callbacks):
    """The postings a search reads follow renames, new words, new places, unpublishing and deletes exactly as a
    rebuild from scratch would write them: no stale bit stays, no key is missing."""
    from directory.models import Service

    services = list(Service.objects.filter(status="published").order_by("pk")[:3])
    renamed, unpublished, deleted = services
    renamed.name = "Зоопсихолог для семей с кроликами"
    with django_capture_on_commit_callbacks(execute=True):  # the lemma columns follow on commit
        renamed.save()
    unpublished.status = Service.Status.DRAFT
    unpublished.save()
    gone = set(ServiceAtLocation.objects.filter(service=deleted).values_list("pk", flat=True))
    deleted.delete()

    kept = _postings()
    positions = dict(SearchRow.objects.values_list("sal_id", "position"))
    assert "n:зоопсихолог" in kept
    assert not gone & set().union(*kept.values())
    assert len(set(positions.values())) == len(positions)  # no two rows share a bit

    rows.rebuild()
    assert kept == _postings()


def test_a_rewritten_row_keeps_its_position_and_a_new_one_takes_a_free_position(django_capture_on_commit_callbacks):
    from directory.models import Location

    sal = ServiceAtLocation.objects.filter(service__status="published").select_related("service").first()
    before = dict(SearchRow.objects.values_list("sal_id", "position"))
    sal.service.description += " Новая фраза про ипотеку."
    with django_capture_on_commit_callbacks(execute=True):
        sal.service.save()
    assert SearchRow.objects.get(sal_id=sal.pk).position == before[sal.pk]

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
    position = SearchRow.objects.get(sal_id=added.pk).position
    assert position not in before.values()
    found = search.search("ипотека", per_page=100)
    assert {sal.pk, added.pk} <= {hit.service_at_location.pk for hit in found.hits}
