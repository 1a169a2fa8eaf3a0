"""Kiosk list screens run a fixed number of SQL queries, however many rows they show."""

import pytest

from directory.models import Phone, Service
from tests.query_counts import queries_of
from website.kiosk import views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_clock")]


def count(client, path, **params):
    queries, response = queries_of(client, path, **params)
    return queries, response.content.decode()


@pytest.mark.parametrize(
    "params", [{"near": "1"}, {"q": "психолог"}, {"category": "A4"}, {"category": "A4", "page": "2"}]
)
def test_results_query_count_does_not_grow_with_the_page_size(client, kiosk, monkeypatch, params):
    path = f"/kiosk/{kiosk.code}/results/"
    client.get(path, params)  # warm the process caches (synonyms, vocabulary)
    monkeypatch.setattr(views, "PER_PAGE", 3)
    small, small_html = count(client, path, **params)
    monkeypatch.setattr(views, "PER_PAGE", 9)
    large, large_html = count(client, path, **params)
    assert large_html.count('class="k-card"') >= small_html.count('class="k-card"')
    assert small == large <= 30


@pytest.mark.parametrize("screen", ["help/", "situations/", "hotlines/", "offline/", ""])
def test_fixed_screens_are_bounded(client, kiosk, screen, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert client.get(f"/kiosk/{kiosk.code}/{screen}").status_code == 200


def test_hotlines_screen_does_not_grow_with_hotlines(client, kiosk):
    path = f"/kiosk/{kiosk.code}/hotlines/"
    client.get(path)
    before, _html = count(client, path)
    extra = list(Service.objects.filter(status="published", is_hotline=False).order_by("pk")[:6])
    Phone.objects.bulk_create(
        [Phone(service=service, number=f"+7 394 222-33-{40 + i}") for i, service in enumerate(extra)]
    )
    Service.objects.filter(pk__in=[service.pk for service in extra]).update(is_hotline=True)
    after, html = count(client, path)
    assert all(service.name in html for service in extra)
    assert before == after


def test_service_screen_does_not_grow_with_locations_and_phones(client, kiosk):
    services = Service.objects.filter(status="published").order_by("pk")
    few = min(services, key=lambda s: s.service_at_locations.count() + s.phones.count())
    many = max(services, key=lambda s: s.service_at_locations.count() + s.phones.count())
    for service in (few, many):  # warm: the day's usage row and the process caches
        client.get(f"/kiosk/{kiosk.code}/services/{service.pk}/")
    small, _ = count(client, f"/kiosk/{kiosk.code}/services/{few.pk}/")
    large, _ = count(client, f"/kiosk/{kiosk.code}/services/{many.pk}/")
    assert small == large <= 20
