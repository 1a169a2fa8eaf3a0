"""HSDS 3.1 export and import: schema validation, round trip on the demo databank, broken packages."""

import csv
import filecmp
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.hsds import export, mapping, validation
from directory.hsds.importer import import_tables
from directory.hsds.reader import read_package
from directory.models import Location, Organization, Service

pytestmark = pytest.mark.django_db


def _empty_databank():
    Organization.objects.all().delete()


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == [], mismatch


@pytest.fixture(scope="module")
def tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return export.build_tables()


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Path]:
    """The demo databank exported once per module by the command (CSV validated, JSON), read-only for tests."""
    root = tmp_path_factory.mktemp("hsds")
    with django_db_blocker.unblock():
        call_command("hsds_export", str(root / "csv"))
        call_command("hsds_export", str(root / "json"), "--format", "json", "--no-validate")
    return {"csv": root / "csv", "json": root / "json"}


def _copy(source: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(source, tmp_path / source.name))


def test_schema_files_ship_with_their_licence():
    assert (mapping.SCHEMA_DIR / "LICENSE").read_text().count("Attribution-ShareAlike 4.0")
    assert (mapping.SCHEMA_DIR / "service.json").exists()


def test_validator_rejects_a_bad_object():
    assert validation.errors("service", {"id": "not-a-uuid", "status": "active"})
    assert not validation.errors("taxonomy", {"id": mapping.taxonomy_id("kind"), "name": "n", "description": ""})


def test_export_validates_against_hsds_schemas(tables):
    assert validation.validate_tables(tables) == []
    assert validation.validate_nested(export.nest(tables)) == []


def test_export_never_publishes_drafts_or_confidential_addresses(tables):
    ids = {row["id"] for row in tables["service"]}
    assert ids == {str(u) for u in Service.objects.filter(status="published").values_list("uuid", flat=True)}
    confidential = {str(u) for u in Location.objects.filter(is_confidential=True).values_list("uuid", flat=True)}
    assert confidential
    exported_confidential = [row for row in tables["location"] if row["id"] in confidential]
    assert exported_confidential
    assert all("latitude" not in row and "transportation" not in row for row in exported_confidential)
    assert not [row for row in tables["address"] if row["location_id"] in confidential]
    phones = [row for row in tables["phone"] if row.get("location_id") in confidential]
    assert all(row["description"] == mapping.FRONT_DOOR_PHONE for row in phones)
    text = json.dumps(tables, default=str)
    for location in Location.objects.filter(is_confidential=True).exclude(street=""):
        assert location.street not in text
    assert "referral" not in text and "is_network_partner" not in text


def test_csv_export_writes_a_tabular_data_package(exported):
    folder = exported["csv"]
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    assert {r["path"] for r in package["resources"]} <= {p.name for p in folder.iterdir()}
    with (folder / "services.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == set(mapping.columns("service"))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_export_import_export_gives_identical_files(exported, tmp_path, fmt):
    first, second = exported[fmt], tmp_path / "second"
    _empty_databank()
    assert not Service.objects.exists()
    report = import_tables(read_package(first))
    assert report.errors == []
    assert report.created["service"] == len(export.build_tables()["service"])
    call_command("hsds_export", str(second), "--format", fmt, "--no-validate")
    _same_files(first, second)


def test_import_again_updates_instead_of_duplicating(exported):
    before = Service.objects.count(), Location.objects.count()
    report = import_tables(read_package(exported["csv"]))
    assert report.errors == [] and not report.created.get("service")
    assert [line for line in report.warnings if "не хранит" in line] == []  # the own export loses nothing
    assert (Service.objects.count(), Location.objects.count()) == before


def _broken_package(exported, tmp_path) -> Path:
    package = _copy(exported["csv"], tmp_path)
    services = package / "services.csv"
    with services.open() as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows[0]["id"] = "not-a-uuid"
    rows[1]["name"] = ""
    rows[2]["organization_id"] = "6c1f0a52-0000-5000-8000-000000000000"
    rows[3]["minimum_age"] = "десять"
    rows[4]["status"] = "unknown"
    with services.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    phones = package / "phones.csv"
    with phones.open() as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows[0]["number"] = "12"
    with phones.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return package


def test_broken_package_all_or_nothing_changes_nothing_otherwise_imports_the_good_rows(exported, tmp_path):
    """One emptied databank for both modes (emptying and importing the demo databank is the slow part)."""
    package = _broken_package(exported, tmp_path)
    _empty_databank()
    errors = io.StringIO()
    with pytest.raises(CommandError, match="Строк с ошибками"):
        call_command("hsds_import", str(package), "--all-or-nothing", stdout=io.StringIO(), stderr=errors)
    text = errors.getvalue()
    for line in (2, 3, 4, 5, 6):
        assert f"services.csv, строка {line}" in text
    assert "phones.csv, строка 2" in text
    assert "не является UUID" in text and "Не заполнены обязательные поля: name" in text
    assert "не найдена" in text and "не число" in text and "Неизвестный статус" in text
    assert not Organization.objects.exists() and not Service.objects.exists()

    report = import_tables(read_package(package))
    assert not report.rolled_back and len([e for e in report.errors if e.startswith("services.csv")]) == 5
    assert Service.objects.count() == len(read_package(package)["service"]) - 5


def test_import_reads_a_hsds_30_style_package_and_json_file(exported, tmp_path):
    services = json.loads((exported["json"] / "services.json").read_text())
    single = tmp_path / "one.json"
    single.write_text(json.dumps(services[0], ensure_ascii=False))
    report = import_tables(read_package(single))
    assert report.errors == [] and report.updated["service"] == 1
    # a 3.0 package: older file name, no datapackage.json
    package = _copy(exported["csv"], tmp_path)
    (package / "datapackage.json").unlink()
    (package / "service_at_location.csv").rename(package / "service_at_locations.csv")
    tables = read_package(package)
    assert tables["service_at_location"]


def test_unreadable_package_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("не пакет")
    with pytest.raises(CommandError, match="нет ни datapackage.json"):
        call_command("hsds_import", str(tmp_path))


def test_an_import_makes_the_cached_public_pages_stale(exported, tmp_path, settings, client):
    # Bulk writes send no model signals: the import itself tells the whole-page cache (core/page_cache.py).
    from django.core.cache import cache

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    url = service.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"

    package = _copy(exported["csv"], tmp_path)
    services_csv = package / "services.csv"
    with services_csv.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    renamed = "Переименовано импортом"
    for line in rows:
        if line["id"] == str(service.uuid):
            line["name"] = renamed
    with services_csv.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_tables(read_package(package))
    assert report.errors == []

    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert renamed in response.content.decode()
    cache.clear()
