"""Kiosk screens through the Django test client: data, counters, links that stay inside the kiosk."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Service
from website.kiosk import selectors, services
from website.kiosk.models import Kiosk, KioskDailyUsage

pytestmark = pytest.mark.django_db

HREF_RE = re.compile(r'(?:href|action|src)="([^"]+)"')


def usage(kiosk):
    return KioskDailyUsage.objects.get(kiosk=kiosk, date=timezone.localdate())


def screens(kiosk):
    service = Service.objects.filter(status="published", service_at_locations__isnull=False).first()
    code = kiosk.code
    return [
        reverse("kiosk:start", args=[code]),
        reverse("kiosk:categories", args=[code]),
        reverse("kiosk:situations", args=[code]),
        reverse("kiosk:hotlines", args=[code]),
        reverse("kiosk:results", args=[code]) + "?near=1",
        reverse("kiosk:results", args=[code]) + "?q=психолог",
        reverse("kiosk:results", args=[code]) + "?category=A4",
        reverse("kiosk:service", args=[code, service.pk]),
        reverse("kiosk:slip", args=[code, service.pk]),
        reverse("kiosk:offline", args=[code]),
    ]


def test_every_screen_renders_and_never_links_outside_the_kiosk(client, kiosk):
    for url in screens(kiosk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"].startswith("default-src 'self'")
        assert response["Referrer-Policy"] == "same-origin"
        assert response.cookies["kiosk_device"].value == kiosk.code
        for target in HREF_RE.findall(response.content.decode()):
            assert target.startswith((f"/kiosk/{kiosk.code}/", "/static/", "?", "data:")), (url, target)


def test_start_screen_tiles_hotlines_and_heartbeat(client, kiosk):
    response = client.get(reverse("kiosk:start", args=[kiosk.code]))
    html = response.content.decode()
    for label in ("Что случилось", "Виды помощи", "Телефоны помощи", "Службы рядом", "112"):
        assert label in html
    assert 'data-idle-seconds="60"' in html and 'data-countdown-seconds="10"' in html
    kiosk.refresh_from_db()
    assert selectors.is_online(kiosk)


def test_category_tap_results_nearest_to_the_kiosk_first_and_counted(client, kiosk):
    url = reverse("kiosk:results", args=[kiosk.code])
    response = client.get(url, {"category": "A4", "tap": "1"})
    assert response.status_code == 200
    hits = response.context["results"].hits
    assert hits, "the demo databank has psychological help"
    distances = [hit.distance_km for hit in hits]
    assert distances == sorted(distances)
    assert usage(kiosk).category_taps == 1
    client.get(url, {"category": "A4", "page": "2"})  # paging is not a tap
    assert usage(kiosk).category_taps == 1


def test_unknown_category_or_situation_is_a_404(client, kiosk):
    url = reverse("kiosk:results", args=[kiosk.code])
    assert client.get(url, {"category": "nope"}).status_code == 404
    assert client.get(url, {"situation": "x1"}).status_code == 404


def test_zero_result_search_is_counted_without_the_text(client, kiosk):
    response = client.get(reverse("kiosk:results", args=[kiosk.code]), {"q": "жщзхъфыв"})
    assert "Ничего не найдено" in response.content.decode()
    row = usage(kiosk)
    assert (row.searches, row.zero_result_searches) == (1, 1)
    assert "жщзхъфыв" not in str(KioskDailyUsage.objects.values())


def test_service_detail_has_today_distance_district_and_qr(client, kiosk):
    service = Service.objects.filter(status="published", service_at_locations__location__municipality__code="kyzyl")[0]
    response = client.get(reverse("kiosk:service", args=[kiosk.code, service.pk]))
    html = response.content.decode()
    assert service.name in html
    assert "Сегодня" in html
    assert "км от терминала" in html and "ваш район" in html
    assert '<svg role="img"' in html and "QR-код" in html
    assert f"/services/{service.pk}/" in html  # the QR code takes the public page, not the kiosk page
    assert "Напечатать листок" in html
    assert usage(kiosk).qr_shown == 1


def test_slip_only_with_a_printer_and_counted(client, kiosk):
    service = Service.objects.filter(status="published").first()
    url = reverse("kiosk:slip", args=[kiosk.code, service.pk])
    response = client.get(url)
    assert response.status_code == 200 and "data-autoprint" in response.content.decode()
    assert usage(kiosk).slips_printed == 1
    Kiosk.objects.filter(pk=kiosk.pk).update(has_printer=False)
    assert client.get(url).status_code == 404
    detail = client.get(reverse("kiosk:service", args=[kiosk.code, service.pk]))
    assert "Напечатать листок" not in detail.content.decode()


def test_disabled_or_unknown_kiosk_is_a_404(client, kiosk):
    assert client.get("/kiosk/no-such-kiosk/").status_code == 404
    Kiosk.objects.filter(pk=kiosk.pk).update(is_enabled=False)
    assert client.get(reverse("kiosk:start", args=[kiosk.code])).status_code == 404


def test_suggestions_are_large_buttons_that_stay_in_the_kiosk(client, kiosk):
    response = client.get(reverse("kiosk:suggest", args=[kiosk.code]), {"q": "псих"})
    items = response.json()["items"]
    assert items and len(items) <= 6
    assert all(item["url"].startswith(f"/kiosk/{kiosk.code}/") for item in items)


def test_preferences_set_cookies_and_reset_clears_them(client, kiosk):
    url = reverse("kiosk:preferences", args=[kiosk.code])
    response = client.get(url, {"lang": "en", "next": f"/kiosk/{kiosk.code}/help/"})
    assert response.status_code == 302 and response["Location"] == f"/kiosk/{kiosk.code}/help/"
    assert response.cookies["kiosk_lang"].value == "en"
    assert response.cookies["kiosk_lang"]["path"] == f"/kiosk/{kiosk.code}/"
    assert not response.cookies["kiosk_lang"]["max-age"]  # a session cookie
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    assert '<html lang="en"' in html and "Kinds of help" in html
    client.get(url, {"scale": "150"})
    client.get(url, {"contrast": "1"})
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    assert "scale-150 high-contrast" in html
    response = client.get(reverse("kiosk:reset", args=[kiosk.code]))
    assert response.status_code == 302
    for name in ("kiosk_lang", "kiosk_scale", "kiosk_contrast", "kiosk_device"):
        assert response.cookies[name]["max-age"] == 0
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    assert '<html lang="ru" class="kiosk scale-100">' in html


def test_preferences_refuse_bad_values_and_foreign_next(client, kiosk):
    url = reverse("kiosk:preferences", args=[kiosk.code])
    response = client.get(url, {"lang": "xx"})
    assert response.status_code == 400 and "Неизвестная настройка" in response.content.decode()
    for target in ("https://evil.example/", "/cabinet/", "//evil.example/kiosk/"):
        response = client.get(url, {"lang": "ru", "next": target})
        assert response["Location"] == f"/kiosk/{kiosk.code}/"


def test_default_language_of_the_kiosk(client, kiosk):
    Kiosk.objects.filter(pk=kiosk.pk).update(default_language="en")
    html = client.get(reverse("kiosk:start", args=[kiosk.code])).content.decode()
    assert '<html lang="en"' in html and "Help lines" in html


def test_heartbeat_records_version_and_rejects_bad_payload(client, kiosk):
    url = reverse("kiosk:heartbeat", args=[kiosk.code])
    response = client.post(url, data='{"version": "kiosk-1.0.0"}', content_type="application/json")
    assert response.status_code == 200
    kiosk.refresh_from_db()
    assert kiosk.software_version == "kiosk-1.0.0" and selectors.is_online(kiosk)
    response = client.post(url, data="not json", content_type="application/json")
    assert response.status_code == 400 and "Неверный формат" in response.json()["error"]
    assert client.get(url).status_code == 405
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=timezone.now() - timedelta(minutes=10))
    kiosk.refresh_from_db()
    assert not selectors.is_online(kiosk)


def test_offline_manifest_and_service_worker(client, kiosk):
    urls = client.get(reverse("kiosk:offline_manifest", args=[kiosk.code])).json()["urls"]
    assert f"/kiosk/{kiosk.code}/" in urls and f"/kiosk/{kiosk.code}/hotlines/" in urls
    detail = [u for u in urls if "/services/" in u]
    assert detail, "services of the kiosk's district are kept for offline use"
    pks = [int(u.rstrip("/").rsplit("/", 1)[-1]) for u in detail]
    assert all(
        Service.objects.filter(pk=pk, service_at_locations__location__municipality=kiosk.municipality).exists()
        for pk in pks
    )
    response = client.get(reverse("kiosk:service_worker", args=[kiosk.code]))
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == f"/kiosk/{kiosk.code}/"


def test_counters_one_row_per_day(kiosk):
    services.count(kiosk, "qr_shown")
    services.count(kiosk, "qr_shown", "slips_printed")
    row = usage(kiosk)
    assert (row.qr_shown, row.slips_printed) == (2, 1)
    assert KioskDailyUsage.objects.filter(kiosk=kiosk).count() == 1
    with pytest.raises(ValueError):
        services.count(kiosk, "names_typed")
