import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data (migrations) and the demo databank, loaded once."""
    from directory.demo.databank import load_demo_databank
    from website.demo import load_demo_pages

    with django_db_blocker.unblock():
        load_demo_databank()
        load_demo_pages()


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.ru", "correct-horse-battery")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def fresh_facet_names():
    """The facets' names are kept in the process (search.references); a rolled-back test's rows must not linger in
    the next test's facets."""
    from search import references

    references.forget()
    yield
    references.forget()


@pytest.fixture(autouse=True)
def default_language():
    """A request under /en/ leaves English active in the thread (LocaleMiddleware does not reset it), and reverse()
    follows the active language: every test starts and ends in Russian, as an unprefixed request would."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
