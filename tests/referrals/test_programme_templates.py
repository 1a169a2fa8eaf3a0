"""The ИПСС drafted from the region's templates (issue 21, point 4): a first programme proposes the measures of the
template (algorithm) of the family's category; the curator keeps, edits or removes them on the draft; on an approved
programme each measure is marked done or not done with its result, and never on a draft."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import profiles, services
from referrals.codes import MeasureStatus, Relation
from referrals.models import AccessLog, Measure, ProgrammeTemplate

from .conftest import cabinet_login
from .test_case_form_browser_post import rendered_fields

FOSTER_TITLE = "Организация социального сопровождения замещающих семей"


@pytest.fixture
def foster_case(network):
    """A foster family with no programme yet (the network's own case already has an approved one)."""
    today = timezone.localdate()
    return services.case_open(
        user=network.users["curator"],
        organization=network.support,
        curator=network.users["curator"],
        members=[
            {"full_name": "Опекунова Вера Ивановна", "relation": Relation.GUARDIAN},
            {
                "full_name": "Подопечный Лев",
                "relation": Relation.CHILD,
                "birth_date": today.replace(year=today.year - 7),
            },
        ],
        registration_number="F-1",
        registration_date=today - datetime.timedelta(days=3),
        ground="application",
        district=network.case.district,
        categories=["foster"],
        circumstances=["parent_child_crisis"],
        support_level="adaptation",
        contract_number="Д-F",
        contract_date=today - datetime.timedelta(days=2),
        status="on_support",
    )


def foster_template():
    return ProgrammeTemplate.objects.get(profile_id=profiles.in_force().pk, family_category="foster")


def test_a_first_programme_of_a_foster_family_proposes_the_foster_templates_measures(client, network, foster_case):
    template = foster_template()
    assert template.title.startswith(FOSTER_TITLE)
    cabinet_login(client, network.users["curator"])
    response = client.post(reverse("referrals:programme_new", args=[foster_case.uuid]))
    assert response.status_code == 302
    programme = foster_case.programmes.get()
    assert programme.version == 1 and programme.status == "draft"
    proposed = {(m.section, m.description, m.zone) for m in programme.measures.all()}
    expected = {(m.section, m.description, m.zone) for m in template.measures.all()}
    assert proposed == expected and len(expected) > 5
    general = ProgrammeTemplate.objects.get(profile_id=template.profile_id, family_category="*")
    only_general = {m.description for m in general.measures.all()} - {m.description for m in template.measures.all()}
    assert only_general and not only_general & {m.description for m in programme.measures.all()}, (
        "the general template is only for families without a template of their own"
    )

    html = client.get(response.url).content.decode()
    assert FOSTER_TITLE in html, "the page names the template the measures came from"
    for number, title in enumerate(
        [
            "Оказание содействия в получении медицинской помощи",
            "Оказание содействия в получении юридической помощи",
            "Оказание содействия в получении педагогической помощи",
            "Оказание содействия в получении психологической помощи",
            "Оказание содействия в получении социальной помощи",
            "Иные виды помощи",
        ],
        1,
    ):
        assert f"{number}. {title}" in html
    first_psy = programme.measures.filter(section="psy").order_by("deadline", "id").first()
    assert first_psy.description in html
    assert reverse("referrals:measure_edit", args=[first_psy.pk]) in html
    assert reverse("referrals:measure_delete", args=[first_psy.pk]) in html


def test_a_family_without_a_template_of_its_own_gets_the_general_one(network, foster_case):
    foster_case.categories = ["low_income"]  # no algorithm for it in the federal profile
    foster_case.save()
    programme = services.programme_new_version(user=network.users["curator"], case=foster_case)
    general = ProgrammeTemplate.objects.get(profile_id=profiles.in_force().pk, family_category="*")
    assert {m.description for m in programme.measures.all()} == {m.description for m in general.measures.all()}


def test_the_curator_edits_a_proposed_measure_as_the_rendered_form_posts_it(client, network, foster_case):
    curator = network.users["curator"]
    programme = services.programme_new_version(user=curator, case=foster_case)
    measure = programme.measures.order_by("id").first()
    child = foster_case.members.get(relation=Relation.CHILD)
    cabinet_login(client, curator)
    url = reverse("referrals:measure_edit", args=[measure.pk])
    page = client.get(url).content.decode()
    fields = rendered_fields(page)
    assert fields["description"].removeprefix("\n") == measure.description and fields["section"] == measure.section
    assert "Подопечный Лев (ребёнок)" in page, "the target member is chosen among the family's members"
    deadline = timezone.localdate() + datetime.timedelta(days=45)
    fields.update(
        {
            "description": "Обследование ребёнка в детской поликлинике",
            "member": str(child.pk),
            "organization": str(network.other_partner.pk),
            "responsible_person": "Участковый педиатр",
            "deadline": deadline.isoformat(),
        }
    )
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    measure.refresh_from_db()
    assert measure.description == "Обследование ребёнка в детской поликлинике"
    assert (measure.member, measure.organization, measure.deadline) == (child, network.other_partner, deadline)
    html = client.get(reverse("referrals:programme", args=[programme.pk])).content.decode()
    assert "Подопечный Лев (ребёнок)" in html and "Участковый педиатр" in html


def test_a_measure_without_a_section_is_refused_with_the_error_named(client, network, foster_case):
    programme = services.programme_new_version(user=network.users["curator"], case=foster_case)
    measure = programme.measures.first()
    cabinet_login(client, network.users["curator"])
    url = reverse("referrals:measure_edit", args=[measure.pk])
    fields = rendered_fields(client.get(url).content.decode())
    fields["section"] = ""
    response = client.post(url, fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Есть ошибки в форме" in html and 'href="#id_section"' in html
    assert "<title>Ошибка:" in html


def test_the_curator_adds_and_removes_measures_of_the_draft(client, network, foster_case):
    curator = network.users["curator"]
    programme = services.programme_new_version(user=curator, case=foster_case)
    count = programme.measures.count()
    cabinet_login(client, curator)
    page_url = reverse("referrals:programme", args=[programme.pk])
    fields = rendered_fields(client.get(page_url).content.decode())
    fields.update(
        {
            "section": "other",
            "category": str(network.category.pk),
            "description": "Встреча с волонтёрами клуба приёмных семей",
            "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "zone": "family",
        }
    )
    assert client.post(page_url, fields).status_code == 302
    # The text is encrypted (no SQL lookup on it): found among the programme's measures in Python.
    (added,) = [m for m in programme.measures.all() if m.description == "Встреча с волонтёрами клуба приёмных семей"]
    assert added.section == "other" and added.member is None

    removed = programme.measures.exclude(pk=added.pk).first()
    delete_url = reverse("referrals:measure_delete", args=[removed.pk])
    assert "Удалить мероприятие из проекта программы?" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not Measure.objects.filter(pk=removed.pk).exists()
    assert programme.measures.count() == count


def test_an_approved_programme_is_not_edited_but_amended(client, network):
    measure = network.programme.measures.first()
    cabinet_login(client, network.users["curator"])
    assert client.get(reverse("referrals:measure_edit", args=[measure.pk])).status_code == 403
    assert client.post(reverse("referrals:measure_delete", args=[measure.pk])).status_code == 403
    assert Measure.objects.filter(pk=measure.pk).exists()
    cabinet_login(client, network.users["other_curator"])  # not their family: it does not exist for them
    assert client.get(reverse("referrals:measure_edit", args=[measure.pk])).status_code == 404


def mark_url(measure):
    return reverse("referrals:measure_mark", args=[measure.pk])


def test_a_measure_is_marked_done_with_its_result(client, network):
    measure = network.programme.measures.get()
    cabinet_login(client, network.users["curator"])
    html = client.get(reverse("referrals:programme", args=[network.programme.pk])).content.decode()
    assert f'action="{mark_url(measure)}"' in html, "the approved programme offers a form per measure"
    assert f'name="m{measure.pk}-status"' in html and f'name="m{measure.pk}-result"' in html
    fields = rendered_fields(client.get(mark_url(measure)).content.decode())
    assert f"m{measure.pk}-result" in fields
    fields.update({f"m{measure.pk}-status": "done", f"m{measure.pk}-result": "Мать посетила 4 консультации"})
    response = client.post(mark_url(measure), fields)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE and measure.marked_on == timezone.localdate()
    assert measure.result == "Мать посетила 4 консультации"
    html = client.get(reverse("referrals:programme", args=[network.programme.pk])).content.decode()
    assert "выполнено" in html and "Мать посетила 4 консультации" in html
    assert AccessLog.objects.filter(object_type="programme", object_id=network.programme.pk).exists()


def test_not_done_needs_a_result_too(client, network):
    measure = network.programme.measures.get()
    cabinet_login(client, network.users["head"])
    prefix = f"m{measure.pk}"
    response = client.post(mark_url(measure), {f"{prefix}-status": "not_done", f"{prefix}-result": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Напишите результат мероприятия." in html and "Есть ошибки в форме" in html
    assert f'href="#id_{prefix}-result"' in html
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED and not measure.marked_on
    response = client.post(mark_url(measure), {f"{prefix}-result": "Не пришли"})
    assert "Отметьте, выполнено мероприятие или нет." in response.content.decode()
    response = client.post(
        mark_url(measure), {f"{prefix}-status": "not_done", f"{prefix}-result": "Семья отказалась от консультаций"}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.NOT_DONE and measure.result == "Семья отказалась от консультаций"


def test_marking_a_measure_of_a_draft_is_refused(client, network):
    draft = services.programme_new_version(user=network.users["curator"], case=network.case)  # an amendment
    measure = draft.measures.get()
    cabinet_login(client, network.users["curator"])
    html = client.get(reverse("referrals:programme", args=[draft.pk])).content.decode()
    assert mark_url(measure) not in html, "a draft offers no marks"
    prefix = f"m{measure.pk}"
    response = client.post(mark_url(measure), {f"{prefix}-status": "done", f"{prefix}-result": "Сделано"})
    assert response.status_code == 200
    assert "Отмечать выполнение можно только в утверждённой программе." in response.content.decode()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_marks_are_for_the_case_side_of_a_family_on_support(client, network):
    measure = network.programme.measures.get()
    for role, status in (("other_curator", 404), ("intake", 404), ("coordinator", 404)):
        cabinet_login(client, network.users[role])
        assert client.get(mark_url(measure)).status_code == status, role
    network.case.status = "accepted"  # accepted, no contract yet: nothing is carried out
    network.case.save()
    cabinet_login(client, network.users["curator"])
    assert client.get(mark_url(measure)).status_code == 403
    html = client.get(reverse("referrals:programme", args=[network.programme.pk])).content.decode()
    assert mark_url(measure) not in html
