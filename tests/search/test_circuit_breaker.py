"""The circuit breaker of the distributed search engine (search/engines/circuit.py) and Wagtail's page index.

The states on a clock the test turns; the cluster side with real servers: a black hole on loopback
(tests/faults/search_blackhole.py) that becomes an osmem-server on the same port, so that the same breaker sees the
cluster fail, stay unasked, be probed once and answer again. Wagtail's indices get the site's prefix (two sites on
one cluster keep their pages apart), read from the settings module as the servers load it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from search import services as search
from search.engines import circuit
from search.engines.errors import SearchEngineError, SearchEngineUnavailable
from tests.faults.search_blackhole import search_blackhole

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def breaker(settings):
    settings.SEARCH_BREAKER_FAILURES = 3
    settings.SEARCH_BREAKER_COOLDOWN_SECONDS = 30
    clock = Clock()
    return circuit.CircuitBreaker("test", clock=clock), clock


def fail(breaker: circuit.CircuitBreaker) -> None:
    with pytest.raises(SearchEngineUnavailable), breaker.guard():
        raise SearchEngineUnavailable("no answer")


def test_n_failures_in_a_row_open_the_circuit_for_the_cool_down(breaker):
    breaker, clock = breaker
    fail(breaker)
    fail(breaker)
    with breaker.guard():  # an answer in between: the count starts again
        pass
    fail(breaker)
    fail(breaker)
    assert breaker.state == circuit.CLOSED
    fail(breaker)
    assert breaker.state == circuit.OPEN and breaker.retry_in() == 30

    clock.now += 29.9
    with pytest.raises(circuit.CircuitOpen), breaker.guard():
        pytest.fail("an open circuit ran the call")
    assert breaker.state == circuit.OPEN

    clock.now += 0.1
    assert breaker.state == circuit.HALF_OPEN
    fail(breaker)  # the probe fails: another cool-down
    assert breaker.state == circuit.OPEN and breaker.retry_in() == 30
    clock.now += 30
    with breaker.guard():  # the probe answers: closed
        pass
    assert breaker.state == circuit.CLOSED and breaker.retry_in() == 0


def test_a_rejected_request_is_an_answer_and_other_errors_free_the_probe(breaker):
    breaker, clock = breaker
    for _ in range(3):
        fail(breaker)
    clock.now += 30
    with pytest.raises(ValueError), breaker.guard():
        raise ValueError("a bug of ours, not the cluster")
    assert breaker.state == circuit.HALF_OPEN  # the probe is free again
    with pytest.raises(SearchEngineError), breaker.guard():
        raise SearchEngineError("400: the cluster answered")
    assert breaker.state == circuit.CLOSED


def test_half_open_lets_exactly_one_of_many_threads_probe(breaker):
    breaker, clock = breaker
    for _ in range(3):
        fail(breaker)
    clock.now += 30
    barrier = threading.Barrier(16)
    allowed = []

    def call():
        barrier.wait()
        allowed.append(breaker.allow())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 1 and len(allowed) == 16


def test_the_breaker_is_per_cluster_and_per_process(settings):
    settings.SEARCH_URL = "http://127.0.0.1:9"
    first = circuit.breaker("opensearch")
    assert circuit.breaker("opensearch") is first
    assert circuit.breaker("opensearch", "http://127.0.0.1:10") is not first
    assert circuit.breaker("elasticsearch") is not first


def test_the_circuit_state_is_a_gauge(client, settings, db, caplog):
    """/metrics says when a process answers from the database because the circuit is open (1), and when it is closed
    again (0), labelled by the engine and never by the cluster's address; the logs name the cluster without its
    password."""
    from tests.website.test_metrics import scrape, value

    breaker = circuit.breaker("opensearch", "http://user:secret@10.0.0.9:9200")
    settings.SEARCH_BREAKER_FAILURES = 1
    fail(breaker)
    assert value(scrape(client), "search_circuit_open", engine="opensearch") == 1.0
    settings.SEARCH_BREAKER_COOLDOWN_SECONDS = 0
    with breaker.guard():  # the probe after the cool-down answers
        pass
    samples = scrape(client)
    assert value(samples, "search_circuit_open", engine="opensearch") == 0.0
    assert not [key for key in samples if "secret" in str(key) or "10.0.0.9" in str(key)]
    assert "the circuit is open" in caplog.text and "10.0.0.9:9200" in caplog.text
    assert "secret" not in caplog.text and "user:" not in caplog.text


@pytest.mark.django_db
def test_an_unanswering_cluster_is_probed_once_per_cool_down_and_used_again_when_it_answers(settings, caplog):
    from osmem_server import OsmemServer

    from .conftest import _build, _drop

    settings.SEARCH_ENGINE = "opensearch"
    settings.SEARCH_INDEX_PREFIX = f"test-breaker-{uuid.uuid4().hex[:8]}"
    settings.SEARCH_TIMEOUT_SECONDS = 0.5
    settings.SEARCH_BREAKER_FAILURES = 2
    settings.SEARCH_BREAKER_COOLDOWN_SECONDS = 1.5
    with search_blackhole() as hole:
        settings.SEARCH_URL = hole.url
        breaker = circuit.breaker("opensearch")
        for _ in range(2):
            assert search.search(query="психолог").fallback
        assert breaker.state == circuit.OPEN and hole.connections == 2
        assert search.search(query="психолог").fallback and hole.connections == 2  # not tried
        time.sleep(1.5)
        assert search.search(query="психолог").fallback and hole.connections == 3  # the one probe
        assert breaker.state == circuit.OPEN and search.search(query="логопед").fallback and hole.connections == 3
        port = hole.port
    # The cluster comes back on the same address.
    try:
        server = OsmemServer.start(addr=f"127.0.0.1:{port}", japanese=False)
    except Exception as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"osmem-server could not start on port {port}: {error}")
    try:
        _build(server.url, "opensearch", settings.SEARCH_INDEX_PREFIX)
        time.sleep(max(0.0, breaker.retry_in()))  # the cool-down that began with the failed probe
        results = search.search(query="психолог")
        assert not results.fallback and results.engine == "opensearch" and results.total > 0
        assert breaker.state == circuit.CLOSED
        assert "answers again: the circuit is closed" in caplog.text
    finally:
        _drop(server.url, "opensearch", settings.SEARCH_INDEX_PREFIX)
        server.close()


def wagtail_backends_as_configured(url: str, prefix: str) -> dict:
    """WAGTAILSEARCH_BACKENDS as website/settings.py builds it from the environment of a server."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "website.settings_test",
        "SEARCH_URL": url,
        "SEARCH_INDEX_PREFIX": prefix,
    }
    code = "import json; from django.conf import settings; print(json.dumps(settings.WAGTAILSEARCH_BACKENDS))"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_two_sites_on_one_cluster_keep_their_wagtail_pages_apart(search_server_url, settings):
    from django.core.management import call_command
    from opensearchpy import OpenSearch
    from wagtail.models import Page

    site_a, site_b = (f"test-site-{name}-{uuid.uuid4().hex[:6]}" for name in "ab")
    backends_a = wagtail_backends_as_configured(search_server_url, site_a)
    backends_b = wagtail_backends_as_configured(search_server_url, site_b)
    assert "INDEX" not in backends_a["default"]  # django-modelsearch has no such setting: it reads INDEX_PREFIX
    assert backends_a["default"]["INDEX_PREFIX"] == f"{site_a}-wagtail-"
    assert backends_a["database"] == {"BACKEND": "wagtail.search.backends.database"}

    settings.WAGTAILSEARCH_BACKENDS = {"default": backends_a["default"], "other": backends_b["default"]}
    client = OpenSearch(hosts=[search_server_url])
    try:
        call_command("update_index", backend_name="default", stdout=io.StringIO())
        client.indices.refresh(index=f"{site_a}-*")
        assert client.indices.exists(index=f"{site_a}-wagtail-wagtailcore_page")
        assert not client.indices.exists(index="wagtailcore_page")
        assert not client.indices.get(index=f"{site_b}-*")  # site B shares nothing of A's: its index is not there
        live = Page.objects.live().public().filter(depth__gt=1)
        assert client.count(index=f"{site_a}-wagtail-wagtailcore_page")["count"] >= live.count() > 0
        found = list(live.search("жильё", backend="default")[:5])
        assert any("zhile" in page.url_path for page in found)
    finally:
        for name in client.indices.get(index="test-site-*"):
            client.indices.delete(index=name)
