"""Every writer of the databank goes through `search.sync`: after an admin edit posted as the browser posts it, a
directory service call, the HSDS and spreadsheet imports and the synthetic databank, the database engine finds the
change, the cached public pages are stale and the re-index of the distributed index was scheduled (it runs at once
in tests: the OpenSearch index of its own finds the change too)."""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from core import page_cache
from directory import services as directory_services
from directory.hsds.importer import import_tables
from directory.hsds.reader import read_package
from directory.models import Service, ServiceAtLocation
from directory.spreadsheet.template import COLUMNS
from search.engines.database import DatabaseEngine

pytestmark = pytest.mark.django_db


def found(engine, query: str) -> set[int]:
    results = engine.search(query=query, filters={}, near=None, sort="relevance", page=1, per_page=200)
    return {hit.pk for hit in results.hits}


def rows_of(service: Service) -> set[int]:
    return set(ServiceAtLocation.objects.filter(service=service).values_list("pk", flat=True))


def a_published_service() -> Service:
    return Service.objects.filter(status=Service.Status.PUBLISHED, service_at_locations__isnull=False).first()


@pytest.fixture
def index(fresh_opensearch_engine):
    """A distributed index of its own; the database engine is asked directly."""
    return fresh_opensearch_engine


class EditForm(HTMLParser):
    """The controls of the form that posts to `action`, as a browser submits them untouched: inputs with their
    value, checked boxes, the selected options of every select (the first one of a single select without a
    selection), textareas."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.in_form = action, False
        self.fields: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("action") == self.action
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file", "image", "reset"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            else:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in attrs), []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.fields += [(name, value) for value in chosen]
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_form = False

    def handle_data(self, data):
        if self.textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)


def browser_post_data(html: str, action: str, **changes) -> dict[str, list[str]]:
    parser = EditForm(action)
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    assert data, f"no form posts to {action}"
    data.update({name: [value] for name, value in changes.items()})
    return data


def test_an_admin_edit_of_a_service(admin_client, index, django_capture_on_commit_callbacks):
    service = a_published_service()
    url = reverse("wagtailsnippets_directory_service:edit", args=[service.pk])
    data = browser_post_data(admin_client.get(url).content.decode(), url, name="Кружок юных астрономов")
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert found(DatabaseEngine(), "астрономов") == rows_of(service)
    assert found(index, "астрономов") == rows_of(service)
    assert page_cache.current_generation() > generation


def test_a_directory_service_call(index, django_capture_on_commit_callbacks):
    service = a_published_service()
    word = service.name.split()[0]
    assert rows_of(service) <= found(DatabaseEngine(), word)
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        directory_services.service_set_status(service=service, status=Service.Status.DRAFT)
    assert not rows_of(service) & found(DatabaseEngine(), word)
    assert not rows_of(service) & found(index, word)
    assert page_cache.current_generation() > generation


def test_the_hsds_import(index, tmp_path, django_capture_on_commit_callbacks):
    service = a_published_service()
    call_command("hsds_export", str(tmp_path / "package"), "--no-validate")
    services_csv = tmp_path / "package" / "services.csv"
    with services_csv.open(encoding="utf-8", newline="") as source:
        lines = list(csv.DictReader(source))
    for line in lines:
        if line["id"] == str(service.uuid):
            line["name"] = "Кружок юных астрономов"
    with services_csv.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        report = import_tables(read_package(Path(tmp_path / "package")))
    assert report.errors == []
    assert found(DatabaseEngine(), "астрономов") == rows_of(service)
    assert found(index, "астрономов") == rows_of(service)
    assert page_cache.current_generation() > generation


def spreadsheet(**values) -> bytes:
    row = {
        "organization": "Центр «Звездочёт»",
        "provider_type": "family_centre",
        "municipality": "Город Кызыл",
        "settlement": "Кызыл",
        "street": "ул. Ленина",
        "house": "7",
        "phone": "8 (39422) 5-55-56",
        "service": "Кружок юных астрономов",
        "description": "Наблюдаем звёзды всей семьёй.",
        "categories": "psy",
        "target_groups": "large",
        "cost": "бесплатно",
        "status": "опубликовано",
        **values,
    }
    lines = [
        ";".join(column.header for column in COLUMNS),
        ";".join(row.get(column.key, "") for column in COLUMNS),
    ]
    return "\n".join(lines).encode()


def test_the_spreadsheet_import(client, django_user_model, index, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from directory.models import SpreadsheetImport

    editor = django_user_model.objects.create_user("redaktor", password="correct-horse-battery")
    group = Group.objects.create(name="Редакторы банка данных")
    codenames = ["add_organization", "change_organization", "add_service", "change_service"]
    group.permissions.set(
        [*Permission.objects.filter(content_type__app_label="directory", codename__in=codenames)]
        + [Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")]
    )
    editor.groups.add(group)
    client.force_login(editor)
    upload = SimpleUploadedFile("uslugi.csv", spreadsheet())
    client.post(reverse("directory_spreadsheet:upload"), {"file": upload, "on_duplicate": "update"})
    record = SpreadsheetImport.objects.get()
    assert record.rows_valid == 1, record.rows_with_errors
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory_spreadsheet:preview", args=[record.pk]), {"mode": "valid_only", "commit": "1"}
        )
    assert response.status_code == 302
    service = Service.objects.get(name="Кружок юных астрономов")
    assert found(DatabaseEngine(), "астрономов") == rows_of(service) != set()
    assert found(index, "астрономов") == rows_of(service)
    assert page_cache.current_generation() > generation


def test_the_synthetic_databank(index, django_capture_on_commit_callbacks):
    generation = page_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_databank", services=6, seed=7, verbosity=0)
    synthetic = Service.objects.filter(organization__name__endswith="(синт.)", status="published").first()
    query = synthetic.organization.name.split("«")[1].split("»")[0]  # «Full name «title», place (синт.)»
    assert rows_of(synthetic) <= found(DatabaseEngine(), query)
    assert rows_of(synthetic) <= found(index, query)
    assert page_cache.current_generation() > generation
