"""«Быстрый выход» on pages about violence; the public search keeps nothing that points to a person."""

import pytest
from django.test import override_settings

from search.models import SearchGap
from website.models import ArticlePage, LifeSituationPage

pytestmark = pytest.mark.django_db


def test_violence_page_carries_the_quick_exit_button(client):
    page = LifeSituationPage.objects.get(slug="nasilie-v-seme")
    assert page.show_quick_exit
    html = client.get(page.url).content.decode()
    assert "Быстрый выход" in html
    assert 'href="https://yandex.ru/pogoda" rel="noreferrer noopener"' in html
    assert "js/quick-exit.js" in html
    # The button comes first after the skip link: reachable with one Tab.
    assert html.index("skip-link") < html.index("quick-exit-button") < html.index("site-header")


def test_other_pages_have_no_quick_exit(client):
    page = LifeSituationPage.objects.get(slug="rodilsya-rebenok")
    assert "quick-exit" not in client.get(page.url).content.decode()
    assert "quick-exit" not in client.get("/").content.decode()


def test_editor_flag_on_articles_and_neutral_site_setting(client):
    article = ArticlePage.objects.live().first()
    article.show_quick_exit = True
    article.save_revision().publish()
    with override_settings(QUICK_EXIT_URL="https://example.org/weather"):
        html = client.get(article.url).content.decode()
    assert 'href="https://example.org/weather"' in html


def test_public_search_stores_no_person():
    fields = {field.name for field in SearchGap._meta.get_fields()}
    assert fields == {"id", "day", "query", "category", "municipality", "results", "count"}
