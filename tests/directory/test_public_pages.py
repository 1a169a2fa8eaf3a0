"""Every public page renders with the demo databank; confidential addresses never leak."""

import pytest
from django.urls import reverse

from directory.models import Location, Organization, Service, ServiceAtLocation
from website.models import LifeSituationPage

pytestmark = pytest.mark.django_db


def test_home_page_has_search_tiles_hotlines_and_near_me(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html
    assert "Помощь рядом со мной" in html
    assert "Что случилось?" in html and "Родился ребёнок" in html
    assert "Срочная социальная помощь" in html
    assert 'href="tel:+78002000122"' in html  # the children's helpline on every page
    assert "Демонстрационные данные" in html


@pytest.mark.parametrize("path", ["/services/", "/services/?q=психолог", "/services/?sort=distance&near=kyzyl"])
def test_results_page_renders(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Телефоны помощи" in response.content.decode()


def test_every_life_situation_page_renders(client):
    pages = LifeSituationPage.objects.live()
    assert pages.count() >= 6
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert page.title in response.content.decode()


def test_every_published_service_and_organization_page_renders(client):
    for service in Service.objects.filter(status="published").only("pk"):
        for url in (
            reverse("directory:service", args=[service.pk]),
            reverse("directory:service_print", args=[service.pk]),
        ):
            assert client.get(url).status_code == 200, url
    for organization in Organization.objects.filter(services__status="published").distinct().only("pk"):
        assert client.get(reverse("directory:organization", args=[organization.pk])).status_code == 200


def test_service_page_has_what_a_family_needs(client):
    sal = (
        ServiceAtLocation.objects.filter(
            service__status="published", location__is_confidential=False, location__is_24_7=False
        )
        .exclude(service__how_to_apply="")
        .select_related("service", "location")
        .first()
    )
    response = client.get(sal.service.get_absolute_url())
    html = response.content.decode()
    assert sal.location.street in html
    assert "Показать на карте" in html
    assert "Сегодня:" in html and ("Открыто сейчас" in html or "Сейчас закрыто" in html)
    assert 'href="tel:+7' in html
    assert "Как обратиться" in html
    assert "<svg" in html and "QR-код" in html
    assert "Версия для печати" in html


def test_draft_and_archived_services_are_not_public(client):
    service = Service.objects.filter(status="published").first()
    Service.objects.filter(pk=service.pk).update(status="draft")
    assert client.get(service.get_absolute_url()).status_code == 404
    Service.objects.filter(pk=service.pk).update(status="archived")
    assert client.get(service.get_absolute_url()).status_code == 404
    html = client.get("/services/", {"q": service.name}).content.decode()
    assert f'href="{service.get_absolute_url()}"' not in html


def test_confidential_address_never_appears_publicly(client):
    location = Location.objects.filter(is_confidential=True).select_related("organization").first()
    assert location is not None
    # Give the shelter a full address, as an editor might, and check that none of it is published.
    Location.objects.filter(pk=location.pk).update(
        street="ул. Секретная", house="77", latitude="51.700123", longitude="94.400456"
    )
    secret_bits = ["Секретная", "51.700123", "94.400456", "51.70012", "94.40046"]
    services = Service.objects.filter(service_at_locations__location=location, status="published")
    urls = [
        location.organization.get_absolute_url(),
        "/services/",
        "/services/?sort=distance&near=kyzyl",
        "/",
        "/sitemap.xml",
    ]
    urls += [s.get_absolute_url() for s in services] + [
        reverse("directory:service_print", args=[s.pk]) for s in services
    ]
    for url in urls:
        for page in range(1, 4):
            html = client.get(url, {"page": page} if url == "/services/" else {}).content.decode()
            for bit in secret_bits:
                assert bit not in html, (url, bit)
    html = client.get(services[0].get_absolute_url()).content.decode()
    assert location.front_door_phone in html  # only the «front door» phone is shown


def test_unknown_pages_give_404_in_russian(client):
    response = client.get(reverse("directory:service", args=[999999]))
    assert response.status_code == 404
    assert client.get("/services/?page=9999").status_code == 404


def test_sitemap_lists_published_services_and_pages(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    published = Service.objects.filter(status="published").first()
    assert f"/services/{published.pk}/</loc>" in xml
    assert "/rodilsya-rebenok/</loc>" in xml
