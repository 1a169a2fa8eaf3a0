"""Wagtail pages that list things run a fixed number of SQL queries, however many entries they show."""

import datetime

import pytest

from directory import selectors
from tests.query_counts import queries_of
from website.models import ArticleIndexPage, ArticlePage, LifeSituationPage, MeasurePage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_clock")]


def count(client, url, **params):
    queries, response = queries_of(client, url, **params)
    return queries, response.content.decode()


def test_article_index_query_count_does_not_grow_with_the_page_size(client, monkeypatch):
    index = ArticleIndexPage.objects.live().first()
    for number in range(9):  # enough entries for three times the small page
        index.add_child(
            instance=ArticlePage(title=f"Статья для счёта запросов {number}", date=datetime.date(2026, 1, 1))
        )
    client.get(index.url)
    monkeypatch.setattr(ArticleIndexPage, "page_size", 3)
    small, small_html = count(client, index.url)
    monkeypatch.setattr(ArticleIndexPage, "page_size", 9)
    large, large_html = count(client, index.url)
    assert (small_html.count('<li class="card"><article>'), large_html.count('<li class="card"><article>')) == (3, 9)
    assert small == large <= 20


def test_life_situation_query_count_does_not_grow_with_the_services_listed(client, monkeypatch):
    page = max(LifeSituationPage.objects.live(), key=lambda p: p.categories.count())
    client.get(page.url)
    original = selectors.services_for_categories
    monkeypatch.setattr(
        selectors, "services_for_categories", lambda categories, limit=10: original(categories, limit=3)
    )
    small, _ = count(client, page.url)
    monkeypatch.setattr(
        selectors, "services_for_categories", lambda categories, limit=10: original(categories, limit=9)
    )
    large, _ = count(client, page.url)
    assert small == large <= 25


@pytest.mark.parametrize("language", ["ru", "en"])
def test_measure_pages_cost_the_same(client, language):
    # One language at a time: Wagtail routes a page under /en/ with one query more than under the site's root,
    # and without an order the database may interleave the two languages differently from run to run.
    # The clock stands still (`still_clock`): «open now» is counted again (two queries) on the first search of
    # each minute, and a minute may turn between two pages.
    # Two kinds of measure pages: «where to apply» from the services editors linked, or from the categories
    # (a search); each kind costs the same whatever it lists.
    pages = list(MeasurePage.objects.live().filter(locale__language_code=language).order_by("pk"))
    assert len(pages) >= 2
    for page in pages[:6]:  # warm: the first search of the process reads its snapshot
        client.get(page.url)
    kinds = {}
    for page in pages[:6]:
        kinds.setdefault(page.service_links.exists(), set()).add(count(client, page.url)[0])
    for counts in kinds.values():
        assert len(counts) == 1 and max(counts) <= 36, kinds
