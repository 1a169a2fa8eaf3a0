"""Languages: Russian default without a prefix, English translations of the main pages under /en/, and the
regional languages (Tuvan, Tatar) added by settings with the interface strings of the public site."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from website.models import HomePage, LifeSituationPage, MeasurePage

pytestmark = pytest.mark.django_db


def test_languages_come_from_settings():
    codes = [code for code, _name in settings.LANGUAGES]
    assert codes[0] == "ru" and {"en", "tyv", "tt"} <= set(codes)
    assert settings.WAGTAIL_I18N_ENABLED
    assert set(Locale.objects.values_list("language_code", flat=True)) >= {"ru", "en"}


def test_english_translations_of_the_main_pages(client):
    english = Locale.objects.get(language_code="en")
    measure = MeasurePage.objects.get(slug="edinoe-posobie").get_translation(english)
    assert measure.url == "/en/unified-child-allowance/"
    html = client.get(measure.url).content.decode()
    assert '<html lang="en">' in html
    assert "Unified child allowance" in html and "Find help" in html
    assert 'hreflang="ru"' in html and 'href="/edinoe-posobie/"' in html
    violence = LifeSituationPage.objects.get(slug="domestic-violence")
    assert "Quick exit" in client.get(violence.url).content.decode()


def test_russian_stays_default_and_links_to_english(client):
    html = client.get("/edinoe-posobie/").content.decode()
    assert '<html lang="ru">' in html and "Найти помощь" in html
    assert 'href="/en/unified-child-allowance/"' in html and ">English<" in html


@pytest.mark.parametrize(
    ("code", "find_help", "quick_exit"),
    [("tyv", "Дуза тывар", "Дүрген үнер"), ("tt", "Ярдәм табу", "Тиз чыгу"), ("en", "Find help", "Quick exit")],
)
def test_interface_strings_of_the_regional_languages(code, find_help, quick_exit):
    with translation.override(code):
        assert translation.gettext("Найти помощь") == find_help
        assert translation.gettext("Быстрый выход") == quick_exit


def test_a_tuvan_page_tree_is_served_under_its_prefix(client):
    home = HomePage.objects.get(locale__language_code="ru")
    tuvan = home.copy_for_translation(Locale.objects.get_or_create(language_code="tyv")[0])
    tuvan.title = "Ажы-төлдүг өг-бүлелерге дуза"
    tuvan.save_revision().publish()
    html = client.get("/tyv/").content.decode()
    assert '<html lang="tyv">' in html
    assert "Дуза тывар" in html and "Көрүжү кошкак улуска версия" in html


def test_an_editor_translates_the_home_page_in_the_admin(admin_client):
    """HomePage.max_count = 1 keeps a second Russian home out of «Добавить страницу», but «Перевести» (a copy for
    translation) is not blocked by it: it creates the English home, the editor publishes it and /en/ renders it."""
    english = Locale.objects.get(language_code="en")
    home = HomePage.objects.get(locale__language_code="ru")
    HomePage.objects.get(locale=english).delete()  # start as a fresh site would: no English home yet
    form = admin_client.get(reverse("simple_translation:submit_page_translation", args=[home.pk]))
    assert form.status_code == 200
    response = admin_client.post(
        reverse("simple_translation:submit_page_translation", args=[home.pk]), {"locales": [english.pk]}
    )
    translated = HomePage.objects.get(locale=english)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_pages:edit", args=[translated.pk])
    assert translated.translation_key == home.translation_key and not translated.live
    assert admin_client.get(response.url).status_code == 200
    assert HomePage.can_create_at(home.get_parent()) is False  # Russian home exists: no second one in Russian
    publish = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    response = admin_client.post(f"{publish}?id={translated.pk}", {})
    assert response.status_code == 302
    translated.refresh_from_db()
    assert translated.live
    html = admin_client.get("/en/").content.decode()
    assert '<html lang="en">' in html and home.hero_title in html and "Find help" in html
