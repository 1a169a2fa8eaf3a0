"""Errors of the distributed search engines (OpenSearch, Elasticsearch).

`search.services` answers from the database when a distributed engine raises: callers may catch
`SearchEngineUnavailable` (the cluster cannot answer now) separately from a `SearchEngineError`
(the cluster answered with an error: a bug in the request or the mapping).
"""


class SearchEngineError(Exception):
    """The search cluster rejected a request."""


class SearchEngineUnavailable(SearchEngineError):
    """The search cluster cannot be reached, timed out, is overloaded, or has no index yet."""


class SearchEngineNotConfigured(SearchEngineError):
    """A distributed engine was asked for while SEARCH_URL is empty or SEARCH_ENGINE is «database»."""
