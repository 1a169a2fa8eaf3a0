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
