"""CORS for read-only use of the public API: preflight from any origin, HEAD, writing methods refused."""

import pytest

from directory.models import Service

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
ORIGIN = "https://open-data.example.org"


def preflight(client, path, method="GET", headers="if-none-match, accept"):
    return client.options(
        BASE + path,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def service_path():
    uuid = Service.objects.filter(status="published").values_list("uuid", flat=True).first()
    return f"/services/{uuid}"


@pytest.mark.parametrize("path", ["/", "/services", "/organizations", "/taxonomies", "/openapi.json", None])
def test_preflight_for_get_from_any_origin(client, path):
    response = preflight(client, path or service_path())
    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    assert [m.strip() for m in response["Access-Control-Allow-Methods"].split(",")] == ["GET", "HEAD", "OPTIONS"]
    allowed_headers = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since", "accept", "accept-language"} <= allowed_headers
    assert int(response["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Allow-Credentials" not in response


def test_preflight_is_not_counted_by_the_rate_limit(client, settings):
    settings.API_RATE_LIMIT = 2
    assert [preflight(client, "/taxonomies").status_code for _ in range(5)] == [204] * 5
    assert client.get(BASE + "/taxonomies").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_preflight_for_a_writing_method_is_refused(client, method):
    response = preflight(client, "/services", method=method, headers="content-type")
    assert response.status_code == 405
    assert "Access-Control-Allow-Origin" not in response
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["detail"] == "Открытый API только для чтения: разрешены методы GET, HEAD и OPTIONS."


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_methods_are_still_refused(client, method):
    before = Service.objects.count()
    response = getattr(client, method)(BASE + "/services", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 405
    assert Service.objects.count() == before


def test_cross_origin_get_carries_cors_headers_and_never_credentials(client):
    response = client.get(BASE + "/taxonomies", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_head_answers_like_get_without_a_body(client):
    get = client.get(BASE + "/taxonomies")
    head = client.head(BASE + "/taxonomies", HTTP_ORIGIN=ORIGIN)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == get["Content-Type"]
    assert int(head["Content-Length"]) == len(get.content)
    assert head["Access-Control-Allow-Origin"] == "*"
    assert client.head(BASE + "/taxonomies", HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304
