"""Redis gone, or accepting and never answering: the public site answers from the database (core/cache.py).

Redis here is a real private redis-server (started as tests/website/test_health.py does), stopped (SIGTERM) or
frozen (SIGSTOP: the kernel still accepts connections, the server answers nothing), or the black hole of
tests/faults/blackhole.py, which also counts the connections it was asked for.
"""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from django.test import Client

from core import kept, page_cache
from directory.models import Service
from search.engines import database as database_engine
from website.models import LifeSituationPage

from ..website.test_health import redis_server
from .blackhole import BlackHole

pytestmark = pytest.mark.django_db

TIMEOUT = 1  # REDIS_TIMEOUT_SECONDS of these tests
MARGIN = 3  # rendering the page on a busy machine


def redis_cache(url: str, *, retry: float = 1) -> dict:
    return {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"faults-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT, "retry_seconds": retry},
        }
    }


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    yield
    page_cache._bump_lost = False


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def public_paths() -> list[str]:
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    page = LifeSituationPage.objects.live().first()
    return ["/", "/services/", "/services/?q=психолог", service.get_absolute_url(), page.url]


def readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_redis_stopped_public_pages_answer_from_the_database_and_readyz_says_degraded(client, settings):
    paths = public_paths()
    with redis_server() as (process, url):
        settings.CACHES = redis_cache(url)
        for path in paths:
            assert client.get(path)["X-Page-Cache"] == "miss", path
            assert client.get(path)["X-Page-Cache"] == "hit", path
        process.terminate()
        process.wait(timeout=10)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert "X-Page-Cache" not in response, path  # neither read from the cache nor written to it
        # An edit made meanwhile shows at once: its bump could not be written, and nothing kept is trusted.
        page = LifeSituationPage.objects.live().first()
        page.title = "Заголовок, опубликованный без Redis"
        page.save_revision().publish()
        assert "Заголовок, опубликованный без Redis" in client.get(page.url).content.decode()
        status, body = readyz(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["cache"] == {**body["checks"]["cache"], "status": "degraded", "detail": "unreachable"}
    assert body["checks"]["database"]["status"] == "ok"


def test_values_kept_in_the_process_are_not_trusted_while_the_generation_cannot_be_read(settings):
    loads = []

    def loader():
        loads.append(1)
        return len(loads)

    with redis_server() as (process, url):
        settings.CACHES = redis_cache(url)
        page_cache.bump()
        assert kept.kept("faults-probe", loader) == kept.kept("faults-probe", loader) == 1
        process.terminate()
        process.wait(timeout=10)
        assert kept.kept("faults-probe", loader) == 2
        assert kept.kept("faults-probe", loader) == 3  # every call reads again: an edit could not say so
        # The search engine's kept counts (search/engines/database.py) likewise start afresh on every search.
        assert database_engine._kept_for(page_cache.current_generation()) is not database_engine._kept_for(
            page_cache.current_generation()
        )


def test_signing_in_works_without_redis(client, settings, admin_user):
    """Sessions are in the database (SESSION_ENGINE): Redis gone changes nothing for a signed-in editor."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    with redis_server() as (process, url):
        settings.CACHES = redis_cache(url)
        process.terminate()
        process.wait(timeout=10)
        response = client.post("/admin/login/", {"username": "editor", "password": "correct-horse-battery"})
        assert response.status_code == 302, response.content.decode()[-2000:]
        assert client.get("/admin/").status_code == 200


def test_an_edit_during_a_freeze_is_not_hidden_by_the_pages_cached_before_it(client, settings):
    page = LifeSituationPage.objects.live().first()
    with redis_server() as (process, url):
        settings.CACHES = redis_cache(url, retry=2)
        assert client.get(page.url)["X-Page-Cache"] == "miss"
        assert client.get(page.url)["X-Page-Cache"] == "hit"
        process.send_signal(signal.SIGSTOP)  # accepts, never answers; keeps every key
        try:
            page.title = "Заголовок, опубликованный при замёрзшем Redis"
            page.save_revision().publish()  # its bump times out: remembered by the process
            response = client.get(page.url)
            assert response.status_code == 200 and "X-Page-Cache" not in response
            assert "Заголовок, опубликованный при замёрзшем Redis" in response.content.decode()
        finally:
            process.send_signal(signal.SIGCONT)
        time.sleep(2.5)  # the retry interval: the next call tries Redis again, finds it, makes the lost bump
        response = client.get(page.url)
        assert response["X-Page-Cache"] == "miss"  # the page cached before the freeze is stale
        assert "Заголовок, опубликованный при замёрзшем Redis" in response.content.decode()
        assert client.get(page.url)["X-Page-Cache"] == "hit"


def test_a_redis_that_never_answers_costs_one_timeout_per_retry_interval(settings):
    with BlackHole() as hole:
        settings.CACHES = redis_cache("redis://{}:{}/0".format(*hole.address), retry=60)
        client = Client()
        first, elapsed = timed(lambda: client.get("/services/"))
        assert first.status_code == 200 and "X-Page-Cache" not in first
        assert elapsed < 2 * TIMEOUT + MARGIN, elapsed
        for path in public_paths():
            response, elapsed = timed(lambda path=path: client.get(path))
            assert response.status_code == 200, path
        status, body = readyz(client)
        assert status == 200 and body["checks"]["cache"]["status"] == "degraded"
        # One try for all of it: the rest of the retry interval nobody waits for Redis.
        assert hole.accepted == 1
