"""The complete HSDS 3.1 tabular export (issue 25, item 4): all 24 tables with the datapackage's headers, rows
valid against each table's schema, required fields filled from the databank or listed in the export report."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.hsds import export, mapping, validation
from directory.models import Category, Location, Organization, Service, TargetGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return export.build_export()


@pytest.fixture(scope="module")
def package(django_db_setup, django_db_blocker, tmp_path_factory) -> tuple[Path, str]:
    """The demo databank exported once by the command: the folder and the command's output."""
    folder = tmp_path_factory.mktemp("hsds-export") / "csv"
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("hsds_export", str(folder), stdout=out)
    return folder, out.getvalue()


def _read(folder: Path, table: str) -> tuple[list[str], list[dict]]:
    with (folder / mapping.resources()[table]["path"]).open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    header = next(csv.reader([lines[0]])) if lines[0] else []
    return header, list(csv.DictReader(lines)) if header else []


def test_every_hsds_table_is_written_with_the_datapackage_header(package):
    folder, _ = package
    hsds = mapping.datapackage()["resources"]
    assert len(hsds) == 24 and len(mapping.all_tables()) == 24
    for resource in hsds:
        header, _rows = _read(folder, resource["name"])
        assert header == [field["name"] for field in resource["schema"]["fields"]], resource["name"]
    written = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert written["profile"] == "tabular-data-package" and written["version"] == mapping.HSDS_VERSION
    assert written["resources"] == hsds  # name, path, schema (fields, keys) as HSDS 3.1's datapackage has them
    assert {p.name for p in folder.iterdir()} == {r["path"] for r in hsds} | {"datapackage.json", export.REPORT_FILE}


def test_every_row_of_every_table_validates_against_its_hsds_schema(built):
    tables, _report = built
    assert tuple(tables) == mapping.all_tables()
    assert validation.validate_tables(tables) == []
    for table in ("service_area", "metadata", "meta_table_description"):
        assert tables[table], table
    assert {row["name"] for row in tables["meta_table_description"]} == set(mapping.all_tables())


def _required_empty(folder: Path) -> set[tuple[str, str, str]]:
    """Read back from the CSV files: every required column left empty (table, id, field)."""
    empty = set()
    for table in mapping.all_tables():
        _header, rows = _read(folder, table)
        for row in rows:
            empty |= {(table, row.get("id", ""), name) for name in mapping.required(table) if not row.get(name)}
    return empty


def test_the_report_lists_exactly_the_required_fields_left_empty(package):
    folder, _ = package
    report = json.loads((folder / export.REPORT_FILE).read_text(encoding="utf-8"))
    listed = {(gap["table"], gap["id"], gap["field"]) for gap in report["gaps"]}
    assert len(listed) == len(report["gaps"])
    assert listed == _required_empty(folder)
    assert all(gap["why"] for gap in report["gaps"])
    # the address gaps are the exported, non-confidential places with a street or settlement and no postcode
    services = Service.objects.filter(status="published")
    places = Location.objects.filter(organization__services__in=services, is_confidential=False).distinct()
    with_address = places.exclude(street="", house="", settlement=None)
    no_postcode = {str(u) for u in with_address.filter(postal_code="").values_list("uuid", flat=True)}
    assert no_postcode
    assert {gap_id for table, gap_id, name in listed if (table, name) == ("address", "postal_code")} == {
        mapping.derived_id(loc, "address") for loc in no_postcode
    }
    assert {table for table, _id, _name in listed} <= {"address", "organization", "metadata"}


def test_taxonomy_terms_always_have_a_description_own_or_their_name(built):
    tables, report = built
    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    assert all(row["description"] for row in terms.values())
    filled = {entry["id"] for entry in report.filled}
    assert filled and all(terms[term]["description"] == terms[term]["name"] for term in filled)
    for category in Category.objects.filter(is_public=True):
        term = mapping.term_id(category.scheme, category.code)
        assert (term in filled) == (not category.description)
        assert terms[term]["description"] == (category.description or category.name)
    for group in TargetGroup.objects.filter(is_public=True):
        assert (mapping.term_id("target_group", group.code) in filled) == (not group.description)


def test_derived_tables_say_only_what_the_databank_holds(built):
    tables, _report = built
    services = Service.objects.filter(status="published").prefetch_related("service_at_locations__location")
    areas, costs, urls = (
        {(row["service_id"], row["name"]) for row in tables["service_area"]},
        {row["service_id"]: row for row in tables["cost_option"]},
        {row.get("service_id") or row["organization_id"]: row["url"] for row in tables["url"]},
    )
    for service in services:
        svc = str(service.uuid)
        places = {sal.location.municipality.name for sal in service.service_at_locations.all()}
        assert {name for sid, name in areas if sid == svc} == places
        if service.cost == Service.Cost.FREE:
            assert svc not in costs
        else:
            assert costs[svc]["option"] == mapping.COST_TERMS[service.cost]
            assert costs[svc].get("amount_description", "") == service.cost_note
            amount = export.price(service.cost_note) if service.cost == Service.Cost.PAID else None
            assert costs[svc].get("amount") == amount
            assert costs[svc].get("currency") == ("RUB" if amount is not None else None)
        assert urls.get(svc, "") == service.url
    websites = dict(Organization.objects.exclude(website="").values_list("uuid", "website"))
    assert all(urls[str(org)] == site for org, site in websites.items())
    assert any("amount" in row for row in costs.values())
    metadata = {row["resource_id"]: row for row in tables["metadata"]}
    assert set(metadata) == {str(s.uuid) for s in services}
    for empty in ("program", "contact", "funding", "organization_identifier", "service_capacity", "unit"):
        assert tables[empty] == []


@pytest.mark.parametrize(
    ("note", "amount"),
    [
        ("3 000 ₽ в месяц.", 3000),
        ("1 000 ₽ за занятие (45 минут).", 1000),
        ("500 руб. за час", 500),
        ("От 900 ₽ за приём; прейскурант — в регистратуре.", None),  # a lower bound, not the price
        ("Цены — на стенде пункта выдачи.", None),
        ("300 ₽ за занятие, 2 500 ₽ за курс", None),  # two prices: which one is not for the export to choose
        ("Скидка 50 %", None),
    ],
)
def test_a_price_is_read_only_when_the_note_names_exactly_one(note, amount):
    assert export.price(note) == amount


def test_the_command_reports_the_gaps_in_russian(package):
    folder, output = package
    report = json.loads((folder / export.REPORT_FILE).read_text(encoding="utf-8"))
    assert "Обязательные поля, оставленные пустыми" in output and str(folder / export.REPORT_FILE) in output
    assert f"address.postal_code: {sum(1 for g in report['gaps'] if g['field'] == 'postal_code')}" in output
    assert set(report["empty_tables"]) >= {
        "program",
        "contact",
        "funding",
        "organization_identifier",
        "service_capacity",
        "unit",
    }
    assert set(report["empty_tables"]) == {table for table, count in report["tables"].items() if not count}
    assert all(report["empty_tables"].values())
    assert "contact: Банк данных не хранит контактных лиц" in output
