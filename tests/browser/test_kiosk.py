"""The kiosk in headless chromium on a 1080×1920 portrait touchscreen: the acceptance journeys of issue 5."""

import re
from urllib.parse import urlsplit

import pytest

from .conftest import assert_accessible, assert_touch_targets

pytestmark = pytest.mark.django_db(transaction=True)

WEIGHT_BUDGET = 150 * 1024


def open_start(page, base, kiosk):
    page.goto(f"{base}/kiosk/{kiosk.code}/")
    page.wait_for_selector("h1.k-title")


def check_screen(page, name):
    assert_accessible(page, name)
    assert_touch_targets(page, name)


def test_category_results_detail_qr_keyboard_and_boundary(kiosk_site, page):
    base, kiosk = kiosk_site
    open_start(page, base, kiosk)
    check_screen(page, "start")
    start_history = page.evaluate("history.length")

    page.tap("a.k-tile-help")
    page.wait_for_url(re.compile(r"/help/$"))
    check_screen(page, "categories")
    page.tap("a.k-tile[href*='category=A4']")
    page.wait_for_url(re.compile(r"/results/\?category=A4"))
    check_screen(page, "results")
    cards = page.locator(".k-card-link")
    assert cards.count() > 0
    assert "км от терминала" in page.locator(".k-cards").inner_text()
    cards.first.tap()
    page.wait_for_url(re.compile(r"/services/\d+/"))
    qr = page.locator(".k-qr svg")
    qr.wait_for(state="visible")
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200
    assert "Сегодня" in page.locator(".k-detail").inner_text()
    check_screen(page, "service detail")
    assert page.evaluate("history.length") == start_history  # kiosk navigation adds no history

    # Hotlines, life situations, the slip and the offline screen are checked too.
    for path, name in (("hotlines/", "hotlines"), ("situations/", "situations"), ("offline/", "offline")):
        page.goto(f"{base}/kiosk/{kiosk.code}/{path}")
        check_screen(page, name)
    page.goto(f"{base}/kiosk/{kiosk.code}/results/?q=психолог")
    check_screen(page, "search results")
    page.goto(f"{base}/kiosk/{kiosk.code}/results/?q=жщзхъфыв")
    check_screen(page, "no results")

    # English and high contrast: the switches are plain links.
    page.goto(f"{base}/kiosk/{kiosk.code}/")
    page.tap("a.k-switch[hreflang='en']")
    page.wait_for_selector("html[lang='en']")
    assert "Kinds of help" in page.inner_text("main")
    page.tap("a.k-contrast")
    page.wait_for_selector("html.high-contrast")
    check_screen(page, "start, English, high contrast")

    # On-screen keyboard: Cyrillic, the second layer with ә ө ү җ ң һ, suggestions as big buttons.
    page.goto(f"{base}/kiosk/{kiosk.code}/reset/")
    page.tap("#k-q")
    keyboard = page.locator(".k-keyboard")
    keyboard.wait_for(state="visible")
    page.tap(".k-key-mode[aria-label$='Буквы ә ө ү җ ң һ']")
    for letter in "әөүҗңһ":
        assert page.locator(".k-key", has_text=re.compile(f"^{letter}$")).count() == 1
    page.tap(".k-key-mode[aria-label$='Русские буквы']")
    for letter in "псих":
        page.locator(".k-key", has_text=re.compile(f"^{letter}$")).tap()
    assert page.input_value("#k-q") == "псих"
    suggestion = page.locator(".k-suggestion").first
    suggestion.wait_for(state="visible")
    assert_touch_targets(page, "keyboard and suggestions")
    check_screen(page, "keyboard open")
    href = suggestion.get_attribute("href")
    assert href.startswith(f"/kiosk/{kiosk.code}/")
    suggestion.tap()
    page.wait_for_url(lambda url: urlsplit(url).path != f"/kiosk/{kiosk.code}/")
    assert urlsplit(page.url).path.startswith(f"/kiosk/{kiosk.code}/")

    # No referral-module (workspace) URL answers from a kiosk: neither a navigation nor a request.
    status = page.evaluate("fetch('/cabinet/login/').then(r => r.status)")
    assert status == 404
    response = page.goto(f"{base}/cabinet/login/")
    assert response.status == 404
    assert "терминала" in page.inner_text("body")


def test_idle_reset_returns_to_a_clean_start_screen(kiosk_site, page, context):
    base, kiosk = kiosk_site
    type(kiosk).objects.filter(pk=kiosk.pk).update(idle_timeout_seconds=4)  # 2 s idle, then a 2 s countdown
    open_start(page, base, kiosk)
    start_history = page.evaluate("history.length")
    page.tap("a.k-contrast")  # a preference cookie set by the kiosk
    page.wait_for_selector("html.high-contrast")
    page.tap("#k-q")
    for letter in "юрист":
        page.locator(".k-key", has_text=re.compile(f"^{letter}$")).tap()
    page.evaluate("sessionStorage.setItem('probe', '1')")

    overlay = page.locator(".k-idle")
    overlay.wait_for(state="visible", timeout=8000)
    assert int(page.inner_text(".k-idle-count")) >= 1
    page.tap(".k-idle-stay")  # a touch cancels the countdown
    assert overlay.is_hidden()
    assert page.input_value("#k-q") == "юрист"

    page.wait_for_url(f"{base}/kiosk/{kiosk.code}/", timeout=15000)
    page.wait_for_selector("html:not(.high-contrast)")
    assert page.input_value("#k-q") == ""
    assert page.evaluate("sessionStorage.length") == 0
    assert page.evaluate("history.length") == start_history
    names = {cookie["name"] for cookie in context.cookies()}
    assert names <= {"kiosk_device"}, names  # only the marker that the start screen sets again


def wait_for_service_worker(page, base, kiosk) -> None:
    """Bounded: `serviceWorker.ready` never settles when an install fails, and page.evaluate has no timeout (a
    full CI run once hung here). A failed install is retried by opening the start screen again, as a kiosk does."""
    ready = (
        "Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise(r => setTimeout(r, 30000, false))])"
    )
    for _attempt in range(3):
        if page.evaluate(ready):
            return
        open_start(page, base, kiosk)
    raise AssertionError("the kiosk's service worker did not install in three attempts")


def test_offline_start_screen_and_cached_services_and_page_weight(kiosk_site, browser, context, page):
    from website.kiosk import selectors

    base, kiosk = kiosk_site
    open_start(page, base, kiosk)
    wait_for_service_worker(page, base, kiosk)
    page.wait_for_function(
        "caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k)"
        ".then(c => c.match('/__kiosk_refreshed__'))))).then(found => found.some(Boolean))",
        timeout=60000,
    )
    cached_service = next(u for u in selectors.offline_urls(kiosk) if "/services/" in u)

    context.set_offline(True)
    page.goto(f"{base}/kiosk/{kiosk.code}/")
    assert page.locator(".k-tile-help").is_visible()
    assert page.locator(".k-offline").is_visible()
    assert "нет связи" in page.inner_text(".k-offline")
    page.tap("a.k-tile-help")
    page.wait_for_url(re.compile(r"/help/$"))
    page.tap("a.k-tile[href*='category=A4']")  # a category screen (tap marker ignored by the cache)
    page.wait_for_selector(".k-card-link")
    page.goto(f"{base}{cached_service}")
    page.locator(".k-qr svg").wait_for(state="visible")
    page.goto(f"{base}/kiosk/{kiosk.code}/hotlines/")
    assert "112" in page.inner_text("main")
    page.goto(f"{base}/kiosk/{kiosk.code}/results/?q=никогда-не-искали")
    assert "Нет связи" in page.inner_text("h1")
    context.set_offline(False)

    # Page weight of the start screen, as a fresh kiosk loads it (no service worker in between).
    fresh = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True, service_workers="block")
    try:
        weight_page = fresh.new_page()
        finished = []
        weight_page.on("requestfinished", lambda request: finished.append(request))
        weight_page.goto(f"{base}/kiosk/{kiosk.code}/", wait_until="networkidle")
        total = 0
        for request in finished:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            assert urlsplit(request.url).hostname == "127.0.0.1", request.url
        assert finished and total < WEIGHT_BUDGET, f"{total} bytes in {len(finished)} requests"
    finally:
        fresh.close()


LANDSCAPE = {"width": 1920, "height": 1080}


def test_landscape_keyboard_keeps_the_field_in_view_and_finds(kiosk_site, browser):
    """Issue 20: on a 1920×1080 kiosk the field stays on the screen above the open keyboard while typing, with
    suggestions shown, and the keyboard's «Найти» key searches."""
    base, kiosk = kiosk_site
    context = browser.new_context(viewport=LANDSCAPE, has_touch=True, bypass_csp=True, locale="ru-RU")
    try:
        page = context.new_page()
        for path in ("", "results/?q=юрист"):
            page.goto(f"{base}/kiosk/{kiosk.code}/{path}")
            page.wait_for_selector("h1.k-title")
            page.tap("#k-q")
            page.evaluate("document.getElementById('k-q').value = ''")
            keyboard = page.locator(".k-keyboard")
            keyboard.wait_for(state="visible")
            for letter in "псих":
                page.locator(".k-key", has_text=re.compile(f"^{letter}$")).tap()
            page.locator(".k-suggestion").first.wait_for(state="visible")
            field, keys = page.locator("#k-q").bounding_box(), keyboard.bounding_box()
            assert field["y"] >= 0 and field["y"] + field["height"] <= keys["y"], (path, field, keys)
            assert keys["y"] + keys["height"] <= LANDSCAPE["height"] + 1
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        check_screen(page, "keyboard open, landscape")
        find = page.locator(".k-key-submit")
        assert find.inner_text().strip() == "Найти"
        find.tap()
        page.wait_for_url(re.compile(r"/results/\?q=%D0%BF%D1%81%D0%B8%D1%85$"))
        assert "псих" in page.inner_text("h1")
    finally:
        context.close()


def test_hotline_bar_numbers_once_and_results_nearest_first(kiosk_site, page):
    base, kiosk = kiosk_site
    open_start(page, base, kiosk)
    numbers = [re.sub(r"\D", "", n) for n in page.locator(".k-hotline-number").all_inner_texts()]
    assert numbers and len(numbers) == len(set(numbers)), numbers
    assert numbers.count("112") == 1
    for query in ("q=психолог", "near=1"):
        page.goto(f"{base}/kiosk/{kiosk.code}/results/?{query}")
        text = page.locator(".k-cards").inner_text()
        distances = [float(km.replace(",", ".")) for km in re.findall(r"([\d,]+) км от терминала", text)]
        assert len(distances) >= 3 and distances == sorted(distances), (query, distances)
    assert "пожарной" not in page.locator(".k-cards").inner_text()  # «Службы рядом»: families' help
    assert page.locator(".k-tile-icon").count() == 0  # (results screen)
    open_start(page, base, kiosk)
    assert page.locator(".k-tile-icon svg.k-icon").count() == 4
