"""What every public page shows whatever the request — the hotline panel, the demo notice, the Wagtail site and its
operator — is kept in the process (core/kept.py): not read again page after page, and an edit shows on the
next page at once."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname

from core import kept, sites
from directory.models import Organization, Phone, Service
from directory.templatetags.directory_tags import phone_display
from search import sync
from website.models import SiteOperator

pytestmark = pytest.mark.django_db

RESULTS = "/services/?q=психолог"
DEMO_NOTICE = 'class="demo-banner"'
OTHER_HOST = "127.0.0.1"  # allowed in tests; the default site is localhost:80 (website/migrations/0002_home_page.py)


def hotline_panel(html: str) -> str:
    return html[html.index('<aside id="hotlines"') : html.index("</aside>", html.index('<aside id="hotlines"'))]


def footer(html: str) -> str:
    return html[html.index('<footer class="site-footer"') :]


def a_hotline() -> Service:
    return Service.objects.filter(status=Service.Status.PUBLISHED, is_hotline=True, phones__isnull=False).first()


def test_a_second_page_reads_none_of_them(client):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(RESULTS).status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("wagtailcore_site", "website_siteoperator", '"directory_organization"."is_demo"', "is_hotline"):
        assert table not in tables


@pytest.mark.parametrize("path", ["/", RESULTS])
def test_a_renamed_hotline_shows_on_the_next_page(client, path):
    hotline = a_hotline()
    assert hotline.name in hotline_panel(client.get(path).content.decode())
    hotline.name = "Линия помощи «Новое имя»"
    hotline.save()
    assert "Линия помощи «Новое имя»" in hotline_panel(client.get(path).content.decode())


def test_a_hotline_number_changed_shows_on_the_next_page(client):
    phone = Phone.objects.filter(service=a_hotline()).first()
    client.get(RESULTS)
    phone.number = "+73942299999"
    phone.save()
    assert phone_display("+73942299999") in hotline_panel(client.get(RESULTS).content.decode())


def test_an_unpublished_hotline_leaves_the_panel_on_the_next_page(client):
    hotline = a_hotline()
    assert hotline.name in hotline_panel(client.get("/").content.decode())
    hotline.status = Service.Status.DRAFT
    hotline.save()
    assert hotline.name not in hotline_panel(client.get("/").content.decode())


def test_the_demo_notice_follows_the_demo_flag(client):
    assert DEMO_NOTICE in client.get(RESULTS).content.decode()
    with sync.bulk():  # as the writers of many rows do: one bump when the block ends
        Organization.objects.filter(is_demo=True).update(is_demo=False)
    assert DEMO_NOTICE not in client.get(RESULTS).content.decode()
    organization = Organization.objects.order_by("pk").first()
    organization.is_demo = True
    organization.save()
    assert DEMO_NOTICE in client.get(RESULTS).content.decode()


def test_an_edit_of_the_operator_shows_on_the_next_page(client):
    client.get(RESULTS)
    operator = SiteOperator.objects.get(site__is_default_site=True)
    operator.name = "Министерство труда и социальной политики Республики Тыва"
    operator.save()
    assert "Министерство труда и социальной политики Республики Тыва" in footer(client.get(RESULTS).content.decode())
    operator.delete()
    assert "site-operator" not in client.get(RESULTS).content.decode()


def test_a_new_site_serves_its_host_on_the_next_page(client):
    """The sites list is kept too: a site added for a host answers that host's next page, with its own operator."""
    default = Site.objects.get(is_default_site=True)
    assert "Оператор другого сайта" not in client.get(RESULTS, HTTP_HOST=OTHER_HOST).content.decode()
    other = Site.objects.create(hostname=OTHER_HOST, port=80, root_page=default.root_page, site_name="Другой")
    SiteOperator.objects.create(site=other, name="Оператор другого сайта")
    assert "Оператор другого сайта" in footer(client.get(RESULTS, HTTP_HOST=OTHER_HOST).content.decode())
    assert "Оператор другого сайта" not in client.get(RESULTS).content.decode()


def test_an_edit_the_page_cache_never_heard_of_shows_after_a_minute(client, monkeypatch):
    """Without a shared cache another process's bump is not seen here: what is kept is read again after a minute."""
    hotline = a_hotline()
    client.get(RESULTS)
    Service.objects.filter(pk=hotline.pk).update(name="Линия без сигнала")  # no signal, no bump
    assert "Линия без сигнала" not in hotline_panel(client.get(RESULTS).content.decode())
    later = time.monotonic() + kept.SECONDS + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    assert "Линия без сигнала" in hotline_panel(client.get(RESULTS).content.decode())


@pytest.mark.parametrize(
    ("hostname", "port"),
    [("localhost", 80), ("localhost", 8080), ("other", 80), ("other", 8000), ("other", 9), ("testserver", 80)],
)
@pytest.mark.parametrize("layout", ["default only", "host on two ports", "host on one other port", "no default"])
def test_the_kept_sites_answer_as_wagtail_does(hostname, port, layout):
    root = Page.objects.get(depth=2, locale__language_code="ru")
    if layout == "host on two ports":
        Site.objects.create(hostname="other", port=80, root_page=root)
        Site.objects.create(hostname="other", port=8000, root_page=root)
    elif layout == "host on one other port":
        Site.objects.create(hostname="other", port=8000, root_page=root)
    elif layout == "no default":
        Site.objects.update(is_default_site=False)
        Site.objects.create(hostname="other", port=80, root_page=root)
        Site.objects.create(hostname="other", port=8000, root_page=root)
    try:
        expected = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        expected = None
    assert sites.site_for_hostname(hostname, port, list(Site.objects.all())) == expected


def test_wagtail_finds_the_site_without_a_query_and_each_request_gets_its_own_copy(rf, django_assert_num_queries):
    Site.find_for_request(rf.get("/"))
    with django_assert_num_queries(0):
        first, second = (Site.find_for_request(rf.get("/")) for _ in range(2))
    assert first == Site.objects.get(is_default_site=True)
    assert first is not second and first.root_page is not second.root_page
