"""Spreadsheet import for editors (issue 7, part 3): through the admin pages with a logged-in editor, and the
row-by-row check on its own.

Files are built in the tests (openpyxl for XLSX, text for CSV); the demo databank of the test database gives
the existing organisations, districts, settlements and reference lists.
"""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from directory.models import Location, Organization, Phone, Service, ServiceAtLocation, SpreadsheetImport
from directory.spreadsheet.parse import ParseError, read_table
from directory.spreadsheet.template import COLUMNS, template_csv, template_xlsx
from directory.spreadsheet.validate import ERROR, check_table

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in COLUMNS]
KEYS = [column.key for column in COLUMNS]
UPLOAD = reverse("directory_spreadsheet:upload")
HISTORY = reverse("directory_spreadsheet:history")


def row(**values):
    base = {
        "organization": "Центр «Импортный»",
        "provider_type": "family_centre",
        "municipality": "Город Кызыл",
        "settlement": "Кызыл",
        "street": "ул. Ленина",
        "house": "5",
        "latitude": "51,7191",
        "longitude": "94.4378",
        "phone": "8 (39422) 5-55-55",
        "email": "centre@example.ru",
        "website": "https://centre.example.ru",
        "service": "Семейная медиация",
        "description": "Помогаем договориться.",
        "categories": "psy; A4.3",
        "target_groups": "large",
        "cost": "бесплатно",
        "age_min": "0",
        "age_max": "18",
        "status": "опубликовано",
    }
    base.update(values)
    return [base[key] for key in KEYS]


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for line in rows:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS, delimiter=";", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, name, data, on_duplicate="update"):
    return client.post(UPLOAD, {"file": _file(name, data), "on_duplicate": on_duplicate})


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def commit(client, record, mode="valid_only"):
    return client.post(reverse("directory_spreadsheet:preview", args=[record.pk]), {"mode": mode, "commit": "1"})


@pytest.fixture
def editor(django_user_model):
    """An editor: admin access and add/change permissions on organisations and services, nothing else."""
    user = django_user_model.objects.create_user("redaktor", password="correct-horse-battery")
    group = Group.objects.create(name="Редакторы банка данных")
    codenames = ["add_organization", "change_organization", "add_service", "change_service"]
    group.permissions.set(
        [*Permission.objects.filter(content_type__app_label="directory", codename__in=codenames)]
        + [Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")]
    )
    user.groups.add(group)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# ------------------------------------------------------------------ pages and access


def test_upload_page_offers_both_templates_and_the_menu_item(editor_client):
    page = editor_client.get(UPLOAD)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("directory_spreadsheet:template", args=["xlsx"]) in html
    assert reverse("directory_spreadsheet:template", args=["csv"]) in html
    assert "spreadsheet-import" in editor_client.get(reverse("wagtailadmin_home")).content.decode()

    book = load_workbook(
        io.BytesIO(editor_client.get(reverse("directory_spreadsheet:template", args=["xlsx"])).content)
    )
    assert [cell.value for cell in book.active[1]] == HEADERS
    csv_text = editor_client.get(reverse("directory_spreadsheet:template", args=["csv"])).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(";") == HEADERS


def test_templates_themselves_pass_the_check():
    for name, data in (("t.xlsx", template_xlsx()), ("t.csv", template_csv())):
        result = check_table(read_table(name, data))
        assert not result.file_errors and len(result.rows) == 1
        assert result.rows[0].ok, result.rows[0].messages


def test_users_without_databank_permissions_are_refused(client, django_user_model):
    user = django_user_model.objects.create_user("chitatel", password="correct-horse-battery")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    client.force_login(user)
    home = reverse("wagtailadmin_home")  # Wagtail turns «permission denied» into a redirect with a message
    for response in (
        client.get(UPLOAD),
        client.get(reverse("directory_spreadsheet:template", args=["csv"])),
        client.get(HISTORY),
        client.post(UPLOAD, {"file": _file("a.csv", csv_bytes([row()]))}),
    ):
        assert (response.status_code, response.url) == (302, home)
    assert not SpreadsheetImport.objects.exists()
    assert "spreadsheet-import" not in client.get(reverse("wagtailadmin_home")).content.decode()


# ------------------------------------------------------------------ clean files


@pytest.mark.parametrize("name, make", [("uslugi.xlsx", xlsx), ("uslugi.csv", csv_bytes)])
def test_clean_file_is_previewed_then_committed_and_recorded(editor_client, editor, name, make):
    rows = [
        row(),
        row(service="Консультация юриста", categories="law", phone="+7 394 222-33-44; 8 800 200-01-22"),
        row(street="ул. Кочетова", house="1", service="Группа поддержки", latitude="", longitude=""),
    ]
    response = upload(editor_client, name, make(rows))
    record = SpreadsheetImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("directory_spreadsheet:preview", args=[record.pk])
    assert (record.uploaded_by, record.file_name, record.rows_total, record.rows_valid) == (editor, name, 3, 3)
    assert not Organization.objects.filter(name="Центр «Импортный»").exists()  # the check writes nothing

    preview = editor_client.get(response.url)
    assert preview.status_code == 200
    assert "Семейная медиация" in preview.content.decode()
    assert len(preview.context["check"].valid_rows) == 3

    assert commit(editor_client, record).status_code == 302
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.COMMITTED
    assert record.committed_by == editor and record.mode == "valid_only"
    organization = Organization.objects.get(name="Центр «Импортный»")
    assert organization.provider_type.code == "family_centre" and organization.email == "centre@example.ru"
    assert organization.locations.count() == 2
    services = {s.name: s for s in organization.services.all()}
    assert set(services) == {"Семейная медиация", "Консультация юриста", "Группа поддержки"}
    mediation = services["Семейная медиация"]
    assert mediation.status == "published" and mediation.age_max == 18
    assert {c.code for c in mediation.categories.all()} == {"psy", "A4.3"}
    assert [t.code for t in mediation.target_groups.all()] == ["large"]
    first = organization.locations.get(street="ул. Ленина")
    assert str(first.latitude) == "51.719100"
    assert sorted(first.phones.values_list("number", flat=True)) == ["+73942223344", "+73942255555", "+78002000122"]
    assert ServiceAtLocation.objects.filter(service__organization=organization).count() == 3
    # 1 organisation, 2 places, 3 services, 3 services at a place, 4 phones (5-55-55 again at the second place)
    assert record.created_count == 13 and record.updated_count == 0
    history = editor_client.get(HISTORY).content.decode()
    assert name in history and "загружен" in history and "redaktor" in history


def test_csv_in_windows_1251_with_commas_is_read():
    data = csv_bytes([row()], delimiter=",", encoding="cp1251")
    table = read_table("old-excel.csv", data)
    assert (table.encoding, table.delimiter) == ("Windows-1251", ",")
    result = check_table(table)
    assert result.rows[0].ok, result.rows[0].messages
    assert result.rows[0].values["organization"] == "Центр «Импортный»"


# ------------------------------------------------------------------ errors


def test_errors_in_every_column_are_reported_in_russian_and_nothing_is_written(editor_client):
    bad = row(
        organization="",
        provider_type="НКО неизвестного типа",
        municipality="Атлантида",
        settlement="Кызыл",
        street="у" * 201,
        house="д" * 51,
        latitude="55.75",
        longitude="37.62",
        phone="12-34",
        email="не-почта",
        website="сайт центра",
        service="",
        categories="психология; psy",
        target_groups="марсиане",
        cost="по договорённости",
        age_min="двадцать",
        age_max="19",
        status="на проверке",
    )
    bad_settlement = row(settlement="Шагонар", latitude="51.7", longitude="", description="x")
    bad_ages = row(age_min="10", age_max="5", latitude="", longitude="94.4")
    response = upload(editor_client, "oshibki.xlsx", xlsx([bad, bad_settlement, bad_ages]))
    record = SpreadsheetImport.objects.get()
    preview = editor_client.get(response.url)
    check = preview.context["check"]
    first, second, third = check.rows
    assert first.errors_of("organization") == ["Обязательное поле не заполнено."]
    assert first.errors_of("provider_type") == ["Неизвестный тип организации «НКО неизвестного типа»."]
    assert first.errors_of("municipality") == ["Неизвестный район «Атлантида». Укажите название из справочника."]
    assert first.errors_of("street") == ["Слишком длинное значение: 201 знаков, можно не больше 200."]
    assert first.errors_of("house") == ["Слишком длинное значение: 51 знаков, можно не больше 50."]
    assert first.errors_of("latitude") == [
        "Широта 55.75 вне региона «Республика Тыва» (от 49.5 до 54). Проверьте, не перепутаны ли широта и долгота."
    ]
    assert first.errors_of("longitude") == ["Долгота 37.62 вне региона «Республика Тыва» (от 88.5 до 99.5)."]
    assert first.errors_of("phone") == ["Номер «12-34» не существует: проверьте код города и количество цифр."]
    assert first.errors_of("email") == ["«не-почта» не похоже на адрес электронной почты. Пример: name@example.ru."]
    assert first.errors_of("website") == ["«сайт центра» не похоже на адрес сайта. Пример: https://example.ru."]
    assert first.errors_of("service") == ["Обязательное поле не заполнено."]
    assert first.errors_of("categories") == ["Неизвестная категория помощи «психология»."]
    assert first.errors_of("target_groups") == ["Неизвестная категория семей «марсиане»."]
    assert first.errors_of("cost") == ["«по договорённости»: укажите «бесплатно», «частично бесплатно» или «платно»."]
    assert first.errors_of("age_min") == ["«двадцать»: укажите целое число лет от 0 до 18."]
    assert first.errors_of("age_max") == ["«19»: укажите целое число лет от 0 до 18."]
    assert first.errors_of("status") == ["«на проверке»: укажите «черновик» или «опубликовано»."]
    assert second.errors_of("settlement") == ["Населённый пункт «Шагонар» не найден в районе «Город Кызыл»."]
    assert second.errors_of("longitude") == ["Укажите долготу вместе с широтой (или не указывайте ни одну)."]
    assert third.errors_of("age_max") == ["Возраст «до» меньше возраста «от»."]
    assert third.errors_of("latitude") == ["Укажите широту вместе с долготой (или не указывайте ни одну)."]
    assert {key for key, _message in first.errors} | {"settlement", "description"} == set(KEYS)
    html = preview.content.decode()
    assert "Неизвестный район «Атлантида»" in html
    assert 'aria-describedby="r2-e' in html  # the cell points to its message
    assert record.rows_with_errors == 3 and record.rows_valid == 0

    response = commit(editor_client, record)
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.REFUSED
    assert not Organization.objects.filter(name="Центр «Импортный»").exists()


def test_missing_required_columns_are_named():
    headers = [h for h in HEADERS if not h.startswith(("Район", "Услуга"))]
    data = csv_bytes([["Центр"] + [""] * (len(headers) - 1)], headers=headers)
    result = check_table(read_table("a.csv", data))
    assert result.file_errors == [
        "Нет обязательного столбца «Район». Добавьте его по образцу шаблона.",
        "Нет обязательного столбца «Услуга». Добавьте его по образцу шаблона.",
    ]
    assert result.valid_rows == [] and len(result.error_rows) == 1


def test_duplicates_in_the_file_and_of_existing_records():
    existing = Service.objects.select_related("organization").filter(organization__locations__isnull=False).first()
    organization = existing.organization
    location = organization.locations.select_related("municipality", "settlement").first()
    same_as_existing = row(
        organization=organization.name,
        municipality=location.municipality.name,
        settlement=location.settlement.name if location.settlement else "",
        street=location.street,
        house=location.house,
        latitude="",
        longitude="",
        service=existing.name,
    )
    rows = [row(), row(phone=""), same_as_existing]
    data = csv_bytes(rows)

    updating = check_table(read_table("d.csv", data))
    assert updating.rows[1].errors_of("service") == [
        "Повторяет строку 2: та же услуга той же организации по тому же адресу."
    ]
    assert updating.rows[2].ok and updating.rows[2].updates_service.pk == existing.pk
    assert "Такая услуга у организации уже есть: будет обновлено." in updating.rows[2].notes
    assert "Организация и адрес уже есть в банке данных: к ним добавится услуга." in updating.rows[2].notes

    refusing = check_table(read_table("d.csv", data), on_duplicate=ERROR)
    assert refusing.rows[2].errors_of("service") == [
        f"Услуга «{existing.name}» организации «{organization.name}» уже есть в банке данных."
    ]


# ------------------------------------------------------------------ empty and not a table


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("pustoy.xlsx", b"", "Файл пустой: в нём нет ни заголовка, ни строк."),
        ("pustoy.csv", b"\n\n", "Файл пустой: в нём нет ни заголовка, ни строк."),
        ("kartinka.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "Файл не удалось прочитать как таблицу Excel (.xlsx)"),
        ("kartinka.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "Загрузите таблицу в формате XLSX или CSV"),
        ("staryy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Это файл старого формата Excel (.xls)"),
        ("arkhiv.xlsx", b"PK\x03\x04" + b"\x00" * 64, "Файл не удалось прочитать как таблицу Excel (.xlsx)"),
        ("binary.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "Файл не похож на текстовую таблицу CSV"),
    ],
)
def test_empty_file_and_not_a_spreadsheet_get_a_clear_message_and_nothing_is_kept(editor_client, name, data, message):
    organizations = Organization.objects.count()
    response = upload(editor_client, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not SpreadsheetImport.objects.exists()
    assert Organization.objects.count() == organizations


def test_header_only_file_is_recorded_with_a_clear_message_and_cannot_be_committed(editor_client):
    response = upload(editor_client, "tolko-zagolovok.xlsx", xlsx([]))
    preview = editor_client.get(response.url)
    assert "В файле нет ни одной строки с данными — только заголовок." in preview.content.decode()
    record = SpreadsheetImport.objects.get()
    commit(editor_client, record)
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.REFUSED and record.created_count == 0


def test_a_file_without_any_template_header_is_refused():
    with pytest.raises(ParseError, match="В первой строке нет ни одного заголовка шаблона"):
        read_table("chuzhoy.csv", "Фамилия;Имя\nИванов;Иван\n".encode())


# ------------------------------------------------------------------ modes and rollback


def mixed_file() -> bytes:
    return xlsx([row(), row(service="Консультация юриста", phone="12-34"), row(service="Группа поддержки")])


def test_valid_only_writes_the_good_rows_and_skips_the_bad(editor_client):
    upload(editor_client, "smes.xlsx", mixed_file())
    record = SpreadsheetImport.objects.get()
    commit(editor_client, record, mode="valid_only")
    record.refresh_from_db()
    assert (record.status, record.rows_valid, record.rows_with_errors) == ("committed", 2, 1)
    names = set(Service.objects.filter(organization__name="Центр «Импортный»").values_list("name", flat=True))
    assert names == {"Семейная медиация", "Группа поддержки"}


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(editor_client):
    upload(editor_client, "smes.xlsx", mixed_file())
    record = SpreadsheetImport.objects.get()
    response = commit(editor_client, record, mode="all_or_nothing")
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.REFUSED
    assert not Organization.objects.filter(name="Центр «Импортный»").exists()
    assert "ничего не загружено" in editor_client.get(response.url).content.decode()


def test_all_or_nothing_writes_a_clean_file(editor_client):
    upload(editor_client, "chisto.csv", csv_bytes([row(), row(service="Группа поддержки")]))
    record = SpreadsheetImport.objects.get()
    commit(editor_client, record, mode="all_or_nothing")
    record.refresh_from_db()
    assert record.status == "committed"
    assert Service.objects.filter(organization__name="Центр «Импортный»").count() == 2


def test_cancel_without_writing(editor_client):
    upload(editor_client, "chisto.csv", csv_bytes([row()]))
    record = SpreadsheetImport.objects.get()
    editor_client.post(reverse("directory_spreadsheet:preview", args=[record.pk]), {"cancel": "1"})
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.CANCELLED
    assert commit(editor_client, record).status_code == 302
    assert not Organization.objects.filter(name="Центр «Импортный»").exists()


def test_rollback_deletes_created_records_and_restores_updated_ones(editor_client, editor):
    existing = Service.objects.select_related("organization").filter(cost="free").first()
    before = (existing.description, existing.cost, existing.status, set(existing.categories.all()))
    location_count, phone_count = Location.objects.count(), Phone.objects.count()
    update_row = row(
        organization=existing.organization.name,
        service=existing.name,
        description="Новое описание из таблицы",
        cost="платно",
        categories="law",
        street="ул. Новая",
        house="99",
    )
    upload(editor_client, "s-obnovleniem.xlsx", xlsx([row(), update_row]))
    record = SpreadsheetImport.objects.get()
    commit(editor_client, record)
    record.refresh_from_db()
    assert record.updated_count == 1
    existing.refresh_from_db()
    assert (existing.description, existing.cost) == ("Новое описание из таблицы", "paid")
    assert [c.code for c in existing.categories.all()] == ["law"]
    assert Location.objects.count() == location_count + 2  # a new place of the existing organisation too

    confirm = editor_client.get(reverse("directory_spreadsheet:rollback", args=[record.pk]))
    assert confirm.status_code == 200 and "Да, отменить загрузку" in confirm.content.decode()
    response = editor_client.post(reverse("directory_spreadsheet:rollback", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.ROLLED_BACK and record.rolled_back_by == editor
    existing.refresh_from_db()
    assert (existing.description, existing.cost, existing.status, set(existing.categories.all())) == before
    assert not Organization.objects.filter(name="Центр «Импортный»").exists()
    assert (Location.objects.count(), Phone.objects.count()) == (location_count, phone_count)
    assert not ServiceAtLocation.objects.filter(location__street="ул. Новая").exists()
    # a second rollback is refused with a message and changes nothing
    editor_client.post(reverse("directory_spreadsheet:rollback", args=[record.pk]))
    assert (
        "нельзя отменить"
        in editor_client.get(reverse("directory_spreadsheet:rollback", args=[record.pk])).content.decode()
    )


def test_stored_file_can_be_downloaded_from_the_history(editor_client):
    data = csv_bytes([row()])
    upload(editor_client, "chisto.csv", data)
    record = SpreadsheetImport.objects.get()
    assert editor_client.get(reverse("directory_spreadsheet:file", args=[record.pk])).content == data


# ------------------------------------------------------------------ size


def test_a_file_of_5000_rows_completes(editor_client):
    rows = [
        row(
            organization=f"Центр № {n // 5}",
            service=f"Услуга {n % 5}",
            house=str(n // 5),
            phone=f"+7 39422 {10000 + n // 5}",
        )
        for n in range(5000)
    ]
    response = upload(editor_client, "bolshoy.xlsx", xlsx(rows))
    record = SpreadsheetImport.objects.get()
    assert (record.rows_total, record.rows_valid) == (5000, 5000)
    assert editor_client.get(response.url).status_code == 200
    commit(editor_client, record)
    record.refresh_from_db()
    assert record.status == "committed"
    assert Service.objects.filter(organization__name__startswith="Центр № ").count() == 5000
    assert record.created_count == 1000 + 1000 + 5000 + 5000 + 1000


def test_rollback_is_refused_as_a_whole_when_a_created_record_is_protected(editor_client):
    from django.utils import timezone

    from referrals.models import HelpRequest

    upload(editor_client, "chisto.csv", csv_bytes([row()]))
    record = SpreadsheetImport.objects.get()
    commit(editor_client, record)
    organization = Organization.objects.get(name="Центр «Импортный»")
    HelpRequest.objects.create(
        reference="T-0001",
        organization=organization,
        district=organization.locations.get().municipality,
        name="Анна",
        phone="+79000000000",
        message="Нужна помощь",
        consent_at=timezone.now(),
    )
    response = editor_client.post(reverse("directory_spreadsheet:rollback", args=[record.pk]), follow=True)
    assert "Импорт нельзя отменить: на созданные им записи уже ссылаются другие данные" in response.content.decode()
    record.refresh_from_db()
    assert record.status == SpreadsheetImport.Status.COMMITTED
    assert organization.services.filter(name="Семейная медиация").exists()  # nothing deleted
    assert Phone.objects.filter(location__organization=organization).exists()
