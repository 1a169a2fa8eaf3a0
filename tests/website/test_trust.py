"""Trust and housekeeping: icons, robots.txt, the sitemap, the site's operator and its personal data policy in the
footer, one phone format."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image
from wagtail.models import Locale, Site

from demo.pages import OPERATOR, POLICY_SLUG, POLICY_TITLE
from directory.validators import format_phone
from website.context_processors import site_context
from website.models import SiteOperator, TextPage

pytestmark = pytest.mark.django_db

ICONS = Path(settings.BASE_DIR) / "static" / "icons"


def test_favicon_ico_is_served_without_a_template(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert not response.templates
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "size"),
    [("favicon-32.png", 32), ("apple-touch-icon.png", 180), ("icon-192.png", 192), ("icon-512.png", 512)],
)
def test_app_icons_are_small_pngs_of_their_size(name, size):
    path = ICONS / name
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (size, size)
    assert path.stat().st_size < 40_000


def test_web_manifest_names_its_icons():
    manifest = json.loads((ICONS / "site.webmanifest").read_text())
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (ICONS / icon["src"]).exists()


@pytest.mark.parametrize("path", ["/", "/edinoe-posobie/", "/services/"])
def test_public_pages_link_the_icons(client, path):
    html = client.get(path).content.decode()
    for name in ("icons/favicon.svg", "icons/favicon-32.png", "icons/apple-touch-icon.png", "icons/site.webmanifest"):
        assert name in html


def test_kiosk_base_links_the_icons():
    text = (Path(settings.BASE_DIR) / "templates" / "kiosk" / "base.html").read_text()
    assert "icons/favicon.svg" in text and 'href="data:,"' not in text


def test_robots_txt(client):
    response = client.get("/robots.txt", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.templates
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/cabinet/", "/admin/", "/kiosk/", "/feedback/"):
        assert f"Disallow: {path}" in lines
    assert not any(line.startswith("Disallow: /api") for line in lines)
    assert "Sitemap: https://testserver/sitemap.xml" in lines


def test_sitemap_lists_pages_services_organisations_and_the_policy(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "/edinoe-posobie/</loc>" in xml
    assert "/services/" in xml and "/organizations/" in xml
    assert f"/{POLICY_SLUG}/</loc>" in xml


def test_demo_policy_page_and_operator_settings():
    policy = TextPage.objects.get(slug=POLICY_SLUG)
    assert policy.live and policy.title == POLICY_TITLE
    text = " ".join(str(block.value) for block in policy.body)
    assert "152-ФЗ" in text and "Роскомнадзор" in text
    operator = SiteOperator.for_site(Site.objects.get(is_default_site=True))
    assert operator.name == OPERATOR["name"] and operator.privacy_policy.specific == policy


def test_footer_shows_the_operator_and_the_policy_link(client):
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer"') :]
    assert OPERATOR["name"].replace("«", "&laquo;") in footer or OPERATOR["name"] in footer
    assert OPERATOR["address"] in footer
    assert 'href="tel:+73942220000">+7 394 222-00-00</a>' in footer
    assert f'href="mailto:{OPERATOR["email"]}"' in footer
    assert f'href="/{POLICY_SLUG}/">Политика обработки персональных данных</a>' in footer
    assert client.get(f"/{POLICY_SLUG}/").status_code == 200


def test_english_footer_is_english_and_links_the_policy(client):
    english = Locale.objects.get(language_code="en")
    from website.models import HomePage

    home = HomePage.objects.get(locale=english)
    html = client.get(home.url).content.decode()
    footer = html[html.index('<footer class="site-footer"') :]
    assert "Site operator:" in footer or "Оператор сайта:" in footer
    assert f"/{POLICY_SLUG}/" in footer


def test_editors_change_the_operator(client):
    operator = SiteOperator.for_site(Site.objects.get(is_default_site=True))
    operator.name = "Министерство труда и социальной политики Республики Тыва"
    operator.phone = "8 (39422) 2-11-11"
    operator.clean()
    operator.save()
    assert operator.phone == "+73942221111"
    html = client.get("/").content.decode()
    assert "Министерство труда и социальной политики Республики Тыва" in html
    assert "+7 394 222-11-11" in html


def test_without_operator_settings_the_footer_has_no_operator(client):
    SiteOperator.objects.all().delete()
    html = client.get("/").content.decode()
    assert "site-operator" not in html and "Политика обработки персональных данных" not in html


def test_context_processor_exposes_the_policy_url():
    request = RequestFactory().get("/help/")
    context = site_context(request)
    assert str(context["privacy_policy_url"]) == f"/{POLICY_SLUG}/"
    rendered = Template("{% if privacy_policy_url %}<a href='{{ privacy_policy_url }}'>{% endif %}").render(
        Context(context)
    )
    assert rendered == f"<a href='/{POLICY_SLUG}/'>"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+73942223344", "+7 394 222-33-44"),
        ("+78002000122", "+7 800 200-01-22"),  # toll-free numbers too: one format everywhere
        ("+79011234567", "+7 901 123-45-67"),
        ("112", "112"),
    ],
)
def test_one_phone_format(stored, shown):
    assert format_phone(stored) == shown
    html = Template("{% load directory_tags %}<a href='{{ n|tel_href }}'>{{ n|phone_display }}</a>").render(
        Context({"n": stored})
    )
    assert html == f"<a href='tel:{stored}'>{shown}</a>"


def test_no_hotline_number_typed_as_a_literal_in_public_templates():
    templates = Path(settings.BASE_DIR) / "templates"
    mine = ["base.html", "500.html", "503.html", "507.html", "website/guide/booklet.html"]
    for name in mine:
        text = (templates / name).read_text()
        assert "8 800" not in text and "8-800" not in text, name


def test_hotline_panel_numbers_in_one_format(client):
    html = client.get("/").content.decode()
    assert "+7 800 200-01-22" in html
    assert "8 (800)" not in html and "8 800 2000 122" not in html
