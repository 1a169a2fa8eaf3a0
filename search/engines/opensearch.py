"""The OpenSearch engine (opensearch-py). All the search logic is in `distributed.DistributedEngine`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.conf import settings
from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as opensearch_errors

from .distributed import DistributedEngine
from .errors import SearchEngineError, SearchEngineUnavailable


class OpenSearchEngine(DistributedEngine):
    name = "opensearch"

    def make_client(self) -> OpenSearch:
        return OpenSearch(hosts=[settings.SEARCH_URL], timeout=settings.SEARCH_TIMEOUT_SECONDS)

    def translate_error(self, error: Exception) -> Exception | None:
        if isinstance(error, helpers.BulkIndexError):
            failures = error.args[1] if len(error.args) > 1 else []
            return SearchEngineError(f"OpenSearch refused {len(failures)} document(s), first: {failures[:1]}")
        if isinstance(error, opensearch_errors.ConnectionError):  # also ConnectionTimeout, SSLError
            return SearchEngineUnavailable(f"OpenSearch at {settings.SEARCH_URL} does not answer: {error}")
        if isinstance(error, opensearch_errors.TransportError):
            status = error.status_code if isinstance(error.status_code, int) else 0
            if status >= 500 or status == 429:
                return SearchEngineUnavailable(f"OpenSearch is unavailable ({status}): {error.error}")
            if status == 404 and error.error == "index_not_found_exception":
                return SearchEngineUnavailable(
                    f"OpenSearch has no search index yet: run «manage.py search_index rebuild» ({error})"
                )
            return SearchEngineError(f"OpenSearch rejected the request ({status}): {error.error} {error.info}")
        return None

    def bulk(self, actions: Iterable[dict], **kwargs) -> tuple[int, list]:
        with self.errors():
            return helpers.bulk(self.client, actions, request_timeout=settings.SEARCH_INDEX_TIMEOUT_SECONDS, **kwargs)

    def scan(self, index: str, body: dict) -> Iterator[dict]:
        with self.errors():
            yield from helpers.scan(self.client, index=index, query=body, size=1000)
