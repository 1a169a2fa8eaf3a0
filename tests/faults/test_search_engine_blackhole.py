"""«Accepts, never answers»: the search cluster (the services index and Wagtail's page index) is a real TCP server on
loopback that accepts every connection and never sends a byte (tests/faults/search_blackhole.py).

- A results page ends within SEARCH_TIMEOUT_SECONDS + 1 s with a clean answer: services from the database engine and
  campaign pages from Wagtail's database backend; the cluster is tried once per request, not once per index.
- After SEARCH_BREAKER_FAILURES failures in a row the circuit is open: the next searches do not connect at all (the
  black hole counts every connection) and answer without waiting; /readyz says so without waiting either.
- The page search alone feeds the same breaker.
"""

from __future__ import annotations

import time

import pytest

from search import services as search
from search.engines import circuit

from .search_blackhole import search_blackhole

pytestmark = pytest.mark.django_db

TIMEOUT = 1.0
FAILURES = 3


@pytest.fixture
def blackholed(client, settings):
    # Warm the process with the database engine first (the query parser's vocabulary, the facets' names): the test
    # measures what the fault costs, not a cold start.
    assert client.get("/services/", {"q": "жильё"}).status_code == 200
    with search_blackhole() as hole:
        settings.SEARCH_URL = hole.url
        settings.SEARCH_ENGINE = "opensearch"
        settings.SEARCH_INDEX_PREFIX = "test-blackhole"
        settings.SEARCH_TIMEOUT_SECONDS = TIMEOUT
        settings.SEARCH_BREAKER_FAILURES = FAILURES
        settings.SEARCH_BREAKER_COOLDOWN_SECONDS = 600
        # what website/settings.py configures when SEARCH_URL is set
        settings.WAGTAILSEARCH_BACKENDS = {
            "default": {
                "BACKEND": "wagtail.search.backends.opensearch3",
                "URLS": [hole.url],
                "INDEX_PREFIX": "test-blackhole-wagtail-",
                "TIMEOUT": TIMEOUT,
            },
            "database": {"BACKEND": "wagtail.search.backends.database"},
        }
        yield hole


def timed_get(client, query: str):
    started = time.monotonic()
    response = client.get("/services/", {"q": query})
    return response, time.monotonic() - started


def test_a_results_page_answers_from_the_database_within_the_timeout(client, blackholed, caplog):
    response, seconds = timed_get(client, "жильё")

    assert response.status_code == 200
    results = response.context["results"]
    assert results.fallback and results.engine == "database" and results.total > 0
    # campaign pages too, from Wagtail's database backend (the cluster was not asked for them a second time)
    assert [page.url_path for page in response.context["pages"]]
    assert "/zhile/" in response.content.decode()
    assert blackholed.connections == 1
    assert seconds < TIMEOUT + 1, f"the page took {seconds:.2f} s"
    assert "answering from the database" in caplog.text


def test_after_n_failures_the_next_searches_do_not_try_the_engine(client, blackholed, caplog):
    for attempt in range(1, FAILURES + 1):
        response, seconds = timed_get(client, "психолог")
        assert response.status_code == 200 and response.context["results"].fallback
        assert TIMEOUT <= seconds < TIMEOUT + 1
        assert blackholed.connections == attempt
    assert "the circuit is open" in caplog.text

    expected = None
    for query in ("психолог", "логопед", "жильё", "психолог"):
        response, seconds = timed_get(client, query)
        assert response.status_code == 200
        results = response.context["results"]
        assert results.fallback and results.engine == "database" and results.total > 0
        assert seconds < TIMEOUT / 2, f"an open circuit still waited {seconds:.2f} s"
        if query == "психолог":
            expected = expected or results.total
            assert results.total == expected
    assert client.get("/services/", {"q": "жильё"}).context["pages"]
    assert blackholed.connections == FAILURES  # not one more connection

    # /readyz reports the open circuit at once, without connecting either.
    started = time.monotonic()
    body = client.get("/readyz").json()
    assert time.monotonic() - started < TIMEOUT
    search_check = body["checks"]["search"]
    assert search_check["status"] == "degraded" and search_check["detail"] == "circuit open"
    assert search_check["fallback"] == "database" and search_check["retry_in_s"] > 0
    assert blackholed.connections == FAILURES


def test_the_page_search_shares_the_breaker(client, blackholed):
    for attempt in range(1, FAILURES + 1):
        started = time.monotonic()
        pages = search.search_pages("жильё")
        assert time.monotonic() - started < TIMEOUT + 1
        assert [page.url_path for page in pages if "zhile" in page.url_path]  # from the database backend
        assert blackholed.connections == attempt
    assert circuit.breaker("opensearch").state == circuit.OPEN

    # The services search no longer tries the cluster either.
    started = time.monotonic()
    results = search.search(query="психолог")
    assert time.monotonic() - started < TIMEOUT / 2
    assert results.fallback and results.total > 0
    assert search.search_pages("жильё") and blackholed.connections == FAILURES


def test_other_searches_than_the_results_page_answer_too(client, blackholed):
    """The API and the autocomplete go through the same service: no 5xx, nothing waits twice."""
    response = client.get("/api/v1/services", {"search": "психолог"})
    assert response.status_code == 200
    assert client.get("/search/autocomplete/", {"q": "центр"}).status_code == 200
    assert blackholed.connections <= 1
