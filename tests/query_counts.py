"""The one helper of the query-count tests: how many SQL queries one GET of a page runs."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url: str, **params) -> tuple[int, object]:
    """(the number of SQL queries, the response) of `client.get(url, params)`; the page must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(ctx.captured_queries), response
