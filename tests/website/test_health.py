"""/healthz and /readyz: each dependency is stopped in turn and reported honestly.

The search engine (osmem-server) and the cache (a private redis-server) are real servers started here on the
loopback interface and stopped during the test; the database stopped under a running app server is in
tests/reliability/test_database_restart.py.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def redis_server():
    binary = shutil.which("redis-server")
    if not binary:
        _unavailable("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.1)
        else:
            pytest.fail("redis-server did not start")
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _ready(client):
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_on_the_embedded_defaults(client):
    status, body = _ready(client)
    assert status == 200 and body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "search": "ok",
        "tasks": "ok",
    }
    assert body["checks"]["search"]["engine"] == "database"
    assert body["checks"]["database"]["engine"] == connection.vendor


def test_search_engine_down_is_degraded_not_down(client, settings):
    from osmem_server import OsmemServer

    server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    settings.SEARCH_URL, settings.SEARCH_ENGINE, settings.SEARCH_TIMEOUT_SECONDS = server.url, "opensearch", 2
    try:
        status, body = _ready(client)
        assert status == 200 and body["checks"]["search"] == {**body["checks"]["search"], "status": "ok"}
        assert body["checks"]["search"]["engine"] == "opensearch"
    finally:
        server.close()
    status, body = _ready(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["search"]["status"] == "degraded" and body["checks"]["search"]["fallback"] == "database"
    # …and the public search keeps answering from the database meanwhile.
    assert client.get("/services/", {"q": "психолог"}).status_code == 200


def test_cache_down_is_degraded_not_down(client, settings):
    """The site answers without Redis (core/cache.py; pages from the database: tests/faults/test_redis.py)."""
    with redis_server() as (process, url):
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_seconds": 1},
            }
        }
        status, body = _ready(client)
        assert status == 200 and body["checks"]["cache"]["status"] == "ok"
        assert body["checks"]["cache"]["backend"] == "RedisCache"
        process.terminate()
        process.wait(timeout=10)
        status, body = _ready(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["cache"] == {
        **body["checks"]["cache"],
        "status": "degraded",
        "detail": "unreachable",
        "fallback": "database",
    }
    assert body["checks"]["database"]["status"] == "ok"


def test_task_backlog_without_a_worker_is_degraded(client, settings):
    from django_tasks_db.models import DBTaskResult

    from referrals.tasks import deliver_outbox

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # django_tasks follows the change
    try:
        deliver_outbox.enqueue()
        status, body = _ready(client)
        assert status == 200 and body["checks"]["tasks"]["status"] == "ok"
        assert body["checks"]["tasks"]["waiting"] == 1
        DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
        status, body = _ready(client)
        assert status == 200 and body["status"] == "degraded"
        assert body["checks"]["tasks"] == {**body["checks"]["tasks"], "status": "degraded", "stale": 1}
    finally:
        DBTaskResult.objects.all().delete()
