"""`manage.py generate_databank`: a deterministic synthetic databank for load tests, searchable at once."""

import pytest
from django.core.management import CommandError, call_command

from demo.management.commands.generate_databank import synthetic_organizations
from directory.models import Service
from search import services as search

pytestmark = pytest.mark.django_db


def synthetic_services():
    return Service.objects.filter(organization__in=synthetic_organizations())


def test_generates_the_requested_number_of_published_searchable_services():
    call_command("generate_databank", services=60, seed=7, verbosity=0)
    services = synthetic_services()
    assert services.count() == 60
    assert set(services.values_list("status", flat=True)) == {"published"}
    assert not services.filter(search_text="").exists()
    assert all(s.service_at_locations.exists() for s in services[:10])
    name = services.first().name
    assert search.search(query=name, per_page=100).total >= 1


def test_same_seed_gives_the_same_data_and_clear_removes_it():
    call_command("generate_databank", services=30, seed=7, verbosity=0)
    first = sorted(synthetic_services().values_list("name", "organization__name"))
    call_command("generate_databank", services=30, seed=7, clear=True, verbosity=0)
    assert sorted(synthetic_services().values_list("name", "organization__name")) == first
    call_command("generate_databank", services=0, clear=True, verbosity=0)
    assert not synthetic_organizations().exists()


def test_bad_arguments_get_a_russian_message():
    with pytest.raises(CommandError, match="не может быть отрицательным"):
        call_command("generate_databank", services=-1)
