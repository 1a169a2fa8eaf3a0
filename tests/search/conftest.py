"""Search engines under test: an in-memory OpenSearch (osmem-server) for the session, and indices built from
the demo databank (loaded once per session by tests/conftest.py).

Without osmem-server the OpenSearch cases are skipped locally and fail in CI (the CI variable is set).
Elasticsearch cases run only against a real cluster named by ELASTICSEARCH_URL.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.test import override_settings

ELASTICSEARCH_SKIP = "ELASTICSEARCH_URL is not set: elasticsearch-py 8+ refuses osmem-server"


def _unique_prefix(kind: str) -> str:
    return f"test-{kind}-{uuid.uuid4().hex[:10]}"


def _build(url: str, engine_name: str, prefix: str):
    from search.engines.distributed import distributed_engine
    from search.indexing import rebuild

    with override_settings(SEARCH_URL=url, SEARCH_ENGINE=engine_name, SEARCH_INDEX_PREFIX=prefix):
        engine = distributed_engine()
        rebuild(engine)
    return engine


def _drop(url: str, engine_name: str, prefix: str) -> None:
    from search import documents
    from search.engines.distributed import distributed_engine

    with override_settings(SEARCH_URL=url, SEARCH_ENGINE=engine_name, SEARCH_INDEX_PREFIX=prefix):
        engine = distributed_engine()
        try:
            for name in engine.client.indices.get(index=documents.index_pattern()):
                engine.client.indices.delete(index=name)
        except Exception:  # the server may be gone already; nothing to keep clean then
            pass


@pytest.fixture(scope="session")
def search_server_url():
    """The URL of an osmem-server started for the session on the loopback interface."""
    try:
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    except Exception as error:  # not installed, no binary for this platform, did not start
        message = f"osmem-server could not start: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def elasticsearch_url():
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        pytest.skip(ELASTICSEARCH_SKIP)
    return url


def _shared_index(url: str, engine_name: str, django_db_blocker):
    prefix = _unique_prefix(engine_name)
    with django_db_blocker.unblock():
        _build(url, engine_name, prefix)
    return prefix


@pytest.fixture(scope="session")
def opensearch_index(search_server_url, django_db_setup, django_db_blocker):
    """One index of the demo databank for the read-only cases (built once: about 3 s)."""
    prefix = _shared_index(search_server_url, "opensearch", django_db_blocker)
    yield prefix
    _drop(search_server_url, "opensearch", prefix)


@pytest.fixture(scope="session")
def elasticsearch_index(elasticsearch_url, django_db_setup, django_db_blocker):
    prefix = _shared_index(elasticsearch_url, "elasticsearch", django_db_blocker)
    yield prefix
    _drop(elasticsearch_url, "elasticsearch", prefix)


def _configure(settings, url: str, engine_name: str, prefix: str):
    from search.engines.distributed import distributed_engine

    settings.SEARCH_URL = url
    settings.SEARCH_ENGINE = engine_name
    settings.SEARCH_INDEX_PREFIX = prefix
    return distributed_engine()


@pytest.fixture
def opensearch_engine(search_server_url, opensearch_index, settings, db):
    """The OpenSearch engine over the shared demo index. Do not change the index through it."""
    return _configure(settings, search_server_url, "opensearch", opensearch_index)


@pytest.fixture
def elasticsearch_engine(elasticsearch_url, elasticsearch_index, settings, db):
    return _configure(settings, elasticsearch_url, "elasticsearch", elasticsearch_index)


def _fresh(url: str, engine_name: str, settings):
    prefix = _unique_prefix(engine_name)
    engine = _configure(settings, url, engine_name, prefix)
    from search.indexing import rebuild

    rebuild(engine)
    return engine, prefix


@pytest.fixture
def fresh_opensearch_engine(search_server_url, settings, db):
    """The OpenSearch engine over an index of its own, for cases that change the databank and the index."""
    engine, prefix = _fresh(search_server_url, "opensearch", settings)
    yield engine
    _drop(search_server_url, "opensearch", prefix)


@pytest.fixture
def fresh_elasticsearch_engine(elasticsearch_url, settings, db):
    engine, prefix = _fresh(elasticsearch_url, "elasticsearch", settings)
    yield engine
    _drop(elasticsearch_url, "elasticsearch", prefix)


@pytest.fixture
def fresh_vocabulary():
    """Each test sees the database as it is (rolled-back edits must not linger in the query parser's caches)."""
    from search import query

    query.vocabulary_reset()
    yield
    query.vocabulary_reset()


@pytest.fixture(autouse=True)
def fresh_search_breakers():
    """The search circuit breakers live in the process (search.engines.circuit): each test starts with none."""
    from search.engines import circuit

    circuit.reset()
    yield
    circuit.reset()
