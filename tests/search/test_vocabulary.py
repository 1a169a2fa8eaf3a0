"""The query parser's words of the databank follow edits without a stall: the writer teaches its own process the
new words and builds the lexicon; an old vocabulary is read again by a thread while searches go on."""

import threading
from dataclasses import replace

import pytest
from django.db import connection

from directory.models import Service
from search import query
from search.query import parse

pytestmark = pytest.mark.usefixtures("fresh_vocabulary")


@pytest.mark.django_db
def test_a_new_word_of_an_edited_service_is_known_at_once_and_the_lexicon_is_built_by_the_writer(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert parse("шмыгалко").corrected is False  # the vocabulary is read; the word is far from every other
    service = Service.objects.filter(status=Service.Status.PUBLISHED).first()
    service.description += " Курс «шмыгалка» для малышей."
    with django_capture_on_commit_callbacks(execute=True):  # the lemma columns and the parser follow on commit
        service.save()

    lexicon = query._lexicon_cache
    assert lexicon is not None and lexicon[0] is query._vocabulary  # built by the writer, not by the next search
    with django_assert_num_queries(0):
        parsed = parse("шмыгалко")
    assert parsed.text == "шмыгалка"  # the typo is repaired towards the new word


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the SQLite test database is in memory: another connection may find its tables locked (CI runs PostgreSQL)",
)
def test_an_old_vocabulary_is_read_again_by_a_thread_while_searches_go_on(settings, django_assert_num_queries):
    settings.SEARCH_REFRESH_IN_BACKGROUND = True
    parse("психолог")
    stale = query._vocabulary = replace(query._vocabulary, expires=0.0)

    with django_assert_num_queries(0):  # answered with the kept words; the reading starts in a thread
        parse("психолог")
    reader = next((t for t in threading.enumerate() if t.name == "search-vocabulary"), None)
    if reader is not None:
        reader.join(timeout=30)
    assert query._vocabulary is not stale and query._vocabulary.expires > 0
    assert query._vocabulary.frequency == stale.frequency  # the databank's words, read by the thread's connection
    assert query._lexicon_cache[0] is query._vocabulary  # the lexicon too was built by the thread
