"""Measure pages point to the right place: «Куда обратиться» lists the services that deliver the measure, and every
link between campaign pages stays in the page's language."""

import re

import pytest
from django.test import RequestFactory
from wagtail.models import Locale

from demo.databank import SERVICES as DEMO_SERVICES
from directory.models import Category, Service
from directory.selectors import category_descendant_ids
from website import blocks
from website.models import LifeSituationPage, MeasurePage, MeasureService

pytestmark = pytest.mark.django_db

DELIVERED_BY = {
    "edinoe-posobie": {"mfc_allowance", "sp_allowance"},
    "materinskij-kapital": {"mfc_mat_capital"},
    "socialnyj-kontrakt": {"sp_benefits_docs", "emp_social_contract"},
}


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id`."""
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.mark.parametrize("slug", sorted(DELIVERED_BY))
def test_demo_measures_link_the_services_that_deliver_them(client, slug):
    page = MeasurePage.objects.get(slug=slug, locale__language_code="ru")
    names = {DEMO_SERVICES[key].name for key in DELIVERED_BY[slug]}
    linked = {link.service.name for link in page.service_links.select_related("service")}
    assert linked == names

    response = client.get(page.url, {"all": "1"})
    where = response.context["where"]
    assert where["linked"] and where["hits"]
    assert {hit.service_at_location.service.name for hit in where["hits"]} == names
    html = section(response.content.decode(), "where-title")
    assert "Бесплатное горячее питание школьников" not in html


def test_only_the_linked_services_are_listed_first_ten_of_each_service_first(client):
    page = MeasurePage.objects.get(slug="edinoe-posobie", locale__language_code="ru")
    response = client.get(page.url)
    where = response.context["where"]
    linked_ids = set(page.service_links.values_list("service_id", flat=True))
    assert len(where["hits"]) == 10 and where["total"] > 10
    assert {hit.service_at_location.service_id for hit in where["hits"]} <= linked_ids
    # MFC's many offices do not fill the list: the social protection offices are there too.
    names = {hit.service_at_location.service.name for hit in where["hits"]}
    assert names == {DEMO_SERVICES["mfc_allowance"].name, DEMO_SERVICES["sp_allowance"].name}
    assert "all=1" in where["querystring"]
    assert "all=1#where" in response.content.decode()


def test_linked_services_nearest_first_within_the_radius():
    page = MeasurePage.objects.get(slug="edinoe-posobie", locale__language_code="ru")
    ids = list(page.service_links.values_list("service_id", flat=True))
    request = RequestFactory().get("/", {"near": "ak-dovurak", "radius": "50"})
    where = blocks.linked_services(ids, request=request, limit=None)
    distances = [hit.distance_km for hit in where["hits"]]
    assert distances and None not in distances
    assert distances == sorted(distances) and distances[-1] <= 50
    assert "near=ak-dovurak" in where["querystring"]


def test_an_editor_link_replaces_the_categories(client):
    page = MeasurePage.objects.get(slug="pitanie-shkolnikov", locale__language_code="ru")
    service = Service.objects.get(name=DEMO_SERVICES["mfc_allowance"].name)
    page.service_links = [MeasureService(service=service, sort_order=0)]
    page.save_revision().publish()
    where = client.get(page.url).context["where"]
    assert {hit.service_at_location.service_id for hit in where["hits"]} == {service.pk}


@pytest.mark.parametrize("slug", ["pitanie-shkolnikov", "besplatnaya-yuridicheskaya-pomoshch", "srochnaya-pomoshch"])
def test_without_links_only_the_measure_categories_and_their_items(client, slug):
    page = MeasurePage.objects.get(slug=slug, locale__language_code="ru")
    assert not page.service_links.exists()
    where = client.get(page.url).context["where"]
    allowed = category_descendant_ids(page.categories.all())
    assert where["hits"]
    for hit in where["hits"]:
        assert {c.pk for c in hit.service_at_location.service.categories.all()} & allowed


def test_a_kind_of_help_does_not_bring_its_whole_kind(client):
    """A kind of help (e.g. «социальная помощь») contains every group of that kind: never a measure's «where»."""
    page = MeasurePage.objects.get(slug="materinskij-kapital", locale__language_code="ru")
    page.service_links = []
    page.categories.set([Category.objects.get(code="A7.5"), Category.objects.filter(scheme="kind").first()])
    page.save_revision().publish()
    where = client.get(page.url).context["where"]
    allowed = category_descendant_ids([Category.objects.get(code="A7.5")])
    assert where["hits"]
    for hit in where["hits"]:
        assert {c.pk for c in hit.service_at_location.service.categories.all()} & allowed


def test_no_english_link_on_a_russian_page(client):
    for slug in ("edinoe-posobie", "materinskij-kapital", "socialnyj-kontrakt"):
        page = MeasurePage.objects.get(slug=slug, locale__language_code="ru")
        response = client.get(page.url)
        assert response.context["situations"]
        assert {s.locale.language_code for s in response.context["situations"]} == {"ru"}
        html = section(response.content.decode(), "situations-title")
        assert "/en/" not in html and "A baby is born" not in html
    situation = LifeSituationPage.objects.get(slug="rodilsya-rebenok")
    response = client.get(situation.url)
    assert {m.locale.language_code for m in response.context["measures"]} == {"ru"}
    assert "Unified child allowance" not in response.content.decode()


def test_no_russian_link_on_an_english_page(client):
    english = Locale.objects.get(language_code="en")
    measure = MeasurePage.objects.get(slug="edinoe-posobie").get_translation(english)
    response = client.get(measure.url)
    situations = list(response.context["situations"])
    assert situations and {s.locale_id for s in situations} == {english.pk}
    html = section(response.content.decode(), "situations-title")
    assert 'href="/en/a-baby-is-born/"' in html and "Родился ребёнок" not in html
    assert not re.search(r'href="/(?!en/)', html)
    for hit in response.context["where"]["hits"]:
        assert hit.service_at_location.service.get_absolute_url().startswith("/en/")

    baby = LifeSituationPage.objects.get(slug="a-baby-is-born")
    response = client.get(baby.url)
    measures = list(response.context["measures"])
    assert {m.slug for m in measures} == {"unified-child-allowance", "maternity-capital"}
    html = response.content.decode()
    assert "Единое пособие на детей" not in html and 'href="/edinoe-posobie/"' not in html.split("<main", 1)[1]
