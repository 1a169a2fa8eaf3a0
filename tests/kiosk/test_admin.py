"""Editors register kiosks and see which are online and the daily usage figures."""

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.kiosk import load_demo_kiosk
from website.kiosk import services
from website.kiosk.models import Kiosk

pytestmark = pytest.mark.django_db


def test_kiosk_listing_shows_online_status_and_version(admin_client, kiosk):
    services.record_heartbeat(kiosk, version="kiosk-1.0.0")
    response = admin_client.get(reverse("wagtailsnippets_website_kiosk:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert kiosk.name in html and "kiosk-1.0.0" in html and "на связи" in html


def test_usage_listing(admin_client, kiosk):
    services.count(kiosk, "category_taps", "qr_shown")
    response = admin_client.get(reverse("wagtailsnippets_website_kioskdailyusage:list"))
    assert response.status_code == 200
    assert "нажатия на категории" in response.content.decode().lower()


def test_register_a_kiosk_with_a_clear_error_on_bad_input(admin_client, kiosk):
    url = reverse("wagtailsnippets_website_kiosk:add")
    data = {
        "code": "Школа 1!",
        "name": "Терминал в школе",
        "place": "Кызыл, школа № 1",
        "latitude": "51.7",
        "longitude": "94.4",
        "municipality": kiosk.municipality_id,
        "default_language": "ru",
        "idle_timeout_seconds": "5",
        "is_enabled": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Только строчные латинские буквы" in html or "латинских букв" in html
    assert "15" in html
    data.update(code="kyzyl-school-1", idle_timeout_seconds="90")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    created = Kiosk.objects.get(code="kyzyl-school-1")
    assert created.idle_timeout_seconds == 90 and created.last_seen_at is None


def test_demo_kiosk_is_idempotent(db):
    load_demo_kiosk()
    load_demo_kiosk()
    assert Kiosk.objects.filter(code="kyzyl-hospital").count() == 1
    assert timezone.now()
