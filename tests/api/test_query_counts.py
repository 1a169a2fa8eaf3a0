"""The API's list endpoints run a fixed number of SQL queries, however many items a page holds (the bounds are
the counts measured on the demo databank: the validators of conditional requests, the rate limit and the page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.hsds import mapping
from directory.models import Location, Organization
from tests.query_counts import queries_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_clock")]
BASE = "/api/v1"


def count(client, path, **params):
    queries, response = queries_of(client, BASE + path, **params)
    return queries, len(response.json()["contents"])


@pytest.mark.parametrize(
    ("path", "params", "bound"),
    [
        ("/services", {}, 20),
        # PostgreSQL: the text search's planner setting is two statements around its id query (SET, RESET).
        ("/services", {"search": "помощь"}, 39),
        ("/organizations", {}, 15),
        ("/taxonomies", {}, 7),
        ("/taxonomy_terms", {}, 7),
        ("/service_at_locations", {}, 21),
        ("/services", {"full": "false"}, 20),
        ("/services", {"minimal": "true"}, 4),
        ("/services", {"taxonomy_id": mapping.taxonomy_id("measure")}, 20),
        ("/organizations", {"full": "true"}, 22),
        ("/organizations", {"full_service": "true"}, 22),
        ("/service_at_locations", {"full": "false", "taxonomy_id": mapping.taxonomy_id("kind")}, 21),
    ],
)
def test_list_endpoint_query_count_is_constant_in_the_page_size(client, path, params, bound):
    client.get(BASE + path, {**params, "per_page": 1})  # warm process caches (taxonomy, synonyms)
    # The better of two runs each: a per-process cache with a time to live (synonyms: 60 s) may expire between
    # two requests on a slow machine and add its one reload query to either of them.
    small, small_items = min(count(client, path, **params, per_page=4) for _ in range(2))
    large, large_items = min(count(client, path, **params, per_page=12) for _ in range(2))
    assert large_items == 3 * small_items or large_items > small_items, (small_items, large_items)
    assert small == large <= bound, (small, large)


def test_service_at_locations_filtered_by_location_is_constant(client):
    few = Location.objects.filter(service_at_locations__isnull=False).order_by("pk").first()
    busiest = max(
        Location.objects.filter(service_at_locations__isnull=False),
        key=lambda place: place.service_at_locations.count(),
    )
    assert (
        count(client, "/service_at_locations", location_id=str(few.uuid), per_page=100)[0]
        == count(client, "/service_at_locations", location_id=str(busiest.uuid), per_page=100)[0]
    )


def test_organizations_with_many_services_cost_no_more(client):
    organizations = Organization.objects.filter(services__isnull=False).distinct()
    small = min(organizations, key=lambda o: o.services.count())
    big = max(organizations, key=lambda o: o.services.count())
    assert big.services.count() > small.services.count()
    with CaptureQueriesContext(connection) as one:
        client.get(f"{BASE}/organizations/{small.uuid}")
    with CaptureQueriesContext(connection) as other:
        client.get(f"{BASE}/organizations/{big.uuid}")
    assert len(one.captured_queries) == len(other.captured_queries) <= 21
