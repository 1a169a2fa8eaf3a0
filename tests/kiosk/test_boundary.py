"""No referral-workspace (or admin) URL answers a request that comes from a kiosk."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORBIDDEN = ["/cabinet/", "/cabinet/login/", "/admin/"]


def test_workspace_answers_normally_without_the_kiosk_marker(client):
    assert client.get("/cabinet/login/").status_code == 200


def test_kiosk_device_cookie_closes_the_workspace(client, kiosk):
    client.get(reverse("kiosk:start", args=[kiosk.code]))  # sets the device cookie, as a kiosk page does
    for url in FORBIDDEN:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "недоступна с информационного терминала" in response.content.decode()


def test_kiosk_referer_closes_the_workspace(client, kiosk):
    referer = f"http://testserver/kiosk/{kiosk.code}/help/"
    for url in FORBIDDEN:
        assert client.get(url, HTTP_REFERER=referer).status_code == 404, url
    assert client.post("/cabinet/login/", {}, HTTP_REFERER=referer).status_code == 404


def test_public_site_still_answers_from_a_kiosk_device(client, kiosk):
    client.get(reverse("kiosk:start", args=[kiosk.code]))
    assert client.get("/services/").status_code == 200
