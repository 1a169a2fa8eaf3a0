"""Campaign page types: rendering with the demo content, «where to apply» by distance, blocks, admin forms."""

import pytest
from django.test import RequestFactory
from geopy.distance import geodesic
from wagtail.models import Page

from demo.pages import LIFE_SITUATIONS, MEASURES, load_demo_pages
from directory.models import Category, Settlement
from website import blocks
from website.models import (
    ArticleIndexPage,
    ArticlePage,
    ContactsPage,
    DirectoryPage,
    FaqPage,
    HomePage,
    LifeSituationPage,
    MeasurePage,
    NewsPage,
)

pytestmark = pytest.mark.django_db

PAGE_MODELS = [
    HomePage,
    LifeSituationPage,
    MeasurePage,
    ArticleIndexPage,
    ArticlePage,
    NewsPage,
    FaqPage,
    ContactsPage,
    DirectoryPage,
]


def first_page(model):
    return model.objects.live().order_by("pk").first()


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda m: m.__name__)
def test_every_page_type_renders_demo_content(client, model):
    page = first_page(model)
    assert page is not None, f"no demo {model.__name__}"
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert page.title in html
    assert html.count("<h1") == 1


def test_demo_content_size():
    home = HomePage.objects.get(locale__language_code="ru")
    assert LifeSituationPage.objects.child_of(home).live().count() >= 12
    assert MeasurePage.objects.child_of(home).live().count() >= 8
    assert ArticlePage.objects.live().count() == 3
    assert NewsPage.objects.live().count() == 2
    old_slugs = {"rodilsya-rebenok", "poterya-raboty", "rebenok-s-invalidnostyu", "nasilie-v-seme", "zhile"}
    assert old_slugs <= set(LifeSituationPage.objects.values_list("slug", flat=True))
    assert {row[0] for row in LIFE_SITUATIONS} <= set(LifeSituationPage.objects.values_list("slug", flat=True))


def test_demo_loader_is_idempotent():
    before = Page.objects.count()
    load_demo_pages()
    load_demo_pages()
    assert Page.objects.count() == before


def test_measure_page_shows_classifier_fields_and_steps(client):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    html = client.get(page.url).content.decode()
    assert "ежемесячная" in html and "денежная" in html
    assert "81-ФЗ" in html
    assert "Подайте заявление" in html
    assert "Демонстрационный текст" in html
    assert "Свидетельства о рождении детей" in html


def test_measure_where_to_apply_lists_services_of_its_categories(client):
    page = MeasurePage.objects.get(slug="besplatnaya-yuridicheskaya-pomoshch")
    response = client.get(page.url)
    hits = response.context["where"]["hits"]
    assert hits
    allowed = blocks_category_ids(page)
    for hit in hits:
        service = hit.service_at_location.service
        assert {c.pk for c in service.categories.all()} & allowed
        assert service.name in response.content.decode()


def blocks_category_ids(page):
    from directory.selectors import category_descendant_ids

    return category_descendant_ids(page.categories.all())


@pytest.mark.parametrize("slug", ["besplatnaya-yuridicheskaya-pomoshch", "edinoe-posobie", "srochnaya-pomoshch"])
def test_measure_where_to_apply_nearest_first(client, slug):
    page = MeasurePage.objects.get(slug=slug)
    kyzyl = Settlement.objects.get(code="kyzyl")
    origin = (float(kyzyl.latitude), float(kyzyl.longitude))
    response = client.get(page.url, {"near": "kyzyl"})
    assert response.status_code == 200
    where = response.context["where"]
    assert where["near"] is not None
    distances = []
    for hit in where["hits"]:
        location = hit.service_at_location.location
        if location.is_confidential or not location.has_coordinates:
            continue
        distances.append(geodesic(origin, (float(location.latitude), float(location.longitude))).km)
    assert len(distances) >= 2
    assert distances == sorted(distances)
    assert "near=kyzyl" in where["querystring"]


def test_life_situation_lists_related_measures(client):
    page = LifeSituationPage.objects.get(slug="mnogodetnaya-semya")
    html = client.get(page.url).content.decode()
    assert "Удостоверение многодетной семьи" in html
    measure = MeasurePage.objects.get(slug="udostoverenie-mnogodetnoj-semi")
    assert "Многодетная семья" in client.get(measure.url).content.decode()


def test_article_index_lists_newest_first_with_pagination(client, monkeypatch):
    index = ArticleIndexPage.objects.get()
    response = client.get(index.url)
    entries = response.context["entries"]
    assert len(entries) == 5
    dates = [entry.date for entry in entries]
    assert dates == sorted(dates, reverse=True)
    monkeypatch.setattr(ArticleIndexPage, "page_size", 2)
    second = client.get(index.url, {"page": 2})
    assert [e.pk for e in second.context["entries"]] == [e.pk for e in entries[2:4]]
    assert "Страница 2 из 3" in second.content.decode()


def test_directory_page_links_to_search(client):
    page = DirectoryPage.objects.get()
    html = client.get(page.url).content.decode()
    assert 'action="/services/"' in html
    assert "?category=" in html


def test_faq_and_contacts(client):
    faq = FaqPage.objects.get()
    assert "Помощь платная?" in client.get(faq.url).content.decode()
    contacts = ContactsPage.objects.get()
    html = client.get(contacts.url).content.decode()
    assert "hotlines-block" in html and "tel:" in html


def test_home_links_measures(client):
    html = client.get("/").content.decode()
    assert "Единое пособие на детей" in html


# ---------------------------------------------------------------- blocks


@pytest.fixture
def block_context():
    request = RequestFactory().get("/", {"near": "kyzyl"})
    return {"request": request}


def render(block, raw, context):
    value = block.to_python(raw)
    return block.render(value, context=context)


def test_paragraph_and_callout_blocks(block_context):
    assert "Привет" in render(blocks.ParagraphBlock(), "<p>Привет</p>", block_context)
    html = render(blocks.CalloutBlock(), {"kind": "important", "text": "<p>Срочно</p>"}, block_context)
    assert "callout-important" in html and "Срочно" in html


def test_step_list_block(block_context):
    html = render(
        blocks.StepListBlock(),
        [{"title": "Первый", "text": "<p>a</p>"}, {"title": "Второй", "text": ""}],
        block_context,
    )
    assert html.index("Первый") < html.index("Второй")
    assert "<ol" in html


def test_faq_and_document_blocks(block_context):
    html = render(blocks.FaqItemBlock(), {"question": "Вопрос?", "answer": "<p>Ответ</p>"}, block_context)
    assert "Вопрос?" in html and "Ответ" in html
    html = render(
        blocks.DocumentItemBlock(),
        {"name": "Паспорт", "origin": "МВД", "mandatory": False, "comment": ""},
        block_context,
    )
    assert "Паспорт" in html and "МВД" in html and "при наличии" in html


def test_hotlines_block(block_context):
    html = render(blocks.HotlinesBlock(), {"heading": ""}, block_context)
    assert "Телефоны помощи" in html and "tel:" in html


def test_nearby_services_block_nearest_first(block_context):
    category = Category.objects.get(code="A11")
    html = render(blocks.NearbyServicesBlock(), {"heading": "", "category": category.pk, "count": 3}, block_context)
    assert "service-hit" in html
    assert html.count('class="card service-hit"') <= 3
    kms = [float(chunk.split('"')[0]) for chunk in html.split('data-distance="')[1:]]
    assert kms == sorted(kms)


def test_body_stream_renders_every_block(block_context):
    category = Category.objects.get(code="A4")
    stream = blocks.BodyBlock()
    value = stream.to_python(
        [
            {"type": "paragraph", "value": "<p>Абзац</p>"},
            {"type": "callout", "value": {"kind": "info", "text": "<p>Справка</p>"}},
            {"type": "steps", "value": [{"title": "Шаг один", "text": ""}]},
            {"type": "nearby_services", "value": {"heading": "Психологи", "category": category.pk, "count": 2}},
            {"type": "hotlines", "value": {"heading": "Звоните"}},
            {"type": "faq", "value": {"question": "Как?", "answer": "<p>Так.</p>"}},
        ]
    )
    html = stream.render(value, context=block_context)
    for text in ("Абзац", "Справка", "Шаг один", "Психологи", "Звоните", "Как?"):
        assert text in html


# ---------------------------------------------------------------- admin


@pytest.mark.parametrize(
    "model",
    [LifeSituationPage, MeasurePage, ArticleIndexPage, ArticlePage, NewsPage, FaqPage],
    ids=lambda m: m.__name__,
)
def test_admin_add_form_opens(admin_client, model):
    home = HomePage.objects.get(locale__language_code="ru")
    parent = ArticleIndexPage.objects.get() if model in (ArticlePage, NewsPage) else home
    response = admin_client.get(f"/admin/pages/add/website/{model._meta.model_name}/{parent.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("model", [ContactsPage, DirectoryPage], ids=lambda m: m.__name__)
def test_admin_add_form_of_single_pages_opens_when_absent(admin_client, model):
    """ContactsPage and DirectoryPage are one per site (max_count = 1): the form opens once the demo one is gone."""
    model.objects.all().delete()
    parent = HomePage.objects.get(locale__language_code="ru")
    response = admin_client.get(f"/admin/pages/add/website/{model._meta.model_name}/{parent.pk}/")
    assert response.status_code == 200


def test_admin_edit_form_of_measure_opens(admin_client):
    page = MeasurePage.objects.get(slug="edinoe-posobie")
    assert admin_client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


def test_measures_have_demo_note():
    assert len(MEASURES) >= 8
