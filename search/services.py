"""The single entry point of search for every caller (public results, home «near me», kiosk, API, referrals).

The engine is chosen by settings (SEARCH_URL / SEARCH_ENGINE). When a distributed engine fails, the
database engine answers instead and a warning is logged: a family never sees an error page because
the search cluster is down.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from website import metrics

from .engines.base import GeoPoint, Results
from .engines.database import DatabaseEngine

logger = logging.getLogger(__name__)

SORTS = ("relevance", "distance", "name")


def get_engine(name: str | None = None):
    name = name or settings.SEARCH_ENGINE
    if name == "opensearch":
        from .engines.opensearch import OpenSearchEngine

        return OpenSearchEngine()
    if name == "elasticsearch":
        from .engines.elasticsearch import ElasticsearchEngine

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
    by name otherwise.
    """
    query = (query or "").strip()[:200]
    if sort not in SORTS or (sort == "distance" and near is None):
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
        results = engine.search(**arguments)
    except Exception:
        if isinstance(engine, DatabaseEngine):
            raise
        logger.warning("Search engine %s failed; answering from the database", engine.name, exc_info=True)
        started = time.perf_counter()
        results = DatabaseEngine().search(**arguments)
        results.fallback = True
        metrics.observe_search(DatabaseEngine.name, time.perf_counter() - started, fallback_from=engine.name)
    else:
        metrics.observe_search(engine.name, time.perf_counter() - started)
    results.sort = sort
    if hidden_groups and "target_group" in results.facets:
        # Never a public filter (e.g. «социально опасное положение»): see TargetGroup.is_public.
        results.facets["target_group"] = [v for v in results.facets["target_group"] if v.value not in hidden_groups]
    return results


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
    from directory.models import TargetGroup

    return set(TargetGroup.objects.filter(is_public=False).values_list("code", flat=True))


def search_pages(query: str, *, limit: int = 5):
    """Campaign pages (measures, life situations, articles) through Wagtail's own search backend."""
    from wagtail.models import Page

    query = (query or "").strip()[:200]
    if not query:
        return []
    try:
        return list(Page.objects.live().public().specific().search(query)[:limit])
    except Exception:
        logger.warning("Page search failed", exc_info=True)
        return []
