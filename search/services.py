"""The single entry point of search for every caller (public results, home «near me», kiosk, API, referrals)."""

from __future__ import annotations

from django.conf import settings

from .engines.base import GeoPoint, Results
from .engines.database import DatabaseEngine

SORTS = ("relevance", "distance", "name")


def get_engine():
    # Only the embedded engine exists so far; distributed engines plug in here (see the search issue).
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
    page = max(1, page)
    results = get_engine().search(
        query=query, filters=filters or {}, near=near, sort=sort, page=page, per_page=per_page
    )
    results.sort = sort
    return results
