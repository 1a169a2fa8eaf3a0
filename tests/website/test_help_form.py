"""«Попросить о помощи» never routes a family to a district it did not choose: no district is preselected, a typed
settlement gives its district (or the form asks), every refusal comes with an error summary linked to the fields,
and nothing typed is lost. Posts are what a browser sends: form-encoded fields, the ticked consent as «on»."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from directory.models import Municipality, Organization, Settlement
from referrals.intake import settlement_key
from referrals.models import HelpRequest

pytestmark = pytest.mark.django_db

URL = "/help/"
NAME = "Анна Ооржак"
PHONE = "+7 913 444-55-66"
MESSAGE = "Нечем платить за садик, <дети> болеют"


@pytest.fixture(autouse=True)
def clear_rate_limit():
    cache.clear()


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def district_with_centre() -> Municipality:
    """A district with its own social service centre (not the region's fallback)."""
    return (
        Municipality.objects.filter(locations__organization__provider_type__code="social_service")
        .order_by("name")
        .last()
    )


def unique_settlement() -> Settlement:
    """A settlement whose name no other district has, away from the first district of the list."""
    names = [settlement_key(s.name) for s in Settlement.objects.all()]
    first = Municipality.objects.order_by("name").first()
    return next(
        s
        for s in Settlement.objects.select_related("municipality").exclude(municipality=first).order_by("name")
        if names.count(settlement_key(s.name)) == 1 and s.municipality.settlements.count() > 1
    )


def repeated_name() -> tuple[str, list[Municipality]]:
    """A settlement name found in two districts (the demo region has one: Хайыракан)."""
    by_key: dict[str, list[Settlement]] = {}
    for s in Settlement.objects.select_related("municipality"):
        by_key.setdefault(settlement_key(s.name), []).append(s)
    same = next(found for found in by_key.values() if len({s.municipality_id for s in found}) > 1)
    return same[0].name, [s.municipality for s in same]


def posted(**fields) -> dict:
    data = {
        "name": NAME,
        "phone": PHONE,
        "settlement": "",
        "district": "",
        "message": MESSAGE,
        "consent": "on",
        "website": "",
    }
    data.update(fields)
    return data


def selected_district(page: BeautifulSoup) -> str:
    chosen = page.select('select[name="district"] option[selected]')
    assert len(chosen) <= 1
    return chosen[0]["value"] if chosen else ""


def summary_errors(page: BeautifulSoup) -> dict[str, str]:
    box = page.select_one("[data-error-summary]")
    assert box is not None, "no error summary"
    assert box["role"] == "alert" and box["tabindex"] == "-1"
    assert box.find("h2").get_text(strip=True) == "Есть ошибки в форме"
    return {a["href"]: a.get_text(strip=True) for a in box.select("li a")}


def test_get_preselects_no_district(client):
    page = soup(client.get(URL))
    select = page.select_one('select[name="district"]')
    assert select is not None and page.find("label", attrs={"for": "id_district"})
    assert [o for o in select.find_all("option") if o.has_attr("selected") and o["value"]] == []
    first = select.find("option")
    assert first["value"] == "" and first.get_text(strip=True) == "— выберите район —"
    assert len(select.find_all("option")) == Municipality.objects.count() + 1
    assert page.select_one("[data-error-summary]") is None
    phone = page.select_one('input[name="phone"]')
    assert (phone["type"], phone["inputmode"], phone["autocomplete"]) == ("tel", "tel", "tel")
    # the settlement field suggests the region's settlements; the position button waits for JavaScript
    settlement = page.select_one('input[name="settlement"]')
    assert page.select_one(f"datalist#{settlement['list']}").find_all("option")
    assert page.select_one("[data-geolocate]").has_attr("hidden")
    assert page.select_one('script[src$="js/help-form.js"]') is not None
    assert not page.select("script:not([src])")  # the CSP allows no inline script


def test_post_without_district_keeps_everything_and_links_the_error(client):
    response = client.post(URL, posted(phone="8 913 444 55 66"))
    assert response.status_code == 200 and not HelpRequest.objects.exists()
    page = soup(response)
    errors = summary_errors(page)
    assert list(errors) == ["#id_district"]
    assert errors["#id_district"].startswith("Выберите район, в котором живёт семья")
    select = page.select_one("#id_district")
    assert select["aria-invalid"] == "true"
    assert "id_district_error" in select["aria-describedby"].split()
    assert "Выберите район" in page.select_one("#id_district_error").get_text()
    # nothing typed is lost
    assert page.select_one("#id_name")["value"] == NAME
    assert page.select_one("#id_phone")["value"] == "8 913 444 55 66"
    assert page.select_one("#id_message").get_text().removeprefix("\n") == MESSAGE  # browsers drop that newline
    assert page.select_one("#id_consent").has_attr("checked")
    assert page.title.get_text().startswith("Ошибка:")


def test_empty_post_lists_every_error_linked_to_its_field(client):
    response = client.post(URL, {"name": "", "phone": "", "settlement": "", "district": "", "message": ""})
    page = soup(response)
    errors = summary_errors(page)
    assert list(errors) == ["#id_name", "#id_phone", "#id_district", "#id_message", "#id_consent"]
    assert errors["#id_consent"].startswith("Без согласия на обработку данных")
    for href in errors:
        field = page.select_one(href)
        assert field["aria-invalid"] == "true", href
        described = field["aria-describedby"].split()
        assert f"{href[1:]}_error" in described, href
        for id_ in described:
            assert page.find(id=id_) is not None, id_  # every id it points to exists
    assert page.select_one("#id_settlement").get("aria-invalid") is None


def test_a_refused_post_keeps_the_chosen_district_and_the_settlement(client):
    district = district_with_centre()
    response = client.post(URL, posted(district=district.pk, settlement="Где-то у реки", phone="12", consent=""))
    page = soup(response)
    assert set(summary_errors(page)) == {"#id_phone", "#id_consent"}
    assert selected_district(page) == str(district.pk)
    assert page.select_one("#id_settlement")["value"] == "Где-то у реки"
    assert page.select_one("#id_phone")["value"] == "12"
    assert not page.select_one("#id_consent").has_attr("checked")


def test_valid_post_is_routed_to_the_chosen_district(client):
    district = district_with_centre()
    response = client.post(URL, posted(district=district.pk))
    assert response.status_code == 302
    record = HelpRequest.objects.get()
    assert record.district == district
    assert Organization.objects.filter(pk=record.organization_id, locations__municipality=district).exists()
    sent = client.get(response.url).content.decode()
    assert record.reference in sent and district.name in sent


@pytest.mark.parametrize("spelling", ["{name}", "с. {name}", "  {upper} ", "город {lower}", "{name} (Где-то)"])
def test_a_typed_settlement_gives_its_district(client, spelling):
    settlement = unique_settlement()
    typed = spelling.format(name=settlement.name, upper=settlement.name.upper(), lower=settlement.name.lower())
    response = client.post(URL, posted(settlement=typed.replace("-", " ") if "upper" in spelling else typed))
    assert response.status_code == 302, summary_errors(soup(response))
    assert HelpRequest.objects.get().district == settlement.municipality
    # the confirmation says which district got the request
    assert settlement.municipality.name in client.get(response.url).content.decode()


def test_a_settlement_and_the_same_district_is_accepted(client):
    settlement = unique_settlement()
    response = client.post(URL, posted(settlement=settlement.name, district=settlement.municipality_id))
    assert response.status_code == 302
    assert HelpRequest.objects.get().district == settlement.municipality


def test_a_settlement_of_another_district_is_not_overruled_silently(client):
    settlement = unique_settlement()
    other = Municipality.objects.exclude(pk=settlement.municipality_id).order_by("name").first()
    response = client.post(URL, posted(settlement=settlement.name, district=other.pk))
    assert response.status_code == 200 and not HelpRequest.objects.exists()
    page = soup(response)
    message = summary_errors(page)["#id_district"]
    assert settlement.municipality.name in message and other.name in message
    assert selected_district(page) == str(other.pk) and page.select_one("#id_settlement")["value"] == settlement.name


def test_a_settlement_name_of_two_districts_asks_which(client):
    name, districts = repeated_name()
    response = client.post(URL, posted(settlement=name))
    assert response.status_code == 200 and not HelpRequest.objects.exists()
    page = soup(response)
    message = summary_errors(page)["#id_district"]
    assert all(d.name in message for d in districts)
    assert selected_district(page) == "" and page.select_one("#id_settlement")["value"] == name
    # the district in brackets (as the list of suggestions writes it) or a chosen district settles it
    assert client.post(URL, posted(settlement=f"{name} ({districts[1].name})")).status_code == 302
    assert HelpRequest.objects.get().district == districts[1]
    cache.clear()
    assert client.post(URL, posted(settlement=name, district=districts[0].pk)).status_code == 302
    assert HelpRequest.objects.latest("pk").district == districts[0]


def test_an_unknown_settlement_needs_a_district(client):
    response = client.post(URL, posted(settlement="Нигдегорск"))
    assert response.status_code == 200 and not HelpRequest.objects.exists()
    assert "Нигдегорск" in summary_errors(soup(response))["#id_district"]
    district = district_with_centre()
    assert client.post(URL, posted(settlement="Нигдегорск", district=district.pk)).status_code == 302
    assert HelpRequest.objects.get().district == district


def test_suggestions_name_the_district_of_a_repeated_settlement(client):
    name, districts = repeated_name()
    page = soup(client.get(URL))
    values = [o["value"] for o in page.select("datalist option")]
    assert name not in values and {f"{name} ({d.name})" for d in districts} <= set(values)
    option = page.select_one(f'datalist option[value="{name} ({districts[0].name})"]')
    assert option["data-district"] == str(districts[0].pk)
    assert re.fullmatch(r"-?\d+\.\d+", option["data-lat"]) and re.fullmatch(r"-?\d+\.\d+", option["data-lon"])


def test_the_form_in_english(client):
    page = soup(client.get("/en/help/"))
    assert page.html["lang"] == "en"
    response = client.post("/en/help/", posted())
    assert response.status_code == 200
    assert list(summary_errors_any_language(soup(response))) == ["#id_district"]


def summary_errors_any_language(page: BeautifulSoup) -> dict[str, str]:
    box = page.select_one("[data-error-summary]")
    return {a["href"]: a.get_text(strip=True) for a in box.select("li a")}


def test_settlement_key():
    assert settlement_key("  с. Хову-Аксы ") == settlement_key("хову аксы") == "хову аксы"
    assert settlement_key("Город Кызыл") == settlement_key("г.Кызыл") == "кызыл"
    assert settlement_key("Посёлок Ёлкино (Где-то)") == "елкино"
    assert settlement_key("Село") == "село"  # a name that is only a kind stays a name
