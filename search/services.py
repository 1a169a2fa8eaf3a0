"""The single entry point of search for every caller (public results, home «near me», kiosk, API, referrals).

The engine is chosen by settings (SEARCH_URL / SEARCH_ENGINE). When a distributed engine fails, the
database engine answers instead and a warning is logged: a family never sees an error page because
the search cluster is down. A search waits for the cluster at most SEARCH_TIMEOUT_SECONDS once; after
SEARCH_BREAKER_FAILURES failures in a row the circuit breaker (search.engines.circuit) answers from the database
without trying the cluster for SEARCH_BREAKER_COOLDOWN_SECONDS. Wagtail's page search shares the breaker and falls
back to Wagtail's database backend the same way.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from wagtail.models import Page

from core import metrics

from . import references
from .engines.base import GeoPoint, Results
from .engines.circuit import CircuitOpen
from .engines.database import DatabaseEngine
from .engines.elasticsearch import ElasticsearchEngine
from .query import parse as parse_query

logger = logging.getLogger(__name__)

SORTS = ("relevance", "distance", "name")


def get_engine(name: str | None = None):
    name = name or settings.SEARCH_ENGINE
    if name == "opensearch":
        from .engines.opensearch import OpenSearchEngine  # inside: opensearch-py loads only when configured (~70 ms)

        return OpenSearchEngine()
    if name == "elasticsearch":
        return ElasticsearchEngine()
    return DatabaseEngine()


def search(
    query: str = "",
    filters: dict | None = None,
    near: GeoPoint | None = None,
    sort: str = "",
    page: int = 1,
    per_page: int | None = None,
) -> Results:
    """Search published services at locations. `filters` holds DirectoryFilterSet parameters (codes).

    The default order: by relevance when there is a text query, by distance when a point is given,
    by name otherwise. «By distance» without a point orders by relevance and sets `needs_place`, so that the
    page asks for a place instead of ignoring the choice.
    """
    query = (query or "").strip()[:200]
    needs_place = sort == "distance" and near is None
    if sort not in SORTS or needs_place:
        sort = "relevance" if query else ("distance" if near is not None else "name")
    per_page = per_page or settings.DIRECTORY_PAGE_SIZE
    hidden_groups = _workspace_only_target_groups()
    filters = _without_hidden_groups(filters if filters is not None else {}, hidden_groups)
    arguments = {
        "query": query,
        "filters": filters,
        "near": near,
        "sort": sort,
        "page": max(1, page),
        "per_page": per_page,
    }
    engine = get_engine()
    started = time.perf_counter()
    try:
        results = forgiving_search(engine, **arguments)
    except Exception as error:
        if isinstance(engine, DatabaseEngine):
            raise
        if isinstance(error, CircuitOpen):  # said once, when the circuit opened (search.engines.circuit)
            logger.debug("Search engine %s not tried: %s", engine.name, error)
        else:
            logger.warning("Search engine %s failed; answering from the database", engine.name, exc_info=True)
        started = time.perf_counter()
        results = forgiving_search(DatabaseEngine(), **arguments)
        results.fallback = True
        metrics.observe_search(DatabaseEngine.name, time.perf_counter() - started, fallback_from=engine.name)
    else:
        metrics.observe_search(engine.name, time.perf_counter() - started)
    results.sort = sort
    results.needs_place = needs_place
    if hidden_groups and "target_group" in results.facets:
        # Never a public filter (e.g. «социально опасное положение»): see TargetGroup.is_public.
        results.facets["target_group"] = [v for v in results.facets["target_group"] if v.value not in hidden_groups]
    return results


def forgiving_search(engine, *, query: str, filters, near, sort: str, page: int, per_page: int) -> Results:
    """One engine's answer, forgiving as a family needs it; the same steps for every engine.

    0. By distance: only the services with a word of the query in the name or the kinds of help, if any.
    1. Every word of the query (or its synonyms, or the databank terms of a family phrase) must be found.
    2. When that finds nothing: without the words the databank does not know at all.
    3. When that still finds nothing: any of the words, more words found first (by distance: the services with
       the most words found, nearest first).
    `relaxed_words` then names the words the results were found by and `strict_total` keeps what every word found
    (0), for the statistics of searches that found nothing. A query that signals danger to life or to a child is
    marked `crisis` whatever it finds. A «did you mean» is kept only when it would find something.
    """
    arguments = {"filters": filters, "near": near, "sort": sort, "page": page, "per_page": per_page}
    parsed = parse_query(query)
    results = None
    if sort == "distance" and parsed.lemmas:
        # «By distance» lists the relevant services nearest first: those with a word of the query in the name or
        # the kinds of help, when there are any — not a toddlers' centre that mentions teenagers once.
        focused = engine.search(query=query, focus=True, **arguments)
        if focused.total:
            results = focused
    if results is None:
        results = engine.search(query=query, **arguments)
    if not results.total and len(parsed.lemmas) > 1:
        relaxed = _relaxed(engine, parsed, query, arguments)
        if relaxed is not None and relaxed.total:
            relaxed.query = query
            relaxed.relaxed_words = [parsed.forms.get(lemma, lemma) for lemma in parsed.known]
            relaxed.suggestion = ""
            relaxed.strict_total = 0
            results = relaxed
    results.crisis = parsed.crisis
    if results.suggestion and results.suggestion != query:
        probe = engine.search(query=results.suggestion, **{**arguments, "page": 1, "per_page": 1})
        if not probe.total:
            results.suggestion = ""
    return results


def _relaxed(engine, parsed, query: str, arguments: dict) -> Results | None:
    """Steps 2 and 3 of `forgiving_search`."""
    known = parsed.known
    if not known:
        return None
    text = query
    if len(known) < len(parsed.lemmas):
        text = parsed.without_unknown()
        relaxed = engine.search(query=text, **arguments)
        if relaxed.total or len(known) == 1:
            return relaxed
    if arguments["sort"] != "distance":
        return engine.search(query=text, match="any", **arguments)
    # By distance, the order says nothing of how many words were found: keep the services with the most of them.
    for count in range(len(known) - 1, 0, -1):
        relaxed = engine.search(query=text, match=count, **arguments)
        if relaxed.total:
            return relaxed
    return None


def filter_values(filters, name: str) -> list:
    """The values of one filter, from a QueryDict (request.GET) or a plain dict of a value or a list."""
    values = filters.getlist(name) if hasattr(filters, "getlist") else filters.get(name) or []
    return [values] if isinstance(values, str) else list(values)


def _without_hidden_groups(filters, hidden: set[str]):
    """Drop workspace-only family categories from the filters, keeping the caller's mapping type (QueryDict)."""
    if not hidden:
        return filters
    values = filter_values(filters, "target_group")
    if not any(value in hidden for value in values):
        return filters
    kept = [value for value in values if value not in hidden]
    filters = filters.copy()
    if hasattr(filters, "setlist"):
        filters.setlist("target_group", kept)
    else:
        filters["target_group"] = kept
    return filters


def _workspace_only_target_groups() -> set[str]:
    return {group.code for group in references.get("target_group") if not group.is_public}


def search_pages(query: str, *, limit: int = 5, engine_failed: bool = False):
    """Campaign pages (measures, life situations, articles) through Wagtail's own search backend.

    With a cluster, Wagtail's backend goes through the services search's circuit breaker and its database backend
    answers when the cluster fails (search.wagtail_backends); when the services search of the same request has just
    fallen back (`engine_failed`), the database backend answers at once: one request never waits for the cluster
    twice.
    """
    query = (query or "").strip()[:200]
    if not query:
        return []
    backend = "database" if engine_failed and "database" in settings.WAGTAILSEARCH_BACKENDS else "default"
    try:
        return _pages(query, limit, backend)
    except Exception:
        logger.warning("Page search failed", exc_info=True)
        return []


def _pages(query: str, limit: int, backend: str) -> list:
    # Base pages: the list shows only the title, the description and the address (no query per page type).
    return list(Page.objects.live().public().search(query, backend=backend)[:limit])
