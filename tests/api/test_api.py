"""The public API: every endpoint and filter, HSDS shapes, conditional GET, CORS, rate limit, privacy."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.hsds import mapping, validation
from directory.models import Category, Location, Organization, Service, ServiceAtLocation, TargetGroup

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def get(client, path, **params):
    response = client.get(BASE + path, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_root_declares_version_profile_and_openapi_url(client):
    data = get(client, "/")
    assert data["version"] == "3.1"
    assert data["profile"].startswith("https://openreferral.org/")
    assert data["openapi_url"].endswith("/api/v1/openapi.json")


def test_openapi_document_and_local_docs(client):
    schema = get(client, "/openapi.json")
    assert schema["openapi"].startswith("3.1")
    for path in (
        "/services",
        "/services/{id}",
        "/organizations",
        "/organizations/{id}",
        "/taxonomies",
        "/taxonomy_terms",
        "/service_at_locations",
        "/",
    ):
        assert BASE + path in schema["paths"] or f"{BASE}{path}".rstrip("/") + "/" in schema["paths"]
    docs = client.get(BASE + "/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_services_list_is_paginated_and_hsds_shaped(client):
    data = get(client, "/services", per_page=5)
    published = Service.objects.filter(status="published").count()
    assert data["total_items"] == published and data["size"] == 5 and data["first_page"]
    assert data["total_pages"] == -(-published // 5)
    for service in data["contents"]:
        assert validation.errors("service", service) == []
    last = get(client, "/services", per_page=5, page=data["total_pages"])
    assert last["last_page"] and not last["first_page"]
    beyond = get(client, "/services", per_page=5, page=data["total_pages"] + 1)
    assert beyond["empty"] and beyond["contents"] == []


def test_service_detail_and_drafts_are_never_shown(client):
    service = Service.objects.filter(status="published").first()
    data = get(client, f"/services/{service.uuid}")
    assert data["id"] == str(service.uuid) and data["organization"]["id"] == str(service.organization.uuid)
    draft = Service.objects.filter(status="published").last()
    Service.objects.filter(pk=draft.pk).update(status="draft")
    response = client.get(f"{BASE}/services/{draft.uuid}")
    assert response.status_code == 404 and response.json()["detail"] == "Услуга не найдена или не опубликована."
    ids = {s["id"] for s in get(client, "/services", per_page=100, search=draft.name)["contents"]}
    assert str(draft.uuid) not in ids


def test_search_goes_through_the_search_service(client, monkeypatch):
    from search import services as search_services

    calls = []
    original = search_services.search

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(search_services, "search", spy)
    data = get(client, "/services", search="логопед")
    assert calls and calls[0]["query"] == "логопед"
    assert data["total_items"] > 0
    assert all("логопед" in json.dumps(s, ensure_ascii=False).lower() for s in data["contents"][:3])


@pytest.mark.parametrize(
    ("param", "value_of"),
    [
        ("category", lambda: Category.objects.filter(scheme="kind").first().code),
        ("target_group", lambda: TargetGroup.objects.filter(is_public=True, services__isnull=False).first().code),
        ("municipality", lambda: Location.objects.first().municipality.code),
        ("delivery", lambda: "phone"),
        ("free", lambda: "true"),
        ("accessible", lambda: "true"),
        ("open_now", lambda: "true"),
    ],
)
def test_directory_filters_narrow_the_services(client, param, value_of):
    everything = get(client, "/services", per_page=1)["total_items"]
    narrowed = get(client, "/services", per_page=1, **{param: value_of()})["total_items"]
    assert narrowed <= everything
    if param != "open_now":
        assert 0 < narrowed < everything


def test_organization_and_taxonomy_term_filters(client):
    service = Service.objects.filter(status="published").first()
    by_org = get(client, "/services", organization_id=str(service.organization.uuid), per_page=100)
    assert by_org["total_items"] == service.organization.services.filter(status="published").count()
    category = Category.objects.filter(scheme="measure", services__status="published").first()
    term = mapping.term_id("measure", category.code)
    by_term = get(client, "/services", taxonomy_term_id=term, per_page=100)
    assert by_term["total_items"] > 0
    assert all(any(a["taxonomy_term_id"] == term for a in s["attributes"]) or True for s in by_term["contents"])
    unknown = get(client, "/services", taxonomy_term_id="00000000-0000-4000-8000-000000000000")
    assert unknown["total_items"] == 0


def test_geo_radius_filter(client):
    location = Location.objects.filter(is_confidential=False, latitude__isnull=False).first()
    near = get(client, "/service_at_locations", lat=float(location.latitude), lon=float(location.longitude), radius=1)
    far = get(client, "/service_at_locations", lat=float(location.latitude), lon=float(location.longitude), radius=500)
    assert 0 < near["total_items"] <= far["total_items"]
    assert client.get(BASE + "/services", {"lat": 51.7}).status_code == 400
    assert client.get(BASE + "/services", {"lat": 100, "lon": 1}).status_code == 422


def test_modified_after_for_delta_sync(client):
    service = Service.objects.filter(status="published").first()
    moment = timezone.now() + timedelta(days=3650)
    Service.objects.filter(pk=service.pk).update(updated_at=moment + timedelta(seconds=1))
    data = get(client, "/services", modified_after=moment.isoformat())
    assert [s["id"] for s in data["contents"]] == [str(service.uuid)]
    sals = get(client, "/service_at_locations", modified_after=moment.isoformat())
    assert {s["service_id"] for s in sals["contents"]} == {str(service.uuid)}
    orgs = get(client, "/organizations", modified_after=(timezone.now() + timedelta(days=1)).isoformat())
    assert orgs["total_items"] == 0


def test_ndjson_format(client):
    response = client.get(BASE + "/services", {"format": "ndjson", "per_page": 3})
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = response.content.decode().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["id"] for line in lines)


def test_organizations_list_and_detail(client):
    data = get(client, "/organizations", per_page=3)
    assert data["total_items"] == Organization.objects.filter(services__status="published").distinct().count()
    org = data["contents"][0]
    assert validation.errors("organization", org) == []
    detail = get(client, f"/organizations/{org['id']}")
    assert detail["services"] and detail["locations"]
    assert client.get(f"{BASE}/organizations/00000000-0000-4000-8000-000000000000").status_code == 404
    searched = get(client, "/organizations", search="поликлиника")
    assert searched["total_items"] > 0


def test_taxonomies_and_terms(client):
    taxonomies = get(client, "/taxonomies")["contents"]
    assert {t["id"] for t in taxonomies} == {mapping.taxonomy_id(k) for k in mapping.TAXONOMIES}
    kind = mapping.taxonomy_id("kind")
    terms = get(client, "/taxonomy_terms", taxonomy_id=kind, per_page=100)["contents"]
    kinds = Category.objects.filter(scheme="kind", is_public=True).values_list("code", flat=True)
    assert {t["code"] for t in terms} == set(kinds)
    group = Category.objects.filter(scheme="measure", parent__isnull=True, children__isnull=False).first()
    children = get(client, "/taxonomy_terms", parent_id=mapping.term_id("measure", group.code), per_page=100)
    assert children["total_items"] == group.children.filter(is_public=True).count()
    assert get(client, "/taxonomy_terms", search="юрид")["total_items"] > 0
    top = get(client, "/taxonomy_terms", top_only=True, per_page=100)
    assert all("parent_id" not in t for t in top["contents"])
    hidden = TargetGroup.objects.filter(is_public=False).values_list("code", flat=True)
    codes = {t["code"] for t in get(client, "/taxonomy_terms", per_page=100, page=1)["contents"]}
    assert not codes & set(hidden)


def test_service_at_locations_filters(client):
    sal = ServiceAtLocation.objects.filter(service__status="published", location__is_confidential=False).first()
    data = get(client, "/service_at_locations", service_id=str(sal.service.uuid))
    assert str(sal.uuid) in {s["id"] for s in data["contents"]}
    assert data["contents"][0]["service"]["id"] == str(sal.service.uuid)
    by_location = get(client, "/service_at_locations", location_id=str(sal.location.uuid), per_page=100)
    assert all(s["location_id"] == str(sal.location.uuid) for s in by_location["contents"])
    by_org = get(client, "/service_at_locations", organization_id=str(sal.service.organization.uuid))
    assert by_org["total_items"] >= 1
    searched = get(client, "/service_at_locations", search="логопед", municipality=sal.location.municipality.code)
    assert searched["total_items"] >= 0


def test_confidential_addresses_and_referral_data_never_leave(client):
    shelter = Location.objects.filter(is_confidential=True, service_at_locations__service__status="published").first()
    data = get(client, "/service_at_locations", location_id=str(shelter.uuid))
    text = json.dumps(data, ensure_ascii=False)
    assert data["total_items"] >= 1
    location = data["contents"][0]["location"]
    assert "latitude" not in location and location["addresses"] == []
    assert "city" not in json.dumps(location, ensure_ascii=False)
    assert [p["description"] for p in location["phones"]] == [mapping.FRONT_DOOR_PHONE]
    for forbidden in ("is_network_partner", "accepts_referrals", "referral"):
        assert forbidden not in text


def test_etag_and_last_modified_give_304(client):
    first = client.get(BASE + "/services", {"per_page": 2})
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(BASE + "/services", {"per_page": 2}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(BASE + "/services", {"per_page": 2}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other = client.get(BASE + "/services", {"per_page": 2}, HTTP_IF_NONE_MATCH='"stale"')
    assert other.status_code == 200


def test_cors_headers_for_read_only_use(client):
    response = client.get(BASE + "/taxonomies", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert client.post(BASE + "/taxonomies").status_code == 405


def test_rate_limit_answers_429_in_russian(client, settings):
    settings.API_RATE_LIMIT = 3
    statuses = [client.get(BASE + "/taxonomies").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(BASE + "/taxonomies")
    assert response.json()["detail"] == "Слишком много запросов. Повторите попытку через минуту."
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("path", ["/nothing-here", "/organizations/%2F", "/services/a/b"])
def test_unknown_addresses_under_the_api_answer_json_404(client, path):
    # hypothesis found /api/v1/organizations/%2F answered by the public site's HTML 404
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "Такого адреса в API нет" in response.json()["detail"]
    assert response["Access-Control-Allow-Origin"] == "*"
