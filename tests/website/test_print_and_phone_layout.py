"""Issue 20 server side: print views carry the site name and the date and no live badges or map links; the
results page's filters are a disclosure with the number chosen; «по расстоянию» without a place asks for one; a
service page starts with today's hours, a call button and the address."""

import re

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from directory.models import Organization, Service, ServiceAtLocation

pytestmark = pytest.mark.django_db


def html_of(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode()


def service_with_a_map() -> Service:
    sal = ServiceAtLocation.objects.filter(
        service__status="published", location__is_confidential=False, location__latitude__isnull=False
    ).first()
    return sal.service


def test_printable_service_and_organisation_pages(client):
    service = service_with_a_map()
    today = dateformat.format(timezone.localdate(), "j E Y")
    for url in (
        reverse("directory:service_print", args=[service.pk]),
        reverse("directory:organization_print", args=[service.organization.pk]),
    ):
        html = html_of(client, url)
        assert "Помощь семьям с детьми" in html and f"Напечатано {today}" in html, url
        for live in ("Сейчас закрыто", "Открыто сейчас", "Показать на карте", 'class="badge badge-'):
            assert live not in html, (url, live)
        assert "Часы работы" in html
    # the page itself still shows them
    html = html_of(client, service.get_absolute_url())
    assert "Показать на карте" in html and re.search(r'class="badge badge-(open|closed)"', html)


def test_results_filters_are_a_disclosure_with_the_number_chosen(client):
    url = reverse("search:results")
    html = html_of(client, url, {"q": "психолог"})
    panel = re.search(r"<details[^>]*data-filters-panel[^>]*>", html).group(0)
    assert " open" not in panel  # closed until filters.js opens it on a wide screen
    assert "Фильтры</h2></summary>" in html and 'src="/static/js/filters.js"' in html
    assert "data-apply" in html and "Применить" in html  # kept for no-JS
    html = html_of(client, url + "?q=психолог&free=on&category=psy&near=kyzyl&radius=25")
    assert "(выбрано: 4)" in html
    # results come after the search box and the panel, in that order
    assert html.index('id="q"') < html.index("data-filters-panel") < html.index('class="results"')


def test_distance_without_a_place_asks_for_one(client):
    url = reverse("search:results")
    html = html_of(client, url, {"q": "психолог", "sort": "distance"})
    assert "Чтобы упорядочить по расстоянию, укажите населённый пункт" in html
    assert 'href="#id_near"' in html and 'id="id_near"' in html
    assert re.search(r'value="distance" checked', html)  # the choice is kept for when a place is given
    html = html_of(client, url, {"q": "психолог", "sort": "distance", "near": "kyzyl"})
    assert "Чтобы упорядочить по расстоянию" not in html


def test_service_page_starts_with_hours_call_button_and_address(client):
    service = Service.objects.filter(status="published", phones__isnull=False).order_by("pk").first()
    html = html_of(client, service.get_absolute_url())
    essentials = re.search(r'<section class="essentials".*?</section>', html, re.S).group(0)
    phone = service.phones.order_by("sort_order", "pk").first()
    assert "Сегодня:" in essentials and f'href="tel:{phone.number}"' in essentials and "call-button" in essentials
    start = html.index('class="essentials"')
    assert start < html.index('aria-labelledby="where-title"') and "<section><h2>" not in html[:start]
    assert html.index('class="essentials"') < html.index('class="qr-figure"')


def test_confidential_place_gives_its_front_door_phone_and_no_address(client):
    sal = (
        ServiceAtLocation.objects.filter(
            service__status="published", location__is_confidential=True, service__phones__isnull=True
        )
        .select_related("location", "service")
        .first()
    )
    if sal is None:
        pytest.skip("the demo databank has no confidential place without a service phone")
    only_place = sal.service.service_at_locations.count() == 1
    html = html_of(client, sal.service.get_absolute_url())
    essentials = re.search(r'<section class="essentials".*?</section>', html, re.S).group(0)
    assert "адрес не публикуется" in essentials or not only_place
    if only_place:
        assert f'href="tel:{sal.location.front_door_phone}"' in essentials
        assert sal.location.address_line not in essentials


def test_organisation_print_lists_every_place(client):
    organization = Organization.objects.filter(services__status="published").distinct().first()
    html = html_of(client, reverse("directory:organization_print", args=[organization.pk]))
    assert html.count('class="place-card"') == organization.locations.count()
