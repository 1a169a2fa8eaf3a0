"""What the OpenSearch and Elasticsearch engines share: the request body (search.documents) and the response.

The two engines differ only in the client library (and its errors); subclasses give `make_client()`,
`bulk()`, `scan()` and `translate_error()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.safestring import mark_safe

from directory import selectors
from directory.filters import DirectoryFilterSet
from directory.models import ServiceAtLocation

from .. import cards, documents, references
from ..facets import LISTED, facet_values
from ..query import parse as parse_query
from . import circuit
from .base import FacetValue, GeoPoint, Results
from .errors import SearchEngineNotConfigured

logger = logging.getLogger(__name__)

DISTRIBUTED_ENGINES = ("opensearch", "elasticsearch")


def distributed_engine(name: str | None = None):
    """The configured distributed engine, or None when search runs on the database."""
    name = name or settings.SEARCH_ENGINE
    if name not in DISTRIBUTED_ENGINES or not settings.SEARCH_URL:
        return None
    if name == "elasticsearch":
        from .elasticsearch import ElasticsearchEngine  # inside: it imports this module (DistributedEngine)

        return ElasticsearchEngine()
    # inside: it imports this module (DistributedEngine); opensearch-py loads only when configured (~70 ms)
    from .opensearch import OpenSearchEngine

    return OpenSearchEngine()


class DistributedEngine:
    name = ""

    def __init__(self, client=None):
        self._client = client

    # ------------------------------------------------------------------ client (subclasses)

    def make_client(self):
        raise NotImplementedError

    def translate_error(self, error: Exception) -> Exception | None:
        """The SearchEngineError to raise instead of a client error, or None to let it through."""
        raise NotImplementedError

    def bulk(self, actions: Iterable[dict], **kwargs) -> tuple[int, list]:
        raise NotImplementedError

    def scan(self, index: str, body: dict) -> Iterator[dict]:
        raise NotImplementedError

    @property
    def client(self):
        if not settings.SEARCH_URL:
            raise SearchEngineNotConfigured("SEARCH_URL is empty: search runs on the database engine")
        if self._client is None:
            self._client = self.make_client()
        return self._client

    @contextmanager
    def errors(self):
        """Client errors as SearchEngineUnavailable / SearchEngineError."""
        try:
            yield
        except Exception as error:
            translated = self.translate_error(error)
            if translated is None:
                raise
            raise translated from error

    # ------------------------------------------------------------------ search

    @property
    def breaker(self) -> circuit.CircuitBreaker:
        """The process's circuit breaker of this cluster (search.engines.circuit), shared with Wagtail's page search."""
        return circuit.breaker(self.name)

    def _send(self, body: dict) -> dict:
        # An open circuit raises CircuitOpen at once: the cluster is not asked (search.services answers from the
        # database). Indexing (bulk, scan) does not go through the breaker: a task may wait for the cluster.
        with self.breaker.guard(), self.errors():
            response = self.client.search(index=documents.alias_name(), body=body)
        return getattr(response, "body", response)  # elasticsearch-py wraps the JSON

    def search(
        self,
        *,
        query: str,
        filters: dict,
        near: GeoPoint | None,
        sort: str,
        page: int,
        per_page: int,
        match: str | int = "all",
        focus: bool = False,
    ) -> Results:
        parsed = parse_query(query)
        filterset = DirectoryFilterSet(filters, queryset=ServiceAtLocation.objects.none())
        valid = filterset.form.is_valid()
        cleaned = dict(filterset.form.cleaned_data)  # the valid fields (django-filter filters with these)
        # The database engine counts the facets without any filter when one parameter is invalid.
        facet_filters = cleaned if valid else {}
        body = documents.build_search(
            parsed,
            cleaned,
            near,
            sort,
            page,
            per_page,
            facet_filters=facet_filters,
            now=selectors.local_now(),
            match=match,
            focus=focus,
        )
        response = self._send(body)

        items = response["hits"]["hits"]
        ids = [int(item["_id"]) for item in items]
        words = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
        hits = cards.hits(
            ids,
            near=near,
            words=words,
            scores={int(item["_id"]): item.get("_score") or 0.0 for item in items},
            highlights={int(item["_id"]): _highlight(item) for item in items},
        )
        if len(hits) < len(ids):  # deleted or unpublished since it was indexed; the next update removes it
            logger.info("Search index %s holds rows no longer public", documents.alias_name())

        return Results(
            hits=hits,
            total=_total(response),
            page=page,
            per_page=per_page,
            facets=facets_from(response.get("aggregations") or {}, facet_filters),
            query=query,
            query_run=parsed.text,
            engine=self.name,
            corrected=parsed.corrected,
            suggestion=parsed.suggestion,
        )


def _total(response: dict) -> int:
    total = response["hits"]["total"]
    return total["value"] if isinstance(total, dict) else int(total)


def _highlight(item: dict) -> str:
    """The engine's highlight of the description (the html encoder escaped the source text); without one (only
    the lemma fields matched) the card marks the description as the database engine does."""
    fragments = (item.get("highlight") or {}).get("description") or []
    return mark_safe(fragments[0]) if fragments else ""  # noqa: S308


def facets_from(aggregations: dict, cleaned: dict) -> dict[str, list[FacetValue]]:
    """Facet values with the keys, labels, order and `selected` flags of the database engine."""
    if not aggregations:
        return {}

    def counts(name: str) -> dict[str, int]:
        buckets = aggregations[f"facet_{name}"]["values"]["buckets"]
        return {str(bucket["key"]): bucket["doc_count"] for bucket in buckets}

    buckets = {name: counts(name) for name in ("category", *LISTED, "delivery")}
    taxonomy = references.get("taxonomy")

    def count(name: str, value) -> int:
        if name == "category":
            return buckets[name].get(taxonomy.public[value][0], 0)
        if name in LISTED:
            return buckets[name].get(value.code, 0)
        if name == "delivery":
            return buckets[name].get(value, 0)
        return aggregations[f"facet_{name}"]["doc_count"]

    return facet_values(cleaned, count)
