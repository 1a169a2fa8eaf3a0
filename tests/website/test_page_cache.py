"""The whole-page cache of anonymous public pages (core/page_cache.py): served from the cache, never for a
signed-in user or the workspace, invalidated by publication and databank edits, and the CSP nonce stays right."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import page_cache
from demo.kiosk import load_demo_kiosk
from directory.models import Service
from website.models import LifeSituationPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def fetch(client, path, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **kwargs)
    return response, len(queries.captured_queries)


def published_service():
    return Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()


@pytest.mark.parametrize("path", ["/", "/services/?q=психолог", "/edinoe-posobie/", "sitemap"])
def test_second_anonymous_request_is_served_from_the_cache_without_queries(client, path):
    if path == "sitemap":
        path = "/sitemap.xml"
    first, first_queries = fetch(client, path)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    assert first_queries > 0
    second, second_queries = fetch(client, path)
    assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
    assert second_queries == 0
    assert second["Cache-Control"] == "public, no-cache"
    assert "Cookie" in second["Vary"]
    assert "Set-Cookie" not in second


def test_service_and_organisation_pages_are_cached(client):
    service = published_service()
    for path in (service.get_absolute_url(), service.organization.get_absolute_url()):
        assert client.get(path)["X-Page-Cache"] == "miss"
        assert fetch(client, path)[1] == 0


def test_publishing_a_wagtail_page_shows_the_change_at_once(client):
    page = LifeSituationPage.objects.live().first()
    assert client.get(page.url)["X-Page-Cache"] == "miss"
    assert client.get(page.url)["X-Page-Cache"] == "hit"
    page.title = "Заголовок после публикации"
    page.save_revision().publish()
    response = client.get(page.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Заголовок после публикации" in response.content.decode()


def test_unpublishing_a_page_removes_it_from_the_cache(client):
    page = LifeSituationPage.objects.live().first()
    client.get(page.url)
    page.unpublish()
    assert client.get(page.url).status_code == 404


def test_editing_a_service_shows_the_change_on_its_page_and_in_the_results(client):
    service = published_service()
    results = "/services/?q=" + service.name.split()[0]
    client.get(service.get_absolute_url())
    client.get(results)
    assert client.get(service.get_absolute_url())["X-Page-Cache"] == "hit"
    service.name = "Услуга с новым названием"
    service.save()
    response = client.get(service.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Услуга с новым названием" in response.content.decode()
    assert client.get(results)["X-Page-Cache"] == "miss"


def test_deleting_a_databank_row_invalidates(client):
    service = published_service()
    phone = service.organization.phones.first() or service.phones.first()
    client.get(service.get_absolute_url())
    before = page_cache.current_generation()
    phone.delete()
    assert page_cache.current_generation() > before
    assert client.get(service.get_absolute_url())["X-Page-Cache"] == "miss"


def test_signed_in_user_is_never_served_or_stored(client, admin_user):
    client.get("/")  # anonymous: stored
    client.force_login(admin_user)
    response, queries = fetch(client, "/")
    assert "X-Page-Cache" not in response
    assert queries > 0
    assert "public" not in response.get("Cache-Control", "")


def test_any_unknown_cookie_bypasses_the_cache(client):
    client.get("/")
    client.cookies["sessionid"] = "whatever"
    assert "X-Page-Cache" not in client.get("/")
    client.cookies.pop("sessionid")
    client.cookies["messages"] = "pending"
    assert "X-Page-Cache" not in client.get("/")


def test_the_a11y_cookie_is_part_of_the_key(client):
    plain = client.get("/")
    client.cookies["a11y"] = "large.contrast"
    large = client.get("/")
    assert large["X-Page-Cache"] == "miss"
    assert "a11y-large" in large.content.decode() and "a11y-large" not in plain.content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_languages_are_cached_apart(client):
    russian = client.get("/services/")
    english = client.get("/en/services/")
    assert english["X-Page-Cache"] == "miss"
    assert russian.content != english.content


@pytest.mark.parametrize(
    "path", ["/cabinet/login/", "/api/v1/services", "/help/", "/admin/login/", "/healthz", "/search/autocomplete/?q=пс"]
)
def test_workspace_admin_api_and_forms_are_never_cached(client, path):
    client.get(path)
    response = client.get(path)
    assert "X-Page-Cache" not in response


def test_a_page_with_a_form_and_csrf_token_is_not_cached(client):
    client.get("/help/")
    assert "X-Page-Cache" not in client.get("/help/")
    assert not [key for key in cache._cache if page_cache.KEY_PREFIX in key]  # locmem: nothing stored


def test_cached_page_gets_a_fresh_nonce_matching_its_header(client):
    first = client.get("/edinoe-posobie/", secure=True)
    second = client.get("/edinoe-posobie/", secure=True)
    assert second["X-Page-Cache"] == "hit"
    nonces = []
    for response in (first, second):
        nonce = response.wsgi_request.csp_nonce
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert f'<script type="application/ld+json" nonce="{nonce}">' in response.content.decode()
        nonces.append(str(nonce))
    assert nonces[0] != nonces[1]
    assert page_cache.NONCE_PLACEHOLDER not in second.content


def test_revalidation_answers_304_from_the_cache(client):
    first = client.get("/services/")
    etag = first["ETag"]
    response, queries = fetch(client, "/services/", headers={"If-None-Match": etag})
    assert response.status_code == 304 and queries == 0
    service = published_service()
    service.save()
    assert client.get("/services/", headers={"If-None-Match": etag}).status_code == 200


def test_safe_kiosk_screens_are_cached_and_keep_the_kiosk_cookie_and_policy(client):
    kiosk = load_demo_kiosk()
    path = f"/kiosk/{kiosk.code}/help/"
    first = client.get(path)
    second = client.get(path)
    assert second["X-Page-Cache"] == "hit"
    assert second.cookies["kiosk_device"].value == kiosk.code
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    client.cookies["kiosk_scale"] = "150"
    assert client.get(path)["X-Page-Cache"] == "miss"
    # Screens with side effects (usage counters, heartbeat) are not cached.
    for screen in ("", "results/?q=психолог"):
        client.get(f"/kiosk/{kiosk.code}/{screen}")
        assert "X-Page-Cache" not in client.get(f"/kiosk/{kiosk.code}/{screen}")


def test_zero_seconds_turns_the_cache_off(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")
