"""The search service as callers use it: fallback, radius, snippets, autocomplete, empty results."""

import socket

import pytest
from geopy.distance import geodesic

from directory.models import Settlement
from search import services as search
from search.engines.base import GeoPoint

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_engine_down_falls_back_to_the_database_and_the_page_answers(client, settings, caplog):
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.SEARCH_ENGINE = "opensearch"
    settings.SEARCH_TIMEOUT_SECONDS = 1
    results = search.search(query="психолог")
    assert results.fallback and results.engine == "database" and results.total > 0
    assert "answering from the database" in caplog.text
    response = client.get("/services/", {"q": "психолог"})
    assert response.status_code == 200
    assert response.context["results"].total == results.total


def test_radius_keeps_only_places_within_the_real_distance():
    kyzyl = Settlement.objects.get(code="kyzyl")
    point = GeoPoint(float(kyzyl.latitude), float(kyzyl.longitude), radius_km=3)
    results = search.search(near=point, sort="distance", per_page=5000)
    assert 0 < results.total < search.search(per_page=1).total
    for hit in results.hits:
        location = hit.service_at_location.location
        assert not location.is_confidential
        assert geodesic((point.latitude, point.longitude), (location.latitude, location.longitude)).km <= 3
    wider = search.search(near=GeoPoint(point.latitude, point.longitude, radius_km=50), per_page=1)
    assert wider.total > results.total


def test_text_hits_carry_escaped_highlighted_snippets():
    results = search.search(query="консультация психолога")
    marked = [hit.snippet for hit in results.hits if hit.snippet]
    assert marked and all("<mark>" in s for s in marked)
    assert all("<script" not in s for s in marked)


def test_results_page_shows_snippets_and_radius_choice(client):
    html = client.get("/services/", {"q": "психолог", "near": "kyzyl", "radius": "10"}).content.decode()
    assert "<mark>" in html
    assert 'name="radius"' in html


def test_zero_results_offer_relaxed_filters_nearby_districts_and_hotline(client):
    # National wrestling is not taught online: nothing can match.
    response = client.get("/services/", {"q": "хуреш", "municipality": "mongun-taiginsky", "delivery": "online"})
    html = response.content.decode()
    assert response.context["results"].total == 0
    assert "Уберите одно из условий" in html
    assert "без условия" in html
    assert "соседних районах" in html
    assert "tel:+78002000122" in html


def test_autocomplete_answers_services_organizations_and_categories_in_one_request(client):
    response = client.get("/search/autocomplete/", {"q": "психол"})
    assert response.status_code == 200
    data = response.json()
    assert data["services"] and all("психол" in item["label"].lower() for item in data["services"])
    assert any("Психологическ" in item["label"] for item in data["categories"])
    assert client.get("/search/autocomplete/", {"q": "центр"}).json()["organizations"]
    assert client.get("/search/autocomplete/", {"q": "я"}).json()["services"] == []


def test_results_page_groups_campaign_pages_with_services(client):
    html = client.get("/services/", {"q": "жильё"}).content.decode()
    assert "Меры поддержки и полезные материалы" in html
    assert "/zhile/" in html
