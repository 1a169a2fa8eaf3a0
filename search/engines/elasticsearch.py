"""The Elasticsearch engine (elasticsearch-py 9). All the search logic is in `distributed.DistributedEngine`.

elasticsearch-py 8+ checks that the server is Elasticsearch, so it cannot talk to OpenSearch or to
osmem-server: test it against a real cluster (ELASTICSEARCH_URL in the contract tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import elastic_transport
import elasticsearch
from django.conf import settings
from elasticsearch import Elasticsearch, helpers

from .distributed import DistributedEngine
from .errors import SearchEngineError, SearchEngineUnavailable


class ElasticsearchEngine(DistributedEngine):
    name = "elasticsearch"

    def make_client(self) -> Elasticsearch:
        return Elasticsearch(hosts=[settings.SEARCH_URL], request_timeout=settings.SEARCH_TIMEOUT_SECONDS)

    def translate_error(self, error: Exception) -> Exception | None:
        if isinstance(error, helpers.BulkIndexError):
            return SearchEngineError(
                f"Elasticsearch refused {len(error.errors)} document(s), first: {error.errors[:1]}"
            )
        if isinstance(error, elasticsearch.UnsupportedProductError):
            return SearchEngineUnavailable(f"{settings.SEARCH_URL} is not an Elasticsearch cluster: {error}")
        if isinstance(error, elasticsearch.ApiError):
            status = error.meta.status if error.meta is not None else 0
            kind = error.message  # the error type, e.g. «index_not_found_exception»
            if status >= 500 or status == 429:
                return SearchEngineUnavailable(f"Elasticsearch is unavailable: {error}")
            if status == 404 and kind == "index_not_found_exception":
                return SearchEngineUnavailable(
                    f"Elasticsearch has no search index yet: run «manage.py search_index rebuild» ({error})"
                )
            return SearchEngineError(f"Elasticsearch rejected the request: {error}")
        if isinstance(error, elastic_transport.TransportError):  # ConnectionError, ConnectionTimeout, TLS
            return SearchEngineUnavailable(f"Elasticsearch at {settings.SEARCH_URL} does not answer: {error}")
        return None

    def bulk(self, actions: Iterable[dict], **kwargs) -> tuple[int, list]:
        with self.errors():
            client = self.client.options(request_timeout=settings.SEARCH_INDEX_TIMEOUT_SECONDS)
            return helpers.bulk(client, actions, **kwargs)

    def scan(self, index: str, body: dict) -> Iterator[dict]:
        with self.errors():
            yield from helpers.scan(self.client, index=index, query=body, size=1000)
