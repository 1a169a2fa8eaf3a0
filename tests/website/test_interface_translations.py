"""The public site outside the page tree (directory, results, service and organisation pages, the request for
help) follows the language of its URL prefix like the pages do, and every public interface string has its
English, Tuvan and Tatar translation."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from directory.models import Municipality, Organization, Service
from referrals.models import HelpRequest

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "website" / "locale"
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def html_of(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    ("prefix", "lang", "strings"),
    [
        ("/en", "en", ["What do you need?", "Apply", "Kind and area of help", "by distance", "Free only"]),
        (
            "/tyv",
            "tyv",
            [
                "Силерге чүү херегил?",
                "Ажыглаар",
                "Дузаның хевири болгаш угланыышкыны",
                "ырак-чоогу-биле",
                "Чүгле халас",
            ],
        ),
        ("/tt", "tt", ["Сезгә нәрсә кирәк?", "Куллану", "Ярдәм төре һәм юнәлеше", "ераклык буенча", "Бары бушлай"]),
    ],
)
def test_results_page_in_each_language(client, prefix, lang, strings):
    html = html_of(client, f"{prefix}/services/?q=психолог")
    assert f'<html lang="{lang}">' in html
    for text in strings:
        assert text in html
    assert "Что вам нужно?" not in html and "Применить" not in html
    # links of the results stay in the language: service pages, pagination and the form's action
    assert f'href="{prefix}/services/' in html and f'action="{prefix}/services/"' in html


def test_russian_stays_unprefixed_whatever_the_browser_asks(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = html_of(client, "/services/?q=психолог", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ru">' in html and "Что вам нужно?" in html and "What do you need?" not in html


def test_switcher_on_a_non_page_url_leads_to_the_same_page_in_the_other_language(client):
    html = html_of(client, "/en/services/?q=%D0%BF%D1%81%D0%B8%D1%85%D0%BE%D0%BB%D0%BE%D0%B3&free=1")
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
    assert 'href="/services/?q=%D0%BF%D1%81%D0%B8%D1%85%D0%BE%D0%BB%D0%BE%D0%B3&amp;free=1" lang="ru"' in switcher
    assert 'href="/tyv/services/?q=' in switcher and 'href="/tt/services/?q=' in switcher
    assert 'lang="en" hreflang="en" aria-current="true"' in switcher
    russian = html_of(client, "/help/")
    assert 'href="/en/help/" lang="en"' in russian and 'href="/tt/help/" lang="tt"' in russian


def test_service_and_organisation_pages_in_english(client):
    service = Service.objects.filter(status="published").first()
    html = html_of(client, f"/en/services/{service.pk}/")
    assert '<html lang="en">' in html and service.name in html
    assert "Printable version" in html and "Версия для печати" not in html
    assert f'href="/en/services/{service.pk}/print/"' in html
    printable = html_of(client, f"/en/services/{service.pk}/print/")
    assert '<html lang="en">' in printable
    organisation = Organization.objects.filter(services__status="published").first()
    html = html_of(client, f"/tt/organizations/{organisation.pk}/")
    assert '<html lang="tt">' in html and "Телефоннар" in html


def test_help_request_in_english_refuses_in_english_and_confirms_in_english(client):
    cache.clear()
    url = "/en/help/"
    html = html_of(client, url)
    assert '<html lang="en">' in html and "Phone number to contact you" in html and "I consent" in html
    district = Municipality.objects.filter(locations__organization__provider_type__code="social_service").first()
    data = {"name": "Anna", "phone": "12", "district": district.pk, "message": "We need help", "website": ""}
    refused = client.post(url, data)
    assert refused.status_code == 200 and not HelpRequest.objects.exists()
    page = refused.content.decode()
    assert "The phone number was not recognised" in page or "This phone number does not exist" in page
    assert "Without your consent to data processing we cannot contact you." in page
    response = client.post(url, {**data, "phone": "+7 913 444-55-66", "consent": "on"})
    assert response.status_code == 302 and response.url == "/en/help/sent/"
    sent = html_of(client, response.url)
    assert HelpRequest.objects.get().reference in sent and "What happens next" in sent


def test_kiosk_and_cabinet_urls_are_not_prefixed():
    assert reverse("kiosk:start", args=["demo"]) == "/kiosk/demo/"
    with translation.override("en"):
        assert reverse("search:results") == "/en/services/"
        assert reverse("kiosk:start", args=["demo"]) == "/kiosk/demo/"
        assert reverse("referrals:home").startswith("/cabinet/")


def catalogue(code):
    with open(LOCALE / code / "LC_MESSAGES" / "django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)._catalog


def po_msgids(code):
    """The msgids of the .po (the .mo must be compiled from the current .po)."""
    text = (LOCALE / code / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, re.M):
        value = "".join(re.findall(r'"(.*)"', block)).encode().decode("unicode_escape").encode("latin-1")
        ids.add(value.decode("utf-8"))
    ids.discard("")
    return ids


@pytest.mark.parametrize("code", ["en", "tyv", "tt"])
def test_every_public_string_is_translated_and_compiled(code):
    compiled = catalogue(code)
    translated = {key[0] if isinstance(key, tuple) else key: value for key, value in compiled.items() if key}
    assert po_msgids(code) == set(translated), "the .mo is out of date: compile the .po with msgfmt"
    assert all(translated.values()), "an empty translation"
    assert set(translated) == {key[0] if isinstance(key, tuple) else key for key in catalogue("en") if key}


@pytest.mark.parametrize("code", ["tyv", "tt"])
def test_regional_catalogues_ask_for_native_review(code):
    head = (LOCALE / code / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")[:600]
    assert "native speaker" in head and "fuzzy" not in head


PUBLIC_TEMPLATES = [
    "404.html",
    "500.html",
    "base.html",
    "directory/*.html",
    "directory/includes/*.html",
    "includes/*.html",
    "kiosk/*.html",
    "kiosk/includes/*.html",
    "website/*.html",
    "website/blocks/*.html",
    "referrals/help_request.html",
    "referrals/help_request_sent.html",
]
# The name of a language is written in that language on purpose.
ALLOWED = {"Русский"}


def test_public_templates_have_no_russian_outside_translate_tags():
    untranslated = []
    for pattern in PUBLIC_TEMPLATES:
        for path in sorted(TEMPLATES.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", "", text, flags=re.S)
            text = re.sub(r"{%\s*trans(?:late)?\s.*?%}", "", text)
            text = re.sub(r"_\(\"[^\"]*\"\)", "", text)
            text = re.sub(r"{#.*?#}", "", text)
            for word in re.findall(r"[А-Яа-яЁё][А-Яа-яЁё ,.:—-]*", text):
                if word.strip() not in ALLOWED:
                    untranslated.append(f"{path.relative_to(TEMPLATES)}: {word.strip()}")
    assert untranslated == []


SAMPLE_PO = """# Header comment kept
msgid ""
msgstr ""
"Language: en\\n"

#: templates/base.html templates/referrals/base.html
msgid "Найти помощь"
msgstr "Find help"

#: templates/referrals/case_detail.html
msgid "Уровень сопровождения"
msgstr ""

#: directory/models.py
msgid "бесплатно"
msgstr ""

#: templates/directory/results.html
#, fuzzy
#| msgid "Найти"
msgid "Найти службу"
msgstr "Find"

#~ msgid "Старая строка"
#~ msgstr "Old string"
"""


def test_the_catalogue_keeps_public_strings_only_and_no_fuzzy_guess():
    from website.i18n_catalogue import keep_public, read_po

    text, untranslated = keep_public(SAMPLE_PO, labels={"бесплатно"})
    entries = read_po(text)
    assert entries[0]["comments"] == ["# Header comment kept"] and entries[0]["msgstr"][0] == "Language: en\n"
    assert [(e["msgid"], e["msgstr"][0]) for e in entries[1:]] == [
        ("Найти помощь", "Find help"),
        ("бесплатно", ""),
        ("Найти службу", ""),
    ]
    assert "fuzzy" not in text and "Уровень сопровождения" not in text and "Старая строка" not in text
    assert untranslated == ["бесплатно", "Найти службу"]
