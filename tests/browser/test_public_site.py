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
