"""HSDS 3.1 import of other publishers' data (issue 25, items 1 and 5): the fixtures in `hsds_publishers/` imitate
publishers of the US and the UK (JSON full objects, JSON lists, tabular packages with and without a usable
datapackage.json), written from the HSDS 3.1 schemas; every object the databank can hold is stored, everything
else is a row error or a warning naming the file, the row and the field — never a traceback."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from directory.hsds import validation
from directory.hsds.importer import UNDETERMINED_NAME, import_tables
from directory.hsds.reader import classify, read_package
from directory.models import (
    UNDETERMINED_MUNICIPALITY,
    Location,
    Municipality,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    Settlement,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "hsds_publishers"


def _load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _counts():
    return {
        "organization": Organization.objects.count(),
        "location": Location.objects.count(),
        "service": Service.objects.count(),
        "service_at_location": ServiceAtLocation.objects.count(),
    }


def _import(path):
    before = _counts()
    report = import_tables(read_package(path))
    stored = {table: count - before[table] for table, count in _counts().items()}
    return report, stored


def test_fixtures_are_valid_hsds_31_where_they_mean_to_be():
    for service in _load("us_full_services.json"):
        assert validation.errors("service", service) == []
    for organization in _load("uk_organisations.json"):
        assert validation.errors("organization", organization) == []
    for taxonomy in _load("taxonomy_list.json"):
        assert validation.errors("taxonomy", taxonomy) == []
    for term in _load("taxonomy_terms.json"):
        assert validation.errors("taxonomy_term", term) == []
    assert validation.errors("service", _load("out_of_range.json")) == []  # the schema has no bounds on latitude


def test_objects_are_typed_by_their_fields():
    assert classify(["id", "service_id", "location_id", "description"]) == "service_at_location"
    assert classify(["id", "name", "description", "uri", "version"]) == "taxonomy"
    assert classify(["id", "code", "name", "description", "taxonomy_id"]) == "taxonomy_term"
    assert classify(["id", "name", "description", "email"]) == "organization"
    assert classify(["id", "name", "status", "organization_id"]) == "service"
    assert classify(["id", "number", "service_id"]) == "phone"
    assert classify(["id", "location_id", "freq", "byday", "opens_at"]) == "schedule"
    assert classify(["colour", "size"]) is None


def test_a_full_service_file_stores_every_object_the_databank_can_hold():
    """Before issue 25: 1 of 7 organisations, places, services and services at a place was stored."""
    report, stored = _import(FIXTURES / "us_full_services.json")
    assert report.errors == []
    assert stored == {"organization": 1, "location": 2, "service": 2, "service_at_location": 2}
    pantry = Service.objects.get(name="Food pantry")
    assert (pantry.age_min, pantry.age_max) == (0, 100)  # a service open to everyone is valid
    assert pantry.cost == Service.Cost.PAID and pantry.cost_note == "$5 per visit, waived on request"
    meals = Service.objects.get(name="Senior meals by phone")
    assert (meals.age_min, meals.age_max, meals.cost) == (60, 120, Service.Cost.PAID)
    office = Location.objects.get(name="SCA Main Street office")
    assert office.organization.name == "Springfield Community Action"  # taken from the services at the place
    assert office.municipality.code == UNDETERMINED_MUNICIPALITY and office.municipality.name == UNDETERMINED_NAME
    assert sorted(Schedule.objects.filter(location=office).values_list("weekday", flat=True)) == [0, 2, 4]
    text = "\n".join(report.warnings)
    assert "район не определён" in text and "Требует внимания после импорта" in text
    assert "postal_code «62701-1234»" in text
    assert "Таблица «cost_option»" in text and "Таблица «funding»" in text  # what is not kept is said
    assert "часы работы у объекта «услуга»" in text  # service-level hours are not kept, and that is said
    assert "Таблица «service»: банк данных не хранит поля" in text and "wait_time (1)" in text
    assert "Таблица «schedule»" in text and "dtstart (2)" in text and "country (1)" in text
    # the place in «не определён» is on the editors' list after the import
    assert office.organization in Organization.objects.filter(locations__municipality__code=UNDETERMINED_MUNICIPALITY)


def test_an_organisation_with_nested_services_and_places_and_a_monthly_schedule():
    report, stored = _import(FIXTURES / "uk_organisations.json")
    assert stored == {"organization": 1, "location": 1, "service": 2, "service_at_location": 2}
    assert Service.objects.get(name="Parenting course").age_max == 99
    assert Service.objects.get(name="Parenting course").cost == Service.Cost.PAID
    [error] = report.errors
    assert error.startswith("uk_organisations.json, объект 1 → locations[1] → schedules[2]")
    assert "поле freq" in error and "MONTHLY" in error


def test_taxonomy_only_files_invent_nothing_and_say_what_they_skipped():
    """Before: a list of taxonomies created two organisations, without a word."""
    for name, said in (("taxonomy_list.json", "Open Eligibility"), ("taxonomy_terms.json", "211 LA County")):
        report, stored = _import(FIXTURES / name)
        assert stored == {"organization": 0, "location": 0, "service": 0, "service_at_location": 0}
        assert report.errors == []
        assert any(said in line and "не используется" in line for line in report.warnings)


def test_files_with_misleading_names_are_read_by_their_content():
    """organizations.json holds services at a place, services.json a place, locations.json a service."""
    report, stored = _import(FIXTURES / "misnamed")
    assert report.errors == []
    assert stored == {"organization": 1, "location": 1, "service": 1, "service_at_location": 1}
    sal = ServiceAtLocation.objects.get(service__name="Homework club")
    assert sal.location.name == "Central library" and sal.note == "Room 2"
    assert sal.location.organization.name == "Manchester Libraries"


def test_out_of_range_values_are_row_errors_and_what_stands_alone_is_stored():
    """Before: the command crashed with an IntegrityError traceback (a settlement was created with the bad
    coordinates before the row was checked)."""
    settlements = Settlement.objects.count()
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="Строк с ошибками: 2"):
        call_command("hsds_import", str(FIXTURES / "out_of_range.json"), stdout=io.StringIO(), stderr=stderr)
    text = stderr.getvalue()
    assert "out_of_range.json, объект 1 → service_at_locations[1] → location" in text
    assert "поле latitude: «123.4» вне допустимого диапазона от −90 до 90" in text
    assert "Адрес (location_id)" in text and "не сохранен (ошибка в out_of_range.json" in text
    assert "услуга «Advice line» сохранена без этого адреса" in text
    assert Service.objects.get(name="Advice line").age_max == 100
    assert Settlement.objects.count() == settlements


def test_dangling_references_fail_only_their_row_and_say_what_was_kept():
    report, stored = _import(FIXTURES / "dangling.json")
    assert stored == {"organization": 1, "location": 0, "service": 1, "service_at_location": 0}
    text = "\n".join(report.errors)
    assert "dangling.json, объект 1" in text and "Организация (organization_id)" in text and "не найдена" in text
    assert "связь не сохранена — услуга «Counselling» сохранена без этого адреса" in text
    assert "признак не сохранён, service" in text
    assert "dangling.json, объект 3" in text and "телефон не сохранён" in text
    assert len(report.errors) == 4


@pytest.mark.parametrize(
    ("package", "said"),
    [("csv_no_datapackage", "datapackage.json нет"), ("csv_url_paths", "указывает на файлы по ссылкам")],
)
def test_a_tabular_package_without_a_usable_datapackage_is_read_from_its_csv_files(package, said):
    """Before: 2 of 8 rows (the services-at-a-place file was not found, places needed a known district)."""
    report, stored = _import(FIXTURES / package)
    assert stored == {"organization": 1, "location": 1, "service": 2, "service_at_location": 1}
    assert any(said in line for line in report.warnings)
    text = "\n".join(report.errors)
    assert "locations.csv, строка 3" in text and "поле latitude: «95.5»" in text
    assert "не сохранен (ошибка в locations.csv, строка 3)" in text  # the chain is explained, not repeated
    assert "phones.csv, строка 3" in text and "не найдена в пакете" in text
    assert Service.objects.get(name="Tax preparation", organization__locations__isnull=False).cost == "paid"


def test_a_datapackage_that_is_a_broken_link_falls_back_to_the_csv_files(tmp_path):
    package = Path(shutil.copytree(FIXTURES / "csv_no_datapackage", tmp_path / "package"))
    (package / "datapackage.json").symlink_to(tmp_path / "nowhere.json")
    tables = read_package(package)
    assert len(tables["service_at_location"]) == 3 and len(tables["service"]) == 2
    assert any("ссылка на несуществующий файл" in line for line in tables.warnings)
    (package / "datapackage.json").unlink()
    (package / "datapackage.json").write_text("<html>not found</html>")
    tables = read_package(package)
    assert len(tables["service_at_location"]) == 3
    assert any("datapackage.json не читается" in line for line in tables.warnings)


def _place(name, **fields):
    return {
        "id": str(__import__("uuid").uuid5(__import__("uuid").NAMESPACE_URL, name)),
        "location_type": "physical",
        "name": name,
        **fields,
    }


def test_a_place_gets_its_district_from_the_address_or_the_coordinates(tmp_path):
    organization = {"id": "0f8f1a52-2d3e-4f7a-9b41-8e0d2c4a7b19", "name": "Фонд", "description": "Помощь семьям."}
    places = [
        _place(
            "По адресу",
            addresses=[
                {
                    "id": "1f8f1a52-2d3e-4f7a-9b41-8e0d2c4a7b19",
                    "address_1": "ул. Ленина, 1",
                    "city": "г. Кызыл",
                    "state_province": "Республика Тыва",
                    "postal_code": "667000",
                    "country": "RU",
                    "address_type": "physical",
                }
            ],
        ),
        _place("По координатам", latitude=51.73, longitude=94.45),
        _place("Далеко", latitude=55.75, longitude=37.62),
    ]
    organization["locations"] = places
    (tmp_path / "org.json").write_text(json.dumps(organization, ensure_ascii=False))
    report = import_tables(read_package(tmp_path / "org.json"))
    assert report.errors == []
    districts = dict(
        Location.objects.filter(organization__uuid=organization["id"]).values_list("name", "municipality__code")
    )
    assert districts == {"По адресу": "kyzyl", "По координатам": "kyzyl", "Далеко": UNDETERMINED_MUNICIPALITY}
    assert Location.objects.get(name="По адресу").settlement.name == "Кызыл"
    text = "\n".join(report.warnings)
    assert "определён по адресу (city «г. Кызыл»" in text and "определён по координатам" in text
    assert Municipality.objects.filter(code=UNDETERMINED_MUNICIPALITY).count() == 1


def test_the_editors_see_what_needs_attention_after_an_import(admin_client):
    import_tables(read_package(FIXTURES / "misnamed"))
    response = admin_client.get("/admin/snippets/directory/organization/?needs_district=true")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Manchester Libraries" in page
    assert not any(org.name in page for org in Organization.objects.exclude(name="Manchester Libraries")[:20])
    assert "needs_district=true" in admin_client.get("/admin/").content.decode()  # the menu item


# ------------------------------------------------------------------ property: never an exception

text = st.text(max_size=30)
some_text = st.text(min_size=1, max_size=30)
uuids = st.uuids().map(str)
number = st.one_of(st.integers(-1, 130), st.floats(-1, 130, allow_nan=False, allow_infinity=False))


def _optional(**fields):
    return st.fixed_dictionaries({}, optional=fields)


address = st.fixed_dictionaries(
    {
        "id": uuids,
        "address_1": text,
        "city": st.one_of(text, st.sampled_from(["Кызыл", "London", "Чадан"])),
        "state_province": text,
        "postal_code": text,
        "country": st.sampled_from(["US", "GB", "RU", "ZZ"]),
        "address_type": st.sampled_from(["physical", "postal", "virtual"]),
    }
)
location = st.builds(
    lambda required, optional: {**required, **optional},
    st.fixed_dictionaries({"id": uuids, "location_type": st.sampled_from(["physical", "postal", "virtual"])}),
    _optional(
        name=text,
        latitude=st.floats(-200, 200, allow_nan=False),
        longitude=st.floats(-400, 400, allow_nan=False),
        addresses=st.lists(address, max_size=2),
        phones=st.lists(st.fixed_dictionaries({"id": uuids, "number": text}), max_size=2),
        schedules=st.lists(
            st.fixed_dictionaries(
                {"id": uuids},
                optional={
                    "freq": st.sampled_from(["WEEKLY", "MONTHLY", "DAILY"]),
                    "byday": st.sampled_from(["MO", "MO,TU", "SA,SU", "1MO", "XX", ""]),
                    "opens_at": st.sampled_from(["09:00", "9:00", "17:30", "25:00"]),
                    "closes_at": st.sampled_from(["18:00", "08:00", "noon"]),
                    "valid_from": st.dates().map(str),
                },
            ),
            max_size=3,
        ),
    ),
)
organization = st.fixed_dictionaries(
    {"id": uuids, "name": some_text, "description": text}, optional={"email": st.emails()}
)
service = st.builds(
    lambda required, optional: {**required, **optional},
    st.fixed_dictionaries(
        {
            "id": uuids,
            "name": st.one_of(some_text, text),
            "status": st.sampled_from(["active", "inactive", "defunct", "temporarily closed"]),
            # mostly a nested organisation (a dangling organization_id is a row error, tested above)
            "organization": st.one_of(organization, organization, organization, st.just(None)),
        }
    ),
    _optional(
        description=text,
        email=st.emails(),
        minimum_age=number,
        maximum_age=number,
        fees_description=text,
        assured_date=st.one_of(st.dates().map(str), text),
        organization_id=uuids,
        phones=st.lists(st.fixed_dictionaries({"id": uuids, "number": some_text}), max_size=2),
        languages=st.lists(st.fixed_dictionaries({"id": uuids}, optional={"name": text, "code": text}), max_size=2),
        cost_options=st.lists(
            st.fixed_dictionaries({"id": uuids}, optional={"amount": number, "currency": text}), max_size=2
        ),
        service_at_locations=st.lists(
            st.fixed_dictionaries({"id": uuids}, optional={"location": location, "description": text}), max_size=2
        ),
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(obj=service)
def test_any_schema_valid_service_imports_or_yields_row_errors_never_an_exception(obj, tmp_path):
    if obj["organization"] is None:
        del obj["organization"]
    assume(validation.errors("service", obj) == [])
    path = tmp_path / "publisher.json"
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    with transaction.atomic():
        report = import_tables(read_package(path))
        stored = Service.objects.filter(uuid=obj["id"]).exists()
        event("service stored" if stored else "service refused with a row error")
        assert stored or any(line.startswith("publisher.json") for line in report.errors)
        for line in report.errors:
            assert line.startswith("publisher.json") and "Traceback" not in line
        transaction.set_rollback(True)
