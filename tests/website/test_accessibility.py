"""«Версия для слабовидящих»: the switch works without JavaScript, is remembered in a cookie, goes back safely."""

import pytest

from website.accessibility import COOKIE

pytestmark = pytest.mark.django_db


def test_header_offers_the_version_and_body_is_plain_by_default(client):
    html = client.get("/").content.decode()
    assert "Версия для слабовидящих" in html
    assert 'href="/a11y/?on=1&amp;next=%2F"' in html
    assert '<body class=" ' in html  # no a11y classes


def test_switch_sets_cookie_and_returns_to_the_page(client):
    response = client.get("/a11y/", {"on": "1", "next": "/services/?q=психолог"})
    assert response.status_code == 302
    assert response["Location"] == "/services/?q=%D0%BF%D1%81%D0%B8%D1%85%D0%BE%D0%BB%D0%BE%D0%B3"
    assert response.cookies[COOKIE].value == "large.contrast"
    assert response.cookies[COOKIE]["httponly"]
    html = client.get("/").content.decode()
    assert '<body class="a11y a11y-large a11y-contrast ' in html
    assert "Обычная версия" in html and "Без изображений: выкл." in html


def test_options_toggle_one_by_one_and_off_clears(client):
    client.get("/a11y/", {"on": "1"})
    client.get("/a11y/", {"noimages": "1"})
    client.get("/a11y/", {"contrast": "0"})
    assert client.cookies[COOKIE].value == "large.noimages"
    assert "a11y-noimages" in client.get("/").content.decode()
    response = client.get("/a11y/", {"off": "1"})
    assert response.cookies[COOKIE].value == ""
    assert "a11y-large" not in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_next_outside_the_site_is_refused(client, target):
    response = client.get("/a11y/", {"on": "1", "next": target})
    assert response["Location"] == "/"


def test_unknown_cookie_values_are_ignored(client):
    client.cookies[COOKIE] = 'evil"><script>.large'
    html = client.get("/").content.decode()
    assert '<body class="a11y a11y-large ' in html
    assert "<script>.large" not in html
