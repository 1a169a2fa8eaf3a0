"""The results page builds its cards from plain values (search.cards): a fixed, small number of SQL queries
whatever the page size, and the same facts on each card as the models hold."""

import re

import pytest

from directory import selectors
from directory.models import ServiceAtLocation
from directory.templatetags.directory_tags import phone_display

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("still_clock")]

# The search (one statement for the counts and the page; on PostgreSQL one more that tells the planner to use the
# indexes and, inside a test's transaction, one that gives the setting back), the cards (2) and the campaign pages
# found (2). What every public page shows — the hotline panel, the demo notice, the site and its operator — is kept
# in the process (core/kept.py). The bound is 8.
MAX_QUERIES = 7
SEARCHES = [
    {"q": "психолог", "category": "A4", "free": "on", "near": "kyzyl"},
    {"q": "консультация", "municipality": "kyzyl", "sort": "name"},
    {"open_now": "on"},
]


def cards_of(html: str) -> list[str]:
    return re.findall(r'<li class="card">.*?</li>\s*(?=<li class="card">|</ol>)', html, re.S)


@pytest.mark.parametrize("params", SEARCHES)
@pytest.mark.parametrize("size", [20, 50])
def test_results_page_runs_few_queries_whatever_the_page_size(
    client, settings, django_assert_max_num_queries, params, size
):
    settings.DIRECTORY_PAGE_SIZE = size
    client.get("/services/", params)  # the process caches (references, synonyms, vocabulary) are warm
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/services/", params)
    assert response.status_code == 200
    assert cards_of(response.content.decode())


def test_opensearch_results_page_runs_few_queries(client, settings, opensearch_engine, django_assert_max_num_queries):
    settings.DIRECTORY_PAGE_SIZE = 50
    client.get("/services/", SEARCHES[0])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/services/", SEARCHES[0])
    assert response.context["results"].engine == "opensearch"
    assert cards_of(response.content.decode())


@pytest.mark.parametrize("confidential", [False, True])
def test_a_card_shows_the_facts_of_its_service_and_place(client, confidential):
    sal = (
        selectors.hydrate(selectors.public_service_at_locations().filter(location__is_confidential=confidential))
        .order_by("pk")
        .first()
    )
    service, location = sal.service, sal.location
    html = client.get("/services/", {"q": service.name, "sort": "name"}).content.decode()
    card = next(c for c in cards_of(html) if f'href="{service.get_absolute_url()}"' in c)
    organization = service.organization
    assert f">{service.name}</a>" in card
    assert (
        f'href="{organization.get_absolute_url()}">{organization.display_name}</a> · {organization.provider_type}'
        in card
    )
    assert str(service.get_cost_display()) in card
    if not location.settlement or location.settlement.name not in location.municipality.name:
        assert str(location.municipality) in card
    status = selectors.opening_status(location)
    assert ("Открыто сейчас" if status.is_open else "Сейчас закрыто") in card
    assert f"Сегодня: {status.today_text}" in card
    if confidential:
        assert "адрес не публикуется" in card and phone_display(location.front_door_phone) in card
        assert location.street not in card or not location.street
    else:
        assert location.address_line in card
        for phone in location.phones.all():
            assert phone_display(phone.number) in card
    assert ("доступный вход" in card) == location.wheelchair_accessible


def test_a_hit_still_gives_its_model_row(client):
    from search.services import search

    hit = search(query="логопед").hits[0]
    assert isinstance(hit.service_at_location, ServiceAtLocation)
    assert hit.service_at_location.pk == hit.pk == hit.card.id
    assert hit.service_at_location.service.name == hit.card.service_name
