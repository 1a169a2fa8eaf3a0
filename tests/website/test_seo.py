"""SEO and sharing: canonical URLs, Open Graph and schema.org JSON-LD on measures, services and organisations."""

import json
import re

import pytest

from directory.models import Location, Service
from website.models import MeasurePage

pytestmark = pytest.mark.django_db


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html)]


def test_measure_page_has_canonical_open_graph_and_government_service(client):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    html = client.get(page.url + "?near=kyzyl").content.decode()
    canonical = page.get_full_url()
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:title" content="{page.title}">' in html
    assert '<meta property="og:locale" content="ru_RU">' in html
    [data] = json_ld(html)
    assert data["@type"] == "GovernmentService"
    assert data["name"] == page.title and data["url"] == canonical
    assert data["serviceType"] == "денежная"
    assert data["termsOfService"] == page.legal_basis_url


def published_service() -> Service:
    return Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()


def test_service_page_has_service_json_ld(client):
    service = published_service()
    html = client.get(service.get_absolute_url() + "?near=kyzyl").content.decode()
    assert f'<link rel="canonical" href="http://testserver{service.get_absolute_url()}">' in html
    assert 'property="og:title"' in html
    [data] = json_ld(html)
    assert data["@type"] == "Service" and data["name"] == service.name
    assert data["provider"]["name"] == service.organization.name


def test_organization_page_has_organization_json_ld_without_confidential_addresses(client):
    confidential = Location.objects.filter(is_confidential=True, organization__services__status="published").first()
    assert confidential is not None, "the demo has a confidential shelter"
    organization = confidential.organization
    html = client.get(organization.get_absolute_url()).content.decode()
    [data] = json_ld(html)
    assert data["@type"] == "Organization" and data["name"] == organization.name
    dumped = json.dumps(data, ensure_ascii=False)
    if confidential.street:
        assert confidential.street not in dumped


def test_json_ld_cannot_close_its_script_tag():
    from website.seo import to_json_ld

    text = to_json_ld({"name": "</script><script>alert(1)</script>"})
    assert "</script>" not in text and json.loads(text)["name"].startswith("</script>")


def test_home_page_is_canonical_without_structured_data(client):
    html = client.get("/?utm_source=x").content.decode()
    assert '<link rel="canonical" href="http://localhost/">' in html or 'rel="canonical"' in html
    assert json_ld(html) == []
