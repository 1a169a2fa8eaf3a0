"""Russian grammar where a place, a number or an age is put into a sentence (core/grammar.py and its filters)."""

import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils import translation

from core import grammar
from demo.geography import MUNICIPALITIES
from directory.models import Service
from directory.selectors import OpeningStatus


@pytest.mark.parametrize(
    ("name", "gent", "loct"),
    [
        ("город Кызыл", "города Кызыла", "городе Кызыле"),
        ("Город Кызыл", "Города Кызыла", "Городе Кызыле"),
        ("Кызыл", "Кызыла", "Кызыле"),
        ("город Чадан", "города Чадана", "городе Чадане"),
        ("город Ак-Довурак", "города Ак-Довурака", "городе Ак-Довураке"),
        ("город Нижний Новгород", "города Нижнего Новгорода", "городе Нижнем Новгороде"),
        ("Москва", "Москвы", "Москве"),
        ("Пий-Хемский район", "Пий-Хемского района", "Пий-Хемском районе"),
        ("Улуг-Хемский кожуун", "Улуг-Хемского кожууна", "Улуг-Хемском кожууне"),
        ("Республика Тыва", "Республики Тыва", "Республике Тыва"),
        ("посёлок Сукпак", "посёлка Сукпак", "посёлке Сукпак"),
        ("деревня Кочетово", "деревни Кочетово", "деревне Кочетово"),
        # Tuvan village names stay as they are
        ("село Хову-Аксы", "села Хову-Аксы", "селе Хову-Аксы"),
        ("село Кара-Хаак", "села Кара-Хаак", "селе Кара-Хаак"),
        ("село Бай-Хаак", "села Бай-Хаак", "селе Бай-Хаак"),
        ("село Тээли", "села Тээли", "селе Тээли"),
        ("село Эрзин", "села Эрзин", "селе Эрзин"),
        ("село Самагалтай", "села Самагалтай", "селе Самагалтай"),
        ("село Хемчик", "села Хемчик", "селе Хемчик"),
        ("пгт Каа-Хем", "пгт Каа-Хем", "пгт Каа-Хем"),
        ("Каа-Хем", "Каа-Хем", "Каа-Хем"),
        ("Хову-Аксы", "Хову-Аксы", "Хову-Аксы"),
        # a label that is not a place in the nominative is not touched
        ("вашего местоположения", "вашего местоположения", "вашего местоположения"),
        ("ваше местоположение", "вашего местоположения", "вашем местоположении"),
        ("", "", ""),
    ],
)
def test_decline_place(name, gent, loct):
    assert grammar.decline_place(name, "gent") == gent
    assert grammar.decline_place(name, "loct") == loct
    assert grammar.decline_place(name, "nomn") == name


def test_quoted_official_name_is_left_inside_the_quotes():
    assert grammar.decline_place("городской округ «Город Кызыл»", "gent") == "городского округа «Город Кызыл»"


def test_every_demo_municipality_matches_its_written_forms():
    for m in MUNICIPALITIES:
        assert grammar.decline_place(m["name"], "gent").lower() == m["genitive"].lower(), m["name"]
        assert grammar.decline_place(m["name"], "datv").lower() == m["dative"].lower(), m["name"]
        assert grammar.decline_place(m["name"], "loct").lower() == m["prepositional"].lower(), m["name"]


def test_every_demo_settlement_keeps_its_name_or_declines_a_known_city():
    for m in MUNICIPALITIES:
        for s in m["settlements"]:
            label = f"{s['kind']} {s['name']}"
            declined = grammar.decline_place(label, "gent")
            if s["kind"] != "город":
                assert declined.endswith(s["name"]), label  # «села Хову-Аксы»: the name itself unchanged
            assert declined.split()[0] != s["kind"] or s["kind"] == "пгт", label


def test_prepositions():
    assert grammar.from_place("город Кызыл") == "от города Кызыла"
    assert grammar.from_place("село Кара-Хаак") == "от села Кара-Хаак"
    assert grammar.in_place("город Кызыл") == "в городе Кызыле"
    assert grammar.in_place("село Хову-Аксы") == "в селе Хову-Аксы"
    assert grammar.in_place("Республика Тыва") == "в Республике Тыва"
    assert grammar.in_place("Владимир") == "во Владимире"
    assert grammar.in_place("Вологда") == "в Вологде"


def test_unknown_case_is_an_error():
    with pytest.raises(ValueError):
        grammar.decline_place("город Кызыл", "vocative")
    assert grammar.decline_place("город Кызыл", "gen") == "города Кызыла"


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "услуг"),
        (1, "услуга"),
        (2, "услуги"),
        (4, "услуги"),
        (5, "услуг"),
        (11, "услуг"),
        (12, "услуг"),
        (14, "услуг"),
        (21, "услуга"),
        (22, "услуги"),
        (25, "услуг"),
        (101, "услуга"),
        (111, "услуг"),
        (112, "услуг"),
        (1001, "услуга"),
        (-1, "услуга"),
        (None, "услуг"),
    ],
)
def test_plural(n, form):
    assert grammar.plural(n, "услуга", "услуги", "услуг") == form
    rendered = Template('{% load directory_tags %}{{ n|ru_plural:"услуга,услуги,услуг" }}').render(Context({"n": n}))
    assert rendered == form


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1 год"), (3, "3 года"), (5, "5 лет"), (11, "11 лет"), (21, "21 год"), (34, "34 года")]
)
def test_ages_agree_with_the_number(n, text):
    assert grammar.count_phrase(n, "год", "года", "лет") == text
    rendered = Template('{% load directory_tags %}{{ n|ru_count:"год,года,лет" }}').render(Context({"n": n}))
    assert rendered == text


def test_ru_count_in_english_uses_the_catalogue():
    with translation.override("en"):
        rendered = Template('{% load directory_tags %}{{ n|ru_count:"год,года,лет" }}').render(Context({"n": 34}))
    assert rendered == "34 years"


@pytest.mark.parametrize(
    ("age_min", "age_max", "text"),
    [
        (3, 17, "возраст ребёнка от 3 до 17 лет"),
        (0, 1, "возраст ребёнка от 0 до 1 года"),
        (None, 21, "возраст ребёнка до 21 года"),
        (1, None, "возраст ребёнка от 1 года"),
        (14, None, "возраст ребёнка от 14 лет"),
        (None, 18, "возраст ребёнка до 18 лет"),
        (None, 11, "возраст ребёнка до 11 лет"),
    ],
)
def test_age_range(age_min, age_max, text):
    assert grammar.age_range_ru(age_min, age_max) == text


def test_place_filters_decline_in_russian_only():
    template = Template('{% load directory_tags %}{{ p|place_case:"gent" }}|{{ p|from_place }}|{{ p|in_place }}')
    with translation.override("ru"):
        assert template.render(Context({"p": "город Кызыл"})) == "города Кызыла|от города Кызыла|в городе Кызыле"
    with translation.override("en"):
        assert template.render(Context({"p": "город Кызыл"})) == "город Кызыл|город Кызыл|город Кызыл"


def test_today_text_never_repeats_today():
    closed = OpeningStatus(False, False, [])
    assert closed.today_text == "не работает"
    assert "сегодня" not in closed.today_text.lower()


class _Text(HTMLParser):
    """Text of a page as a text extractor (or a screen reader reading the DOM in order) sees it."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return re.sub(r"\s+", " ", "".join(parser.parts))


@pytest.mark.django_db
def test_results_page_says_distance_from_a_declined_place(client):
    text = _Text.of(client.get("/services/", {"sort": "distance", "near": "kyzyl"}).content.decode())
    assert "расстояние от города Кызыла" in text
    assert "сегодня: сегодня" not in text.lower()
    assert "Сегодня: сегодня" not in text


@pytest.mark.django_db
def test_results_page_in_english_keeps_the_place_name(client):
    response = client.get("/en/services/", {"sort": "distance", "near": "kyzyl"})
    assert response.status_code == 200
    assert "distance from город Кызыл" in _Text.of(response.content.decode())


@pytest.mark.django_db
def test_service_page_separates_tags_and_agrees_the_age(client):
    service = Service.objects.filter(status="published").first()
    Service.objects.filter(pk=service.pk).update(
        delivery_in_person=True, delivery_phone=True, delivery_online=True, age_min=None, age_max=21
    )
    text = _Text.of(client.get(service.get_absolute_url()).content.decode())
    assert "очно, по телефону, онлайн" in text
    assert "очнопо" not in text and "телефоноонлайн" not in text
    assert "до 21 года" in text
    assert "сегодня: сегодня" not in text.lower()
