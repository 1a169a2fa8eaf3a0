"""The public site in a real browser: axe-core on the main pages in the normal and the visually-impaired version,
the no-JS switch of that version, and «Быстрый выход» leaving no history entry."""

import pytest

from directory.models import Service

from .conftest import assert_accessible

DESKTOP = {"width": 1280, "height": 900}


def public_paths() -> dict[str, str]:
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    return {
        "home": "/",
        "life situation": "/nasilie-v-seme/",
        "measure": "/edinoe-posobie/",
        "directory results": "/services/?q=психолог",
        "service": service.get_absolute_url(),
    }


@pytest.fixture
def site(live_server, transactional_db, settings):
    settings.QUICK_EXIT_URL = f"{live_server.url}/services/?neutral=1"  # no request leaves the machine
    return live_server.url


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("h1").count() == 1, url


def test_public_pages_have_no_serious_axe_violations(site, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(DESKTOP)
    paths = public_paths()
    for name, path in paths.items():
        visit(page, site + path)
        assert_accessible(page, name)

    # The visually-impaired version through its header link (a plain link: works without JavaScript).
    page.goto(site + "/")
    page.get_by_role("link", name="Версия для слабовидящих").click()
    page.wait_for_url(site + "/")
    assert "a11y-contrast" in page.locator("body").get_attribute("class")
    page.get_by_role("link", name="Без изображений: выкл.").click()
    assert "a11y-noimages" in page.locator("body").get_attribute("class")
    for name, path in paths.items():
        visit(page, site + path)
        body_class = page.locator("body").get_attribute("class")
        assert "a11y-large" in body_class and "a11y-contrast" in body_class, name
        assert_accessible(page, f"{name} (версия для слабовидящих)")
    assert errors == []


def test_quick_exit_replaces_the_page_without_a_history_entry(site, page):
    page.set_viewport_size(DESKTOP)
    page.goto(site + "/")
    page.goto(site + "/nasilie-v-seme/")
    page.keyboard.press("Tab")  # the skip link, then the button: both reachable at once
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Быстрый выход"
    page.keyboard.press("Escape")
    page.wait_for_url("**/services/?neutral=1")
    page.go_back()
    assert page.url == site + "/"  # the page about violence is not in the history


def test_quick_exit_button_click(site, page):
    page.goto(site + "/nasilie-v-seme/")
    before = page.evaluate("history.length")
    page.get_by_role("link", name="Быстрый выход").click()
    page.wait_for_url("**/services/?neutral=1")
    assert page.evaluate("history.length") == before  # replaced, not added


def test_translated_public_pages_have_no_serious_axe_violations(site, page):
    """English, Tuvan and Tatar interfaces: the right `lang` on <html> and on the switcher's links, and axe clean."""
    page.set_viewport_size(DESKTOP)
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    paths = {
        "/en/": "en",
        "/en/services/?q=психолог": "en",
        f"/en/services/{service.pk}/": "en",
        "/tyv/services/?q=психолог": "tyv",
        "/tt/help/": "tt",
    }
    for path, lang in paths.items():
        visit(page, site + path)
        assert page.locator("html").get_attribute("lang") == lang, path
        assert page.locator(".language-switcher a[lang='ru']").count() == 1, path
        assert_accessible(page, path)


PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, bypass_csp=True, locale="ru-RU")
    return context, context.new_page()


def test_phone_first_screens(site, browser):
    """Issue 20 on a 390×844 phone: the first result on the first screen, a call button on the service page and
    no QR code there, and no page that scrolls sideways."""
    from directory.models import Organization

    context, page = phone_page(browser)
    try:
        visit(page, site + "/services/?q=психолог")
        first = page.locator("ol.results li").first.bounding_box()
        assert first["y"] < PHONE["height"], first
        assert page.locator("details[data-filters-panel]").get_attribute("open") is None
        assert page.locator("#q").bounding_box()["y"] < first["y"]
        assert page.locator("#results-title").bounding_box()["y"] < first["y"]
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "results"
        assert_accessible(page, "results on a phone")

        service = Service.objects.filter(status=Service.Status.PUBLISHED, phones__isnull=False).order_by("pk").first()
        visit(page, site + service.get_absolute_url())
        call = page.locator("a.call-button")
        assert call.get_attribute("href").startswith("tel:")
        box = call.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], box
        assert page.locator(".take-away .qr-figure").is_hidden()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "service"
        assert_accessible(page, "service on a phone")

        organization = Organization.objects.filter(services__status="published").order_by("pk").first()
        others = {
            "home": "/",
            "organisation": organization.get_absolute_url(),
            "measure": "/edinoe-posobie/",
            "life situation": "/nasilie-v-seme/",
            "help form": "/help/",
            "printable service": f"/services/{service.pk}/print/",
        }
        for name, path in others.items():
            visit(page, site + path)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), name
    finally:
        context.close()


def test_a_filter_applies_at_once_with_javascript(site, browser):
    context, page = phone_page(browser)
    try:
        visit(page, site + "/services/?q=психолог")
        assert page.locator("[data-apply]").is_hidden()  # «Применить» is for no-JS only
        page.locator("summary.filters-summary").tap()
        free = page.locator("input[name=free]")
        free.check()
        page.wait_for_url("**free=on**")
        assert "выбрано: 1" in page.inner_text("summary.filters-summary")
        assert page.evaluate("document.activeElement.name") == "free"  # focus back on the changed filter
        assert page.locator("details[data-filters-panel]").get_attribute("open") is not None

        # «по расстоянию» without a place: the page asks for one and the link leads to the place field
        visit(page, site + "/services/?q=психолог&sort=distance")
        notice = page.locator(".needs-place a")
        notice.tap()
        assert page.evaluate("document.activeElement.id") == "id_near"
    finally:
        context.close()


def test_wide_screen_opens_the_filters(site, page):
    page.set_viewport_size({"width": 1366, "height": 768})
    visit(page, site + "/services/?q=психолог")
    assert page.locator("details[data-filters-panel]").get_attribute("open") is not None
    assert page.locator("input[name=free]").is_visible()
    assert page.locator(".take-away .qr-figure").count() == 0  # the results page has none; the service page:
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    visit(page, site + service.get_absolute_url())
    assert page.locator(".take-away .qr-figure").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_crisis_block_comes_first_on_a_phone_and_in_autocomplete(site, browser):
    """A query that signals danger: the numbers to call on the first screen of a phone, before anything else, and
    first in the autocomplete list; the page and the relaxed and empty results pages stay axe-clean."""
    context, page = phone_page(browser)
    try:
        visit(page, site + "/services/?q=хочу умереть")
        block = page.locator("[data-crisis]")
        box = block.bounding_box()
        assert box["y"] < PHONE["height"], box
        call = block.locator('a[href="tel:112"]').bounding_box()
        assert call["y"] + call["height"] <= PHONE["height"], call
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "crisis"
        assert_accessible(page, "crisis block on a phone")

        visit(page, site + "/services/?q=логопед абырвалгщ")
        assert page.locator("[data-relaxed]").is_visible()
        assert page.locator("ol.results li").first.bounding_box()["y"] < PHONE["height"] * 1.25
        assert_accessible(page, "relaxed results on a phone")

        visit(page, site + "/services/?q=абырвалгщ шмыгрыкс")
        assert page.locator(".empty a[href$='/help/']").count() == 1
        assert_accessible(page, "nothing found on a phone")

        visit(page, site + "/services/")
        page.locator("#q").fill("хочу покончить с собой")
        first = page.locator(".ac-list li").first
        first.wait_for()
        assert first.get_attribute("data-crisis") is not None
        assert page.locator('.ac-list a[href="tel:112"]').count() == 1
    finally:
        context.close()
