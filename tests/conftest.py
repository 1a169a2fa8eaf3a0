import pytest

from tests.figures import FIGURES


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data (migrations) and the demo databank, loaded once."""
    from demo.databank import load_demo_databank
    from demo.pages import load_demo_pages

    with django_db_blocker.unblock():
        load_demo_databank()
        load_demo_pages()


@pytest.fixture(scope="session", autouse=True)
def flush_through_the_purge_path():
    """A transactional test ends with Django's flush: TRUNCATE on PostgreSQL (no row trigger fires), but
    `DELETE FROM` every table on SQLite, which the evidence triggers (referrals/evidence.py) refuse. The test
    suite's flush — and nothing else — runs inside `evidence.purging()`, within the flush's own transaction;
    `manage.py flush` outside the tests stays refused on SQLite."""
    from django.db import connections

    from referrals import evidence

    operations = {type(connection.ops) for connection in connections.all() if connection.vendor == "sqlite"}
    originals = {cls: cls.execute_sql_flush for cls in operations}

    def through_purge(original):
        def execute_sql_flush(self, sql_list):
            with evidence.purging(self.connection.alias):
                original(self, sql_list)

        return execute_sql_flush

    for cls, original in originals.items():
        cls.execute_sql_flush = through_purge(original)
    yield
    for cls, original in originals.items():
        cls.execute_sql_flush = original


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.ru", "correct-horse-battery")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def fresh_region_profiles():
    """The region profiles are kept in the process (referrals.profiles); a rolled-back or flushed test's profile
    must not linger in the next test."""
    from referrals import profiles

    profiles.clear_cache()
    yield
    profiles.clear_cache()


@pytest.fixture(autouse=True)
def fresh_facet_names():
    """The facets' names are kept in the process (search.references); a rolled-back test's rows must not linger in
    the next test's facets."""
    from search import references

    references.forget()
    yield
    references.forget()


@pytest.fixture(autouse=True)
def fresh_kept_values():
    """What every public page shows is kept in the process (core/kept.py) per generation of the page cache, and
    the search engine keeps the words' counts for minutes; a rolled-back test's rows must not show in the next
    test."""
    from core import kept
    from search.engines import database

    kept.forget()
    database.forget()
    yield
    kept.forget()
    database.forget()


@pytest.fixture
def still_clock(monkeypatch):
    """For tests that compare the query counts of two requests: what the process keeps for a while (the minute's
    «open now» count, facet names, synonyms, the vocabulary, the search table's counts, the public pages' kept
    values) is not read again between them because a minute turned or a time-to-live ran out."""
    from core import kept
    from directory import selectors
    from search import query, references
    from search.engines import database

    moment = selectors.local_now()
    monkeypatch.setattr(selectors, "local_now", lambda: moment)
    # Every time-to-live and every time bucket (a bucket's boundary may fall between the two requests of a slow run)
    for module, name in (
        (references, "TTL"),
        (query, "SYNONYMS_TTL"),
        (query, "VOCABULARY_TTL"),
        (database, "KEPT_SECONDS"),
        (database, "WORD_COUNTS_SECONDS"),
        (kept, "SECONDS"),
        (selectors, "CRISIS_CONTACTS_SECONDS"),
    ):
        monkeypatch.setattr(module, name, 10.0**9)
    references.forget()
    query.vocabulary_reset()
    yield moment
    references.forget()
    query.vocabulary_reset()


@pytest.fixture(autouse=True)
def default_language():
    """A request under /en/ leaves English active in the thread (LocaleMiddleware does not reset it), and reverse()
    follows the active language: every test starts and ends in Russian, as an unprefixed request would."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("measured")
        for line in FIGURES:
            terminalreporter.write_line(line)
