"""Filters narrow the results correctly, counts are honest, distance sort follows real distance."""

import pytest
from geopy.distance import geodesic

from directory import selectors
from directory.models import Category, Service, ServiceAtLocation, Settlement
from search import services as search
from search.cards import with_rows
from search.engines.base import GeoPoint

pytestmark = pytest.mark.django_db
ALL = 10_000


def ids(results):
    return {hit.pk for hit in results.hits}


def run(**filters):
    """Every row the filters find, with its model row read at once (the checks below read them)."""
    results = search.search(filters=filters, per_page=ALL)
    with_rows(results.hits)
    with_rows(results.hits)
    return results


def test_no_filter_lists_every_published_service_at_location():
    results = run()
    assert results.total == ServiceAtLocation.objects.filter(service__status="published").count()
    assert len(results.hits) == results.total


@pytest.mark.parametrize(
    ("param", "value", "check"),
    [
        ("target_group", "large", lambda sal: sal.service.target_groups.filter(code="large").exists()),
        ("municipality", "kyzyl", lambda sal: sal.location.municipality.code == "kyzyl"),
        ("provider_type", "employment", lambda sal: sal.service.organization.provider_type.code == "employment"),
        ("free", "on", lambda sal: sal.service.cost == Service.Cost.FREE),
        ("delivery", "home_visit", lambda sal: sal.service.delivery_home_visit),
        ("accessible", "on", lambda sal: sal.location.wheelchair_accessible),
    ],
)
def test_each_filter_narrows_to_matching_rows_only(param, value, check):
    everything = run()
    narrowed = run(**{param: [value]})
    assert 0 < narrowed.total < everything.total
    assert ids(narrowed) <= ids(everything)
    assert all(check(hit.service_at_location) for hit in narrowed.hits)
    # and nothing that matches is left out
    missing = [hit for hit in everything.hits if hit.pk not in ids(narrowed)]
    assert not any(check(hit.service_at_location) for hit in missing)


def test_settlement_filter():
    settlement = Settlement.objects.filter(locations__isnull=False).first()
    narrowed = run(settlement=[settlement.code])
    assert narrowed.total > 0
    assert all(hit.service_at_location.location.settlement_id == settlement.pk for hit in narrowed.hits)


def test_category_filter_includes_items_below_the_group_and_groups_below_a_kind():
    group = Category.objects.get(code="A8")
    below = selectors.category_descendant_ids([group])
    narrowed = run(category=["A8"])
    assert narrowed.total > 0
    for hit in narrowed.hits:
        assert set(hit.service_at_location.service.categories.values_list("pk", flat=True)) & below
    by_kind = run(category=["soc"])
    assert ids(narrowed) <= ids(by_kind)


def test_open_now_filter_agrees_with_the_opening_status_of_each_place():
    narrowed = run(open_now=["on"])
    everything = run()
    open_ids = {hit.pk for hit in everything.hits if selectors.opening_status(hit.service_at_location.location).is_open}
    assert ids(narrowed) == open_ids


def test_filters_combine_and_facet_counts_are_disjunctive():
    results = search.search(filters={"municipality": ["kyzyl"], "free": ["on"]}, per_page=ALL)
    with_rows(results.hits)
    assert all(
        hit.service_at_location.location.municipality.code == "kyzyl" and hit.service_at_location.service.cost == "free"
        for hit in results.hits
    )
    municipality_counts = {f.value: f.count for f in results.facets["municipality"]}
    # Each district's count applies the *other* filters (free only), not the district filter itself.
    for code in ("kyzyl", "ak-dovurak"):
        expected = run(municipality=[code], free=["on"]).total
        assert municipality_counts[code] == expected
    selected = [f for f in results.facets["municipality"] if f.selected]
    assert [f.value for f in selected] == ["kyzyl"]
    free_count = results.facets["free"][0].count
    assert free_count == results.total


def test_text_search_finds_word_forms():
    results = search.search(query="психолога для подростков", per_page=ALL)
    with_rows(results.hits)
    assert results.total > 0
    names = " ".join(hit.service_at_location.service.search_text for hit in results.hits)
    assert " психолог" in names and " подросток" in names
    assert results.query_run == "психолога для подростков" and not results.corrected


def test_distance_sort_orders_by_real_geodesic_distance():
    kyzyl = Settlement.objects.get(code="kyzyl")
    point = GeoPoint(float(kyzyl.latitude), float(kyzyl.longitude))
    results = search.search(near=point, sort="distance", per_page=ALL)
    with_rows(results.hits)
    distances = []
    for hit in results.hits:
        location = hit.service_at_location.location
        if location.is_confidential:
            assert hit.distance_km is None
            continue
        real = geodesic((point.latitude, point.longitude), (float(location.latitude), float(location.longitude))).km
        assert hit.distance_km == pytest.approx(real, abs=0.001)
        distances.append(real)
    assert distances == sorted(distances)
    assert distances[0] < 5 < distances[-1]
    # confidential places (no public position) come last
    assert results.hits[-1].distance_km is None or all(h.distance_km is not None for h in results.hits)


def test_distance_sort_from_another_settlement_puts_its_services_first(client):
    settlement = Settlement.objects.get(code="ak-dovurak")
    response = client.get("/services/", {"near": settlement.code, "sort": "distance"})
    first = response.context["results"].hits[0].card
    assert first.municipality == Settlement.objects.get(code="ak-dovurak").municipality.name
    assert "км" in response.content.decode()


def test_bad_parameters_are_ignored_with_a_message_not_an_error(client):
    response = client.get("/services/", {"lat": "500", "lon": "10", "page": "abc", "category": "nonexistent"})
    assert response.status_code == 200
    response = client.get("/services/", {"lat": "51.7"})
    assert "нужны обе координаты" in response.content.decode()
