"""Pages run a fixed number of SQL queries, however many results they show."""

import pytest

from directory.models import Organization, Service
from tests.query_counts import queries_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_clock")]


def count_queries(client, url, **params):
    return queries_of(client, url, **params)[0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "консультация"},
        {"category": "A4", "free": "on", "near": "kyzyl", "sort": "distance"},
        {"open_now": "on"},
    ],
)
def test_results_page_query_count_is_bounded_and_independent_of_page_size(client, settings, params):
    client.get("/services/", params)  # warm the process caches (synonyms, search vocabulary) first
    settings.DIRECTORY_PAGE_SIZE = 5
    small = count_queries(client, "/services/", **params)
    settings.DIRECTORY_PAGE_SIZE = 50
    large = count_queries(client, "/services/", **params)
    assert small == large
    assert large <= 40


def test_service_page_query_count_does_not_grow_with_locations_and_phones(client):
    services = Service.objects.filter(status="published").order_by("pk")
    few = min(services, key=lambda s: s.service_at_locations.count())
    many = max(services, key=lambda s: s.service_at_locations.count() + s.phones.count())
    assert many.service_at_locations.count() > few.service_at_locations.count()
    client.get(few.get_absolute_url())  # the values every page keeps in the process (site, hotlines) are read
    assert count_queries(client, few.get_absolute_url()) == count_queries(client, many.get_absolute_url()) <= 20


def test_organization_page_query_count_does_not_grow(client):
    organizations = Organization.objects.filter(services__status="published").distinct()
    small = min(organizations, key=lambda o: o.services.count() + o.locations.count())
    big = max(organizations, key=lambda o: o.services.count() + o.locations.count())
    client.get(small.get_absolute_url())  # the values every page keeps in the process (site, hotlines) are read
    assert count_queries(client, small.get_absolute_url()) == count_queries(client, big.get_absolute_url()) <= 20


def test_home_page_query_count(client, django_assert_max_num_queries):
    # +1: the language switcher reads the page's translations; +1: the footer's site operator (a site setting)
    with django_assert_max_num_queries(17):
        assert client.get("/").status_code == 200
