"""Wagtail's search backends for a cluster, behind the services search's circuit breaker.

Every search of Wagtail's pages and snippets — the campaign pages on the public results page, and the admin's
search boxes and choosers — is evaluated through the breaker of the configured cluster (search.engines.circuit):
when the cluster fails, or the circuit is open, Wagtail's database backend (the «database» entry of
WAGTAILSEARCH_BACKENDS, kept up to date next to the cluster's index) answers the same query at once. So an editor
searching the admin while the cluster hangs waits at most one timeout, and only until the circuit opens.

Index writes (a page published, `update_index`) go through the breaker too: while the circuit is open they are
skipped at once instead of each waiting for the timeout; django-modelsearch logs the skipped write (it catches
indexing errors for cluster backends), and `manage.py update_index` fills the index again when the cluster is back.
"""

from __future__ import annotations

import logging

from modelsearch.backends import get_search_backend
from modelsearch.backends.elasticsearch9 import Elasticsearch9SearchBackend, Elasticsearch9SearchResults
from modelsearch.backends.opensearch3 import OpenSearch3SearchBackend, OpenSearch3SearchResults

from .engines import circuit
from .engines.distributed import distributed_engine
from .engines.errors import SearchEngineUnavailable

logger = logging.getLogger(__name__)

DATABASE_BACKEND = "database"


def through_breaker(call, fallback, what: str):
    """`call()` when the circuit lets it, reporting to the breaker how it went; `fallback(error)` when the cluster
    failed (`error`) or the circuit is open (None). Without a configured cluster, `call()` alone.

    One admin page asks the cluster several times (the results, their count, the facets): a thread that has just
    waited for a failing cluster does not ask it again for SEARCH_TIMEOUT_SECONDS, so one request waits once."""
    engine = distributed_engine()
    if engine is None:
        return call()
    breaker = engine.breaker
    if circuit.thread_waited_recently() or not breaker.allow():
        return fallback(None)
    try:
        value = call()
    except Exception as error:
        translated = engine.translate_error(error) or error
        if isinstance(translated, SearchEngineUnavailable):
            circuit.thread_waited()
        breaker.record_error(translated)
        logger.warning("%s on %s failed", what, engine.name, exc_info=True)
        return fallback(error)
    breaker.success()
    return value


class CircuitOpenSkipped(Exception):
    """An index write skipped because the circuit is open (django-modelsearch logs it and goes on)."""


def _raise(error):
    raise error or CircuitOpenSkipped("the search cluster's circuit is open: the index write was skipped")


class _GuardedResults:
    def _do_search(self):
        # The parent's _do_search is a generator: the cluster is asked while it is read, so it is read here.
        search = super()._do_search
        return through_breaker(lambda: list(search()), lambda _: list(self._on_database()), "Wagtail search")

    def _do_count(self):
        return through_breaker(super()._do_count, lambda _: self._on_database().count(), "Wagtail search count")

    def facet(self, field_name):
        facet = super().facet
        return through_breaker(
            lambda: facet(field_name), lambda _: self._on_database(sliced=False).facet(field_name), "Wagtail facet"
        )

    def _on_database(self, sliced: bool = True):
        """The same query, fields, ordering and slice on Wagtail's database backend."""
        compiler = self.query_compiler
        backend = get_search_backend(DATABASE_BACKEND)
        autocomplete = isinstance(compiler, self.backend.autocomplete_query_compiler_class)
        results = (backend.autocomplete if autocomplete else backend.search)(
            compiler.query, compiler.queryset, fields=compiler.fields, order_by_relevance=compiler.order_by_relevance
        )
        if self._score_field:
            results = results.annotate_score(self._score_field)
        return results[self.start : self.stop] if sliced else results


class _GuardedWrites:
    def add(self, obj):
        return through_breaker(lambda: super(_GuardedWrites, self).add(obj), _raise, "Search index write")

    def add_bulk(self, model, obj_list):
        return through_breaker(
            lambda: super(_GuardedWrites, self).add_bulk(model, obj_list), _raise, "Search index write"
        )

    def delete(self, obj):
        return through_breaker(lambda: super(_GuardedWrites, self).delete(obj), _raise, "Search index write")


class OpenSearchResults(_GuardedResults, OpenSearch3SearchResults):
    pass


class OpenSearchBackend(_GuardedWrites, OpenSearch3SearchBackend):
    results_class = OpenSearchResults


class ElasticsearchResults(_GuardedResults, Elasticsearch9SearchResults):
    pass


class ElasticsearchBackend(_GuardedWrites, Elasticsearch9SearchBackend):
    results_class = ElasticsearchResults
