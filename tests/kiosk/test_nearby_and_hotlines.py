"""Issue 20 on the kiosk: «Службы рядом» is the help families come for, nearest first; every result list is
nearest to the kiosk first; the hotline bar names each number once; icons are drawn, not font glyphs."""

import re

import pytest
from django.urls import reverse

from directory import selectors as directory_selectors
from directory.models import Category, Service
from website.kiosk import selectors

pytestmark = pytest.mark.django_db


def results(client, kiosk, **params):
    response = client.get(reverse("kiosk:results", args=[kiosk.code]), params)
    assert response.status_code == 200
    return response


def nearby_category_ids() -> set[int]:
    roots = Category.objects.filter(code__in=selectors.NEARBY_CATEGORIES)
    return set(directory_selectors.category_descendant_ids(roots))


def test_services_nearby_are_families_help_nearest_first(client, kiosk):
    fire_safety = Service.objects.get(name__startswith="Инструктаж по пожарной безопасности")
    allowed = nearby_category_ids()
    seen_names = []
    previous = 0.0
    for page in (1, 2, 3):
        found = results(client, kiosk, near="1", page=page).context["results"]
        assert found.sort == "distance" and found.hits
        for hit in found.hits:
            assert hit.distance_km is not None and hit.distance_km >= previous
            previous = hit.distance_km
            service = hit.service_at_location.service
            assert {c.pk for c in service.categories.all()} & allowed, service.name
            seen_names.append(service.name)
    assert fire_safety.name not in seen_names
    assert selectors.nearby_category_codes() == list(selectors.NEARBY_CATEGORIES)


def test_a_text_search_on_the_kiosk_is_nearest_first(client, kiosk):
    response = results(client, kiosk, q="психолог")
    found = response.context["results"]
    distances = [hit.distance_km for hit in found.hits]
    assert found.total and found.sort == "distance"
    assert distances == sorted(distances)
    assert distances[0] < 50  # a clinic of Kyzyl, not a place 274–304 km away
    assert "ближайшие к терминалу первыми" in response.content.decode()


def numbers_in(html: str) -> list[str]:
    bar = re.search(r'<aside class="k-hotlines".*?</aside>', html, re.S).group(0)
    return [re.sub(r"\D", "", n) for n in re.findall(r'<span class="k-hotline-number">([^<]+)</span>', bar)]


def test_hotline_bar_and_screen_list_each_number_once(client, kiosk):
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    numbers = numbers_in(html)
    assert numbers[-1] == "112" and len(numbers) == len(set(numbers)) == 4
    screen = client.get(reverse("kiosk:hotlines", args=[kiosk.code])).content.decode()
    phones = [re.sub(r"\D", "", n) for n in re.findall(r'<p class="k-big-phone">([^<]+)', screen)]
    assert phones.count("112") == 1 and len(phones) == len(set(phones))


def test_unique_hotlines_compares_stored_numbers():
    class Phone:
        def __init__(self, number):
            self.number = number

    items = [
        {"service": "a", "phones": [Phone("+78002000122")]},
        {"service": "b", "phones": [Phone("112")]},
        {"service": "c", "phones": [Phone("+78002000122"), Phone("+73942225966")]},
        {"service": "d", "phones": [Phone("+73942000000")]},
    ]
    unique = selectors.unique_hotlines(items, limit=2)
    assert [(item["service"], [p.number for p in item["phones"]]) for item in unique] == [
        ("a", ["+78002000122"]),
        ("c", ["+73942225966"]),
    ]


def test_icons_are_inline_svg_and_the_keyboard_has_a_search_key(client, kiosk):
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    assert html.count('class="k-icon"') >= 4
    for glyph in "⌖☎":
        assert glyph not in html
    assert 'data-label-submit="Найти"' in html
