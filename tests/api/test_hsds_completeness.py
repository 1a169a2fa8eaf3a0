"""Every path and parameter of the HSDS 3.1 OpenAPI: answered, or refused with 400 naming the parameter."""

import json
from pathlib import Path

import pytest

from directory.hsds import mapping
from directory.models import Category, Location, Service, ServiceAtLocation

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
HSDS_OPENAPI = Path("/work/shared/hsds-3.1/schema/openapi.json")
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def get(client, path, **params):
    response = client.get(BASE + path, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def refused(client, path, **params) -> str:
    response = client.get(BASE + path, params)
    assert response.status_code == 400, response.content[:500]
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()["detail"]


def hsds_parameters() -> dict[str, set[str]]:
    spec = json.loads(HSDS_OPENAPI.read_text())
    shared = spec["components"]["parameters"]
    found = {}
    for path, item in spec["paths"].items():
        names = set()
        for param in item["get"].get("parameters", []) + item.get("parameters", []):
            param = shared[param["$ref"].rsplit("/", 1)[-1]] if "$ref" in param else param
            if param["in"] == "query":
                names.add(param["name"])
        found[path] = names
    return found


@pytest.mark.skipif(not HSDS_OPENAPI.exists(), reason="the HSDS 3.1 specification is not checked out")
def test_every_hsds_path_and_query_parameter_is_published(client):
    ours = get(client, "/openapi.json")["paths"]
    for path, names in hsds_parameters().items():
        published = ours[BASE + path if path != "/" else BASE + "/"]["get"]
        declared = {p["name"] for p in published.get("parameters", []) if p["in"] == "query"}
        # `format` is read by every endpoint but not declared, so that the documented answers stay JSON
        assert names - {"format"} <= declared, (path, names - declared)


@pytest.mark.parametrize("path", ["/services", "/services/{s}", "/taxonomies", "/service_at_locations", "/"])
def test_an_unknown_parameter_is_refused_by_name(client, path):
    service = Service.objects.filter(status="published").first()
    detail = refused(client, path.format(s=service.uuid), colour="red")
    assert detail.startswith("Параметр не поддерживается: colour.")
    if path in ("/services", "/taxonomies", "/service_at_locations"):
        assert "page" in detail  # the message lists what the address accepts


def test_format_other_than_json_or_ndjson_is_refused(client):
    assert "format" in refused(client, "/services", format="xml")
    assert get(client, "/services", format="json", per_page=1)["size"] == 1


def test_api_root_lists_versions_and_never_404(client):
    response = client.get("/api/")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["hsds_version"] == "3.1"
    (v1,) = data["versions"]
    assert v1["name"] == "v1" and v1["api_version"] and v1["version"] == "3.1"
    assert v1["url"].endswith("/api/v1/") and v1["openapi_url"].endswith("/api/v1/openapi.json")
    assert any(e.endswith("/api/v1/taxonomy_terms/{id}") for e in v1["endpoints"])
    assert client.get("/api/", {"x": 1}).status_code == 400
    assert client.post("/api/").status_code == 405
    root = get(client, "/")
    assert root["version"] == "3.1" and root["api_version"] == v1["api_version"] and len(root["endpoints"]) == 10


def test_service_at_location_detail_is_the_list_object(client):
    listed = get(client, "/service_at_locations", per_page=1)["contents"][0]
    assert get(client, f"/service_at_locations/{listed['id']}") == listed
    hidden = ServiceAtLocation.objects.exclude(service__status="published").first()
    for missing in filter(None, [UNKNOWN, hidden and hidden.uuid]):
        response = client.get(f"{BASE}/service_at_locations/{missing}")
        assert response.status_code == 404 and "не найдена" in response.json()["detail"]


def test_taxonomy_and_term_details_are_the_list_objects(client):
    taxonomy = get(client, "/taxonomies")["contents"][0]
    assert get(client, f"/taxonomies/{taxonomy['id']}") == taxonomy
    term = get(client, "/taxonomy_terms", per_page=1)["contents"][0]
    assert get(client, f"/taxonomy_terms/{term['id']}") == term
    assert client.get(f"{BASE}/taxonomies/{UNKNOWN}").json()["detail"] == "Таксономия не найдена."
    assert client.get(f"{BASE}/taxonomy_terms/{UNKNOWN}").status_code == 404


def test_taxonomies_search(client):
    found = get(client, "/taxonomies", search="семей")["contents"]
    assert {t["id"] for t in found} >= {mapping.taxonomy_id("target_group")}
    assert len(found) < len(mapping.TAXONOMIES)


def test_taxonomy_id_means_any_term_of_that_taxonomy(client):
    everything = get(client, "/services", per_page=1)["total_items"]
    measure = mapping.taxonomy_id("measure")
    with_measure = get(client, "/services", taxonomy_id=measure, per_page=100)
    expected = Service.objects.filter(
        status="published", categories__scheme="measure", categories__is_public=True
    ).distinct()
    assert with_measure["total_items"] == expected.count() > 0
    hotline = get(client, "/services", taxonomy_id=mapping.taxonomy_id("feature"), per_page=1)["total_items"]
    assert 0 < hotline <= everything
    assert get(client, "/services", taxonomy_id=mapping.taxonomy_id("cost"))["total_items"] == everything
    assert get(client, "/services", taxonomy_id=UNKNOWN)["total_items"] == 0
    sals = get(client, "/service_at_locations", taxonomy_id=measure, per_page=1)["total_items"]
    assert sals == ServiceAtLocation.objects.filter(service__in=expected).count()
    orgs = get(client, "/organizations", taxonomy_id=measure, per_page=1)["total_items"]
    assert orgs == expected.values("organization").distinct().count()


def test_taxonomy_term_id_of_any_taxonomy(client):
    category = Category.objects.filter(scheme="kind", services__status="published").first()
    term = mapping.term_id("kind", category.code)
    by_term = get(client, "/service_at_locations", taxonomy_term_id=term, per_page=1)["total_items"]
    assert 0 < by_term < get(client, "/service_at_locations", per_page=1)["total_items"]
    phone = get(client, "/services", taxonomy_term_id=mapping.term_id("delivery", "phone"), per_page=1)
    assert phone["total_items"] == Service.objects.filter(status="published", delivery_phone=True).count()
    free = get(client, "/services", taxonomy_term_id=mapping.term_id("cost", "free"), per_page=1)
    assert free["total_items"] == Service.objects.filter(status="published", cost="free").count()
    location = Location.objects.filter(service_at_locations__service__status="published").first()
    municipality = mapping.term_id("municipality", location.municipality.code)
    assert get(client, "/organizations", taxonomy_term_id=municipality)["total_items"] > 0


def test_postcode_and_proximity(client):
    place = (
        Location.objects.filter(is_confidential=False, latitude__isnull=False, service_at_locations__isnull=False)
        .exclude(postal_code="")
        .first()
    )
    assert place is not None, "the demo databank has places with postal codes"
    by_code = get(client, "/service_at_locations", postcode=place.postal_code, per_page=100)
    assert by_code["total_items"] > 0
    assert all(s["location"]["addresses"][0]["postal_code"] == place.postal_code for s in by_code["contents"])
    near = get(client, "/service_at_locations", postcode=place.postal_code, proximity="500000", per_page=1)
    assert near["total_items"] >= by_code["total_items"]
    assert get(client, "/service_at_locations", postcode="000000")["total_items"] == 0
    assert "postcode" in refused(client, "/service_at_locations", proximity="1000")
    assert "proximity" in refused(client, "/service_at_locations", postcode=place.postal_code, proximity="far")
    assert "000000" in refused(client, "/service_at_locations", postcode="000000", proximity="1000")
    assert "postcode" in refused(client, "/services", postcode=place.postal_code)  # not a parameter of /services


def test_confidential_postcode_is_never_matched(client):
    shelter = Location.objects.filter(is_confidential=True).exclude(postal_code="").first()
    if shelter is None:
        Location.objects.filter(is_confidential=True).update(postal_code="667999")
        shelter = Location.objects.filter(is_confidential=True).first()
    assert get(client, "/service_at_locations", postcode=shelter.postal_code)["total_items"] == 0 or all(
        s["location_id"] != str(shelter.uuid)
        for s in get(client, "/service_at_locations", postcode=shelter.postal_code, per_page=100)["contents"]
    )


def test_full_and_minimal_shapes(client):
    full = get(client, "/services", per_page=2)["contents"]
    same = get(client, "/services", per_page=2, full="true")["contents"]
    flat = get(client, "/services", per_page=2, full="false")["contents"]
    assert same == full and [s["id"] for s in flat] == [s["id"] for s in full]
    assert all(not isinstance(v, (list, dict)) for s in flat for v in s.values()) and flat[0]["name"]
    minimal = get(client, "/services", per_page=2, minimal="true")["contents"]
    assert [set(s) for s in minimal] == [{"id", "modified_date"}] * 2
    assert [s["id"] for s in minimal] == [s["id"] for s in full]
    assert "minimal" in refused(client, "/services", minimal="true", full="true")
    sal = get(client, "/service_at_locations", per_page=1, full="false")["contents"][0]
    assert "service" not in sal and sal["service_id"] and sal["location_id"]


def test_organizations_full_and_full_service(client):
    plain = get(client, "/organizations", per_page=2)["contents"]
    assert "services" not in plain[0]
    short = get(client, "/organizations", per_page=2, full="true")["contents"]
    assert [o["id"] for o in short] == [o["id"] for o in plain]
    assert short[0]["services"] and "service_at_locations" not in short[0]["services"][0]
    complete = get(client, "/organizations", per_page=2, full_service="true")["contents"]
    assert any(s.get("service_at_locations") for o in complete for s in o["services"])
    flat = get(client, "/organizations", per_page=2, full="false")["contents"]
    assert all(not isinstance(v, (list, dict)) for o in flat for v in o.values())
    detail = get(client, f"/organizations/{plain[0]['id']}", full_service="true")
    assert detail["services"] == [s for o in complete if o["id"] == plain[0]["id"] for s in o["services"]]


def test_detail_endpoints_speak_ndjson_as_one_line(client):
    term = get(client, "/taxonomy_terms", per_page=1)["contents"][0]
    response = client.get(f"{BASE}/taxonomy_terms/{term['id']}", {"format": "ndjson"})
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in response.content.decode().splitlines()] == [term]
