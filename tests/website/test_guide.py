"""The printed resource guide: the PDF of a demo district read back with pypdf, A4 and A5, confidential addresses,
parameters checked in Russian, cache, local-only resources, the command and the links from public pages."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from directory.models import Category, Location, Municipality, Service, ServiceAtLocation
from website.guide import render, selectors
from website.guide.views import guide_cache_key

pytestmark = pytest.mark.django_db

DISTRICT = "mongun-taiginsky"  # a small demo district: a quick booklet
A4 = (595, 842)
A5 = (420, 595)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def pdf_text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return flat("\n".join(page.extract_text() or "" for page in reader.pages)), reader


def flat(text: str) -> str:
    """One line of text; a word broken after its hyphen at a line end («Монгун-\nТайгинский») joined again."""
    return re.sub(r"(?<=\w)- ", "-", " ".join(text.split()))


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def published_in(district: str):
    return (
        ServiceAtLocation.objects.filter(service__status="published", location__municipality__code=district)
        .select_related("service__organization")
        .order_by("service__name")
    )


def test_district_booklet_has_cover_contents_entries_hotlines_and_date(client):
    response = client.get("/guide/", {"district": DISTRICT})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="spravochnik-{DISTRICT}-a4.pdf"'
    text, reader = pdf_text(response.content)
    assert page_size(reader) == A4
    assert len(reader.pages) > 3
    first_page = flat(reader.pages[0].extract_text() or "")
    assert "Справочник помощи семьям с детьми" in first_page
    assert Municipality.objects.get(code=DISTRICT).name in first_page
    assert f"Данные на {timezone.localdate():%d.%m.%Y}" in first_page
    assert "+7 800 200-01-22" in first_page and "112" in first_page
    assert "Демонстрационные данные" in first_page
    assert "Содержание" in text
    entries = list(published_in(DISTRICT))
    assert entries
    for sal in entries:
        assert sal.service.name in text, sal.service.name
        assert sal.service.organization.name in text, sal.service.organization.name
    # grouped by kind of help, in the taxonomy's order
    kinds = [k.name for k in Category.objects.filter(scheme="kind", parent__isnull=True) if k.name in text]
    assert len(kinds) >= 3
    assert [text.index(name) for name in kinds] == sorted(text.index(name) for name in kinds)
    # the hotlines section with the databank's hotline services
    hotlines = text[text.index("Телефоны помощи Служба Телефон") :]
    assert "Детский телефон доверия" in hotlines
    assert "+7 800 200-01-22" in hotlines
    assert "Данные на" in hotlines


def test_contents_gives_the_page_of_every_section(client):
    response = client.get("/guide/", {"district": DISTRICT})
    text, reader = pdf_text(response.content)
    contents = flat(reader.pages[1].extract_text() or "")
    assert "Содержание" in contents
    pages = [flat(page.extract_text() or "") for page in reader.pages]
    listed = re.findall(r"([А-ЯЁ][а-яё]+ помощь) \(\d+\)[ .]*?(\d+)", contents)
    assert len(listed) >= 3
    for title, number in listed:
        assert pages[int(number) - 1].startswith(title), (title, number)
    hotline_page = int(re.search(r"Телефоны помощи[ .]*?(\d+)", contents).group(1))
    assert pages[hotline_page - 1].startswith("Телефоны помощи")


def test_a5_booklet_by_the_command_for_a_life_situation(tmp_path):
    target = tmp_path / "guide.pdf"
    out = io.StringIO()
    call_command(
        "print_guide",
        "--situation",
        "rodilsya-rebenok",
        "--district",
        "kyzyl",
        "--size",
        "a5",
        "-o",
        target,
        stdout=out,
    )
    assert "Записан справочник" in out.getvalue()
    text, reader = pdf_text(target.read_bytes())
    assert page_size(reader) == A5
    first_page = flat(reader.pages[0].extract_text() or "")
    assert "Родился ребёнок" in first_page and "Город Кызыл" in first_page
    assert "+7 800 200-01-22" in text


def test_command_refuses_bad_parameters_in_russian(tmp_path):
    with pytest.raises(CommandError, match="Нет такого района"):
        call_command("print_guide", "--district", "atlantida", "-o", tmp_path / "x.pdf")
    with pytest.raises(CommandError, match="Выберите район, вид помощи или жизненную ситуацию"):
        call_command("print_guide", "-o", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_confidential_address_is_never_printed(client):
    shelter = Location.objects.filter(is_confidential=True).select_related("municipality").first()
    assert shelter is not None
    Location.objects.filter(pk=shelter.pk).update(street="ул. Потайная", house="13", postal_code="667099")
    service = Service.objects.filter(status="published", service_at_locations__location=shelter).first()
    category = service.categories.filter(scheme="measure").first()
    response = client.get("/guide/", {"district": shelter.municipality.code, "category": category.code})
    assert response.status_code == 200
    text, _reader = pdf_text(response.content)
    assert service.name in text
    assert "Адрес не публикуется" in text
    assert "Потайная" not in text and "667099" not in text
    from directory.validators import format_phone

    assert format_phone(shelter.front_door_phone) in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"district": "atlantida"}, "Нет такого района"),
        ({"category": "no-such-help"}, "Нет такого вида помощи"),
        ({"situation": "no-such-page"}, "Нет такой жизненной ситуации"),
        ({"district": DISTRICT, "size": "a3"}, "Формат может быть только A4 или A5"),
        ({"size": "a5"}, "Выберите район, вид помощи или жизненную ситуацию"),
    ],
)
def test_bad_parameters_give_a_russian_400_page(client, params, message):
    response = client.get("/guide/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html
    assert "Справочник не составлен" in html


def test_nothing_to_print_gives_a_russian_404_page(client):
    used = Service.categories.through.objects.values_list("category_id", flat=True)
    empty = (
        Category.objects.filter(is_public=True, scheme="measure", children__isnull=True).exclude(pk__in=used).first()
    )
    response = client.get("/guide/", {"district": DISTRICT, "category": empty.code})
    assert response.status_code == 404
    assert "нет опубликованных услуг" in response.content.decode()


def test_rendering_is_rate_limited_per_client(client, settings):
    settings.GUIDE_RATE_LIMIT = 1
    used = Service.categories.through.objects.values_list("category_id", flat=True)
    empty = (
        Category.objects.filter(is_public=True, scheme="measure", children__isnull=True).exclude(pk__in=used).first()
    )
    assert client.get("/guide/", {"district": DISTRICT, "category": empty.code}).status_code == 404
    response = client.get("/guide/", {"district": "kyzyl", "category": empty.code})
    assert response.status_code == 429
    assert "Повторите попытку через минуту" in response.content.decode()


def test_form_page_offers_districts_kinds_situations_and_sizes(client):
    response = client.get("/guide/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="district"' in html and "Монгун-Тайгинский кожуун" in html
    assert 'name="category"' in html and "Психологическая помощь" in html
    assert 'name="situation"' in html and "Родился ребёнок" in html
    assert 'value="a5"' in html
    assert "style=" not in html.split("<main", 1)[-1]


def test_cached_by_parameters_and_data(client):
    district = Municipality.objects.get(code=DISTRICT)
    selection = selectors.Selection(municipality=district)
    key = guide_cache_key(selection, "http://testserver/")
    assert client.get("/guide/", {"district": DISTRICT}).status_code == 200
    cached = cache.get(key)
    assert cached is not None and cached.startswith(b"%PDF")
    assert client.get("/guide/", {"district": DISTRICT}).content == cached
    assert guide_cache_key(selectors.Selection(municipality=district, size="a5"), "http://testserver/") != key
    service = published_in(DISTRICT).first().service
    service.name = "Новое название услуги для справочника"
    service.save()
    assert guide_cache_key(selection, "http://testserver/") != key


def test_entries_are_read_in_a_fixed_number_of_queries():
    small = selectors.Selection(municipality=Municipality.objects.get(code=DISTRICT))
    large = selectors.Selection(municipality=Municipality.objects.get(code="kyzyl"))
    selectors.guide_sections(small)  # the lists the filters check codes against are kept in the process
    counts = []
    for selection in (small, large):
        with CaptureQueriesContext(connection) as queries:
            sections = selectors.guide_sections(selection)
        counts.append(len(queries))
        assert sum(len(s.entries) for s in sections) > 0
    assert counts[0] == counts[1]


def test_every_entry_is_listed_once_under_its_first_kind_of_help():
    selection = selectors.Selection(municipality=Municipality.objects.get(code=DISTRICT))
    sections = selectors.guide_sections(selection)
    services = [entry.service.pk for section in sections for entry in section.entries]
    assert len(services) == len(set(services)) == published_in(DISTRICT).values("service").distinct().count()
    for section in sections:
        for entry in section.entries:
            assert (entry.kinds[0].code if entry.kinds else selectors.OTHER_KIND) == section.code


def test_weasyprint_fetches_nothing_but_local_files_and_data_uris(tmp_path):
    fetcher = render.local_only_fetcher()
    font = (render.FONTS_DIR / "DejaVuSans.ttf").as_uri()
    assert fetcher.fetch(font).read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch(render.qr_data_uri("http://testserver/services/1/")).read(8) == b"\x89PNG\r\n\x1a\n"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in ("http://127.0.0.1:9/logo.png", "https://example.org/font.ttf", "ftp://example.org/x", outside.as_uri()):
        with pytest.raises(render.LocalFetchRefused):
            fetcher.fetch(url)
    # A remote image in the HTML is skipped, the PDF is still made.
    pdf = render.render_pdf('<p>Проверка</p><img src="http://127.0.0.1:9/x.png" alt="">', size="a5")
    assert "Проверка" in pdf_text(pdf)[0]


def test_links_to_the_guide_from_results_and_life_situation(client):
    html = client.get("/services/", {"municipality": DISTRICT}).content.decode()
    assert f"/guide/?district={DISTRICT}" in html
    html = client.get("/services/", {"category": "psy"}).content.decode()
    assert "/guide/?category=psy" in html
    from website.models import LifeSituationPage

    page = LifeSituationPage.objects.live().get(slug="rodilsya-rebenok")
    assert "/guide/?situation=rodilsya-rebenok" in client.get(page.url).content.decode()
