"""The case documents (issue 21, point 6): the act of housing inspection (form, page, PDF, encrypted at rest), the ИПСС
as a PDF in the form of appendix 2, and the registers of the organisation for its head (page, PDF, XLSX). Each print
and each register shown writes the access log, one row per case."""

import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from referrals import crypto, procedure, services
from referrals.models import AccessLog, HousingInspection, SecurityEvent

from .conftest import FAMILY_ADDRESS, FAMILY_NAMES, cabinet_login
from .test_case_form_browser_post import rendered_fields

HOUSING = "Двухкомнатная квартира 44 кв. м, собственник — мать"
CONDITIONS = "Чисто, отопление и водоснабжение есть"
CHILD_CONDITIONS = "Отдельная кровать, письменный стол у окна"
CONCLUSION = "Условия удовлетворительные; рекомендовано оформить субсидию на ЖКУ"


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF"), data[:40]
    assert response["Content-Type"] == "application/pdf"
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def logged(purpose, **filters) -> int:
    return AccessLog.objects.filter(purpose=purpose, **filters).count()


def add_inspection(network) -> HousingInspection:
    return procedure.inspection_add(
        user=network.users["curator"],
        case=network.case,
        inspected_on=timezone.localdate() - datetime.timedelta(days=2),
        participants="Мать",
        housing=HOUSING,
        conditions=CONDITIONS,
        child_conditions=CHILD_CONDITIONS,
        conclusion=CONCLUSION,
    )


# -- The act of housing inspection -----------------------------------------------------------------------------


def raw_inspection_columns(pk) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT participants, housing, conditions, child_conditions, conclusion "
            "FROM referrals_housinginspection WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_the_inspection_act_saves_as_the_rendered_form_posts_it_and_is_encrypted_at_rest(client, network):
    cabinet_login(client, network.users["curator"])
    case_html = client.get(reverse("referrals:case", args=[network.case.uuid])).content.decode()
    url = reverse("referrals:inspection_new", args=[network.case.uuid])
    assert url in case_html and "Составить акт обследования" in case_html
    page = client.get(url).content.decode()
    fields = rendered_fields(page)
    assert set(fields) >= {"inspected_on", "participants", "housing", "conditions", "child_conditions", "conclusion"}
    for name in ("inspected_on", "housing", "conditions", "child_conditions", "conclusion"):
        assert f'for="id_{name}"' in page, f"{name} has a label"
    day = timezone.localdate() - datetime.timedelta(days=1)
    fields.update(
        {
            "inspected_on": day.isoformat(),
            "participants": "Мать, сын",
            "housing": HOUSING,
            "conditions": CONDITIONS,
            "child_conditions": CHILD_CONDITIONS,
            "conclusion": CONCLUSION,
        }
    )
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    inspection = network.case.inspections.get()
    assert response.url == reverse("referrals:inspection", args=[inspection.pk])
    assert (inspection.inspected_on, inspection.inspected_by) == (day, network.users["curator"])
    assert (inspection.housing, inspection.conclusion) == (HOUSING, CONCLUSION)

    raw = raw_inspection_columns(inspection.pk)
    for stored, plain in zip(raw, ("Мать, сын", HOUSING, CONDITIONS, CHILD_CONDITIONS, CONCLUSION), strict=True):
        assert stored.startswith(crypto.PREFIX) and plain not in stored and "квартира" not in stored

    before = logged("case", object_type="housinginspection")
    html = client.get(response.url).content.decode()
    assert HOUSING in html and CONCLUSION in html and FAMILY_ADDRESS in html
    assert logged("case", object_type="housinginspection") == before + 1
    case_html = client.get(reverse("referrals:case", args=[network.case.uuid])).content.decode()
    assert f"Акт от {day:%d.%m.%Y}" in case_html
    assert reverse("referrals:inspection_print", args=[inspection.pk]) in case_html


def test_an_inspection_in_the_future_is_refused_with_an_error_summary(client, network):
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:inspection_new", args=[network.case.uuid])
    fields = rendered_fields(client.get(url).content.decode())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    fields.update({"inspected_on": tomorrow.isoformat(), "housing": HOUSING})
    response = client.post(url, fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Есть ошибки в форме" in html and "<title>Ошибка:" in html
    assert 'href="#id_inspected_on"' in html and "Дата обследования не может быть в будущем." in html
    assert 'href="#id_conclusion"' in html, "every missing field is named in the summary"
    assert not HousingInspection.objects.exists()


def test_the_inspection_act_prints_with_the_familys_data_and_is_logged(client, network):
    inspection = add_inspection(network)
    cabinet_login(client, network.users["head"])
    before = logged("document", case=network.case)
    text = pdf_text(client.get(reverse("referrals:inspection_print", args=[inspection.pk])))
    assert "Акт обследования жилищно-бытовых условий семьи".upper() in text
    for value in (FAMILY_NAMES[0], FAMILY_ADDRESS, HOUSING, CHILD_CONDITIONS, CONCLUSION, "С актом ознакомлен(а)"):
        assert value in text, value
    assert "Число членов семьи всего: 2 человека, в том числе несовершеннолетних: 1 человек." in text
    assert logged("document", case=network.case) == before + 1


def test_only_the_case_side_reads_and_writes_acts(client, network):
    inspection = add_inspection(network)
    for role in ("other_curator", "intake", "coordinator"):
        cabinet_login(client, network.users[role])
        for name, args in (
            ("referrals:inspection", [inspection.pk]),
            ("referrals:inspection_print", [inspection.pk]),
            ("referrals:inspection_new", [network.case.uuid]),
        ):
            assert client.get(reverse(name, args=args)).status_code == 404, (role, name)
    services.case_close(
        user=network.users["curator"], case=network.case, reason="family_refused", conclusion="Письменный отказ семьи"
    )
    cabinet_login(client, network.users["curator"])
    assert client.get(reverse("referrals:inspection_new", args=[network.case.uuid])).status_code == 403
    assert client.get(reverse("referrals:inspection_print", args=[inspection.pk])).status_code == 200


# -- The ИПСС in the form of appendix 2 ------------------------------------------------------------------------


def test_the_programme_prints_every_field_of_appendix_2_with_the_marks(client, network):
    case, programme = network.case, network.programme
    measure = programme.measures.get()
    measure.member = case.members.get(relation="mother")
    measure.save()
    services.measure_mark(
        user=network.users["curator"], measure=measure, status="done", result="Мать посетила 4 консультации"
    )
    cabinet_login(client, network.users["curator"])
    html = client.get(reverse("referrals:programme", args=[programme.pk])).content.decode()
    url = reverse("referrals:programme_print", args=[programme.pk])
    assert url in html
    before = logged("document", case=case, object_type="programme")
    text = pdf_text(client.get(url))
    assert logged("document", case=case, object_type="programme") == before + 1
    decided = programme.decided_on.strftime("%d.%m.%Y")
    for value in (
        "ИНДИВИДУАЛЬНАЯ ПРОГРАММА СОЦИАЛЬНОГО СОПРОВОЖДЕНИЯ СЕМЬИ",
        f"№ T-1/1 от {decided}",
        "Ф.И.О. заявителя (представителя семьи)",
        FAMILY_NAMES[0],
        FAMILY_NAMES[1],
        FAMILY_ADDRESS,
        "Категория семьи",
        "☒ Неполная семья",
        "☒ с одним родителем",
        "Состав семьи",
        "Число членов семьи всего: 2 человека, в том числе несовершеннолетних: 1 человек.",
        "Куратор семьи:",
        "Обстоятельства для социального сопровождения семьи",
        "☒ отсутствие работы у родителей",
        "Уровень социального сопровождения",
        "☒ кризисный",
        "Рекомендуемые сроки сопровождения",
        "до 6 месяцев",
        "План работы с семьей",
        "1. Оказание содействия в получении медицинской помощи",
        "4. Оказание содействия в получении психологической помощи",
        "6. Иные виды помощи",
        "4.1",
        "Консультации психолога для матери",
        "Для кого: Тестова Алдынай Сергеевна (мать)",
        f"выполнено {timezone.localdate():%d.%m.%Y}",
        "Результат: Мать посетила 4 консультации",
        f"Утверждена решением межведомственной рабочей группы: протокол № 1 от {decided}",
        "С содержанием индивидуального плана мероприятий согласен",
        f"Директор {network.support.name}",
        "Руководитель службы социального сопровождения",
        "М.П.",
    ):
        assert value in text, value
    assert "☒ многодетная" not in text


def test_the_case_prints_its_current_programme(client, network):
    draft = services.programme_new_version(user=network.users["curator"], case=network.case)
    cabinet_login(client, network.users["curator"])
    case_html = client.get(reverse("referrals:case", args=[network.case.uuid])).content.decode()
    url = reverse("referrals:case_programme_print", args=[network.case.uuid])
    assert url in case_html
    text = pdf_text(client.get(url))
    assert "№ T-1/1" in text and "Утверждена решением" in text, "the approved version, not the newer draft"
    assert (
        AccessLog.objects.filter(purpose="document", object_type="programme").latest("id").object_id
        == network.programme.pk
    )
    text = pdf_text(client.get(reverse("referrals:programme_print", args=[draft.pk])))
    assert "№ T-1/2" in text and "Проект программы" in text


def test_printing_is_for_the_case_side(client, network):
    for role in ("other_curator", "intake", "specialist", "coordinator", "admin"):
        cabinet_login(client, network.users[role])
        for name, args in (
            ("referrals:programme_print", [network.programme.pk]),
            ("referrals:case_programme_print", [network.case.uuid]),
        ):
            assert client.get(reverse(name, args=args)).status_code in (403, 404), (role, name)
    assert not AccessLog.objects.filter(purpose="document").exists()


# -- Registers -------------------------------------------------------------------------------------------------


def accept(network, day):
    network.case.accepted_on = day
    network.case.support_until = day + datetime.timedelta(days=180)
    network.case.save()


def test_the_head_reads_the_primary_register_with_one_log_row_per_case(client, network):
    other = services.case_open(
        user=network.users["other_curator"],
        organization=network.support,
        curator=network.users["other_curator"],
        members=[{"full_name": "Вторая Семья Ивановна", "relation": "mother"}],
        registration_number="T-2",
        registration_date=timezone.localdate(),
        ground="helpline",
        district=network.case.district,
        categories=[],
        circumstances=[],
        support_level="basic",
    )
    cabinet_login(client, network.users["head"])
    home = client.get(reverse("referrals:home")).content.decode()
    url = reverse("referrals:register_primary")
    assert url in home and "Журналы учёта" in home
    before = logged("register")
    html = client.get(url).content.decode()
    assert "Журнал первичного учёта семей" in html and "2 записи" in html
    assert html.index("T-1") < html.index("T-2"), "by registration date"
    for value in (FAMILY_NAMES[0], "Вторая Семья Ивановна", "письменное заявление", "сообщение детского телефона"):
        assert value in html, value
    rows = AccessLog.objects.filter(purpose="register").order_by("id")[before:]
    assert {row.case_id for row in rows} == {network.case.pk, other.pk} and len(rows) == 2


def test_the_departmental_register_lists_the_families_accepted_for_support(client, network):
    day = timezone.localdate() - datetime.timedelta(days=5)
    accept(network, day)
    cabinet_login(client, network.users["head"])
    html = client.get(reverse("referrals:register_departmental")).content.decode()
    assert "Журнал ведомственного учёта" in html and "1 запись" in html
    for value in (FAMILY_NAMES[0], f"{day:%d.%m.%Y}", "кризисный", "с одним родителем"):
        assert value in html, value


def test_registers_download_as_pdf_and_xlsx_and_are_logged_as_exports(client, network):
    accept(network, timezone.localdate() - datetime.timedelta(days=5))
    cabinet_login(client, network.users["head"])
    for name in ("referrals:register_primary", "referrals:register_departmental"):
        before = logged("register", case=network.case)
        text = pdf_text(client.get(reverse(name) + "?format=pdf"))
        assert "T-1" in text and FAMILY_NAMES[0] in text
        response = client.get(reverse(name) + "?format=xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
        assert "T-1" in values and FAMILY_NAMES[0] in values and network.support.name in values
        assert logged("register", case=network.case) == before + 2
    assert SecurityEvent.objects.filter(kind="export", user=network.users["head"]).count() == 4


@pytest.mark.parametrize("role", ["curator", "other_curator", "intake", "coordinator", "admin"])
def test_registers_are_the_heads_only(client, network, role):
    cabinet_login(client, network.users[role])
    assert "Журналы учёта" not in client.get(reverse("referrals:home")).content.decode()
    for name in ("referrals:register_primary", "referrals:register_departmental"):
        assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse(name) + "?format=xlsx").status_code == 403
    assert not AccessLog.objects.filter(purpose="register").exists()
