"""Relevance over the demo databank: at least 90% of the set must have the expected result in the top 3."""

import pytest

from search.engines.database import DatabaseEngine
from search.services import forgiving_search
from tests.figures import FIGURES

from .relevance import CASES, top3_share

pytestmark = pytest.mark.django_db


def test_relevance_set_is_large_enough():
    assert len(CASES) >= 40


def test_database_engine_relevance():
    engine = DatabaseEngine()
    share, missed = top3_share(
        lambda q: forgiving_search(engine, query=q, filters={}, near=None, sort="relevance", page=1, per_page=3)
    )
    FIGURES.append(f"relevance top-3 share, database: {share:.1%} of {len(CASES)}")
    print("\n" + FIGURES[-1])
    for line in missed:
        print("  missed", line)
    assert share >= 0.9, missed


def test_opensearch_engine_relevance(opensearch_engine):
    share, missed = top3_share(
        lambda q: forgiving_search(
            opensearch_engine, query=q, filters={}, near=None, sort="relevance", page=1, per_page=3
        )
    )
    FIGURES.append(f"relevance top-3 share, opensearch: {share:.1%} of {len(CASES)}")
    print("\n" + FIGURES[-1])
    for line in missed:
        print("  missed", line)
    assert share >= 0.9, missed
