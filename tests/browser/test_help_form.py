"""«Попросить о помощи» on a 390×844 phone in chromium: an empty post gives the error summary the focus (under the
site's CSP: the script is a static file), nothing scrolls sideways, axe-core finds nothing serious; the settlement
and the browser's position fill in the district before sending."""

import pytest

from directory.models import Settlement

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(live_server):
    return live_server.url


def test_empty_post_focuses_the_error_summary_on_a_phone(site, browser):
    strict = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="ru-RU")  # CSP enforced
    page = strict.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/help/")
    assert page.evaluate("document.querySelector('#id_district').value") == ""
    for selector in ("#id_name", "#id_phone", "#id_settlement", "#id_district", "#id_message"):
        box = page.locator(selector).bounding_box()
        size = page.locator(selector).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert box["height"] >= 44 and size >= 16, selector  # iOS does not zoom into 16 px fields
        assert box["width"] >= 300, selector  # full width on the phone
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_load_state("load")
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-error-summary')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # a link of the summary takes the focus to its field
    summary.get_by_role("link").filter(has_text="Выберите район").click()
    assert page.evaluate("document.activeElement.id") == "id_district"
    # the consent label is clickable
    page.locator("label[for=id_consent]").click()
    assert page.locator("#id_consent").is_checked()
    page.screenshot(path="/tmp/help-form-390-errors.png", full_page=True)
    assert errors == []
    strict.close()

    relaxed = browser.new_context(viewport=PHONE, has_touch=True, bypass_csp=True, locale="ru-RU")  # for axe-core
    page = relaxed.new_page()
    page.goto(site + "/help/")
    assert_accessible(page, "help form")
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_load_state("load")
    assert_accessible(page, "help form with errors")
    relaxed.close()


def test_settlement_and_position_fill_in_the_district(site, browser):
    settlement = Settlement.objects.select_related("municipality").order_by("pk").last()
    near = {"latitude": float(settlement.latitude) + 0.01, "longitude": float(settlement.longitude) - 0.01}
    context = browser.new_context(viewport=PHONE, locale="ru-RU", geolocation=near, permissions=["geolocation"])
    page = context.new_page()
    page.goto(site + "/help/")
    page.get_by_role("button", name="Определить по местоположению").click()
    page.wait_for_function("document.querySelector('#id_district').value !== ''")
    assert page.input_value("#id_district") == str(settlement.municipality_id)
    assert page.input_value("#id_settlement").startswith(settlement.name)
    assert settlement.municipality.name in page.locator("[data-geo-status]").inner_text()
    # typing another settlement moves the district; the family can still choose another one
    other = Settlement.objects.exclude(municipality=settlement.municipality).order_by("pk").first()
    page.fill("#id_settlement", "")
    page.locator("#id_settlement").press_sequentially(f"с. {other.name}")
    page.locator("#id_message").focus()
    assert page.input_value("#id_district") == str(other.municipality_id)
    page.select_option("#id_district", str(settlement.municipality_id))
    assert page.input_value("#id_district") == str(settlement.municipality_id)
    context.close()
