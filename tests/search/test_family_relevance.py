"""Issue #20 acceptance: situations as families type them find the right kind of help in the top 3, at least 90%
of the independent set in tests/search/family_relevance.py, with the database engine and with OpenSearch."""

import pytest

from directory.models import Category, Service
from search.engines.database import DatabaseEngine
from search.services import forgiving_search
from tests.figures import FIGURES

from .family_relevance import CASES, category_tree, service_matches, top3_share

pytestmark = pytest.mark.django_db


def test_family_set_is_large_and_varied():
    codes = {code for _, expected, _ in CASES for code in expected}
    assert len(CASES) >= 60
    assert len(codes) >= 25
    assert len({query for query, _, _ in CASES}) == len(CASES), "a query is in the set twice"


def test_every_case_is_fair():
    """Every expected code exists, and at least one published service of the demo databank is a right answer."""
    category_tree(fresh=True)
    known = set(Category.objects.values_list("code", flat=True))
    services = list(Service.objects.filter(status=Service.Status.PUBLISHED).prefetch_related("categories"))
    unknown = sorted({code for _, expected, _ in CASES for code in expected} - known)
    unfair = [
        query
        for query, codes, fragments in CASES
        if not any(service_matches(s, set(codes), fragments) for s in services)
    ]
    assert not unknown, unknown
    assert not unfair, unfair


def _check(engine, label: str) -> None:
    share, missed = top3_share(
        lambda q: forgiving_search(engine, query=q, filters={}, near=None, sort="relevance", page=1, per_page=3)
    )
    figure = f"family relevance top-3 share, {label}: {share:.1%} of {len(CASES)}"
    FIGURES.append(figure)
    print("\n" + figure)
    for line in missed:
        print("  missed", line)
    assert share >= 0.9, missed


def test_database_engine_family_relevance():
    _check(DatabaseEngine(), "database")


def test_opensearch_engine_family_relevance(opensearch_engine):
    _check(opensearch_engine, "opensearch")
