"""The region profile as data: shipped files, versions by date, stored codes that outlive a profile change, the
working-day clocks of a case across holidays and a profile switch, and caseload limits with a head's override."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.models import Holiday
from referrals import clocks, profiles, services
from referrals.models import CaseloadOverride, ProfileCode, RegionProfile

from .conftest import cabinet_login


@pytest.fixture(autouse=True)
def fresh_profile_cache():
    profiles.clear_cache()
    yield
    profiles.clear_cache()


@pytest.mark.parametrize("name", ["federal", "tatarstan", "tyva", "tula"])
def test_shipped_profile_imports_and_exports_unchanged(db, name):
    data = profiles.shipped_data(name)
    profile = profiles.import_profile(data, valid_from=datetime.date(2030, 1, 1))
    exported = profiles.export_profile(profile)
    for key in ("region", "name", "document", "deadlines", "caseload_rule", "reporting_periods", "sources"):
        assert exported[key] == data[key], key
    for key in ("levels", *profiles.CODE_LISTS):
        assert [item["code"] for item in exported[key]] == [item["code"] for item in data[key]], key
        assert [item["label"] for item in exported[key]] == [item["label"] for item in data[key]], key
    assert [len(t["measures"]) for t in exported["programme_templates"]] == [
        len(t["measures"]) for t in data["programme_templates"]
    ]
    # Read back through a second import: the same rules.
    again = profiles.import_profile(exported, valid_from=datetime.date(2031, 1, 1))
    assert profiles.in_force(datetime.date(2031, 2, 1)).pk == again.pk
    assert profiles.in_force(datetime.date(2030, 6, 1)).region == name


def test_tatarstan_profile_has_its_document_own_rules():
    rules = profiles.shipped_rules("tatarstan")
    assert len(rules.items("circumstances")) == 22
    assert [(lv.code, lv.months, lv.caseload) for lv in rules.levels] == [
        ("adaptation", 12, 8),
        ("basic", 12, 6),
        ("crisis", 6, 4),
    ]
    assert rules.decision_working_days == 10 and rules.post_support_months == 3
    assert any("переезд" in item.label for item in rules.items("closure_reasons"))
    templates = profiles.shipped_data("tatarstan")["programme_templates"]
    assert len(templates) == 8 and all(t["measures"] for t in templates)


def test_a_broken_file_is_refused_with_every_reason_in_russian(db):
    data = profiles.shipped_data("federal")
    data["levels"][1]["code"] = data["levels"][0]["code"]
    data["deadlines"]["decision_working_days"] = "десять"
    data["programme_templates"][0]["measures"][0]["section"] = "xxx"
    with pytest.raises(profiles.ProfileError) as error:
        profiles.import_profile(data, valid_from=datetime.date(2030, 1, 1))
    text = " ".join(error.value.errors)
    assert "повторяется" in text and "целым" in text and "раздел «xxx»" in text
    assert not RegionProfile.objects.filter(valid_from=datetime.date(2030, 1, 1)).exists()


def test_management_command_lists_imports_and_exports(db, tmp_path, capsys):
    call_command("region_profile", "import", "tula", "--valid-from", "2030-01-01")
    call_command("region_profile", "list")
    assert "tula" in capsys.readouterr().out
    out = tmp_path / "tula.json"
    call_command("region_profile", "export", "2030-01-01", "--out", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["region"] == "tula"


def test_a_retired_code_keeps_its_label_and_is_no_longer_offered(network):
    rules = profiles.in_force()
    ProfileCode.objects.filter(profile_id=rules.pk, list="family_categories", code="single_parent").update(retired=True)
    profiles.clear_cache()
    assert "single_parent" not in dict(profiles.in_force().choices("family_categories"))
    assert "single_parent" in dict(profiles.in_force().choices("family_categories", keep=["single_parent"]))
    assert profiles.label("family_categories", "single_parent") == "с одним родителем"


def test_a_new_profile_version_changes_the_lists_and_keeps_old_labels(network, client):
    tatarstan = profiles.shipped_data("tatarstan")
    profiles.import_profile(tatarstan, valid_from=datetime.date(2000, 1, 2))
    rules = profiles.in_force()
    assert rules.region == "tatarstan" and "emergency" not in dict(rules.choices("levels"))
    # The fixture's case was opened under the federal profile: its codes still read.
    assert profiles.label("levels", "emergency") == "экстренный"
    cabinet_login(client, network.users["curator"])
    page = client.get(reverse("referrals:case_new")).content.decode()
    assert "нарушение детско-родительских отношений" in page  # one of 001's 22 circumstances


def test_working_days_skip_weekends_and_holidays():
    calendar = clocks.Calendar(holidays={datetime.date(2031, 1, 6), datetime.date(2031, 1, 7)})
    friday = datetime.date(2031, 1, 3)
    assert calendar.add(friday, 1) == datetime.date(2031, 1, 8)
    assert calendar.add(friday, 10) == datetime.date(2031, 1, 21)
    assert calendar.between(friday, datetime.date(2031, 1, 9)) == 2
    assert calendar.between(datetime.date(2031, 1, 9), friday) == -2


def test_decision_clock_runs_in_working_days_by_the_profile_of_the_application_date(network):
    """001 §4.4: 10 working days from the application; a later profile does not move a running clock."""
    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2031, 1, 1))
    profiles.import_profile(profiles.shipped_data("tyva"), valid_from=datetime.date(2031, 3, 1))
    # 23 Feb 2031 is a Sunday: the day off moves to Monday 24 Feb.
    Holiday.objects.get_or_create(date=datetime.date(2031, 2, 24), defaults={"name": "перенос выходного дня"})
    case = network.case
    case.applied_on = datetime.date(2031, 2, 16)  # Sunday, under the Tatarstan profile
    case.accepted_on = case.family_agreed_on = None
    case.save()
    today = datetime.date(2031, 3, 2)  # the Tyva profile (no decision deadline) applies now
    clock = next(c for c in clocks.case_clocks(case, today) if c.code == "decision")
    # 17–21 and 25–28 Feb, 3 Mar: 10 working days without the weekends and 24 Feb.
    assert clock.due_on == datetime.date(2031, 3, 3)
    assert clock.left == 1 and clock.text == "остался 1 рабочий день"
    late = next(c for c in clocks.case_clocks(case, datetime.date(2031, 3, 6)) if c.code == "decision")
    assert late.is_overdue and late.text == "просрочено на 3 рабочих дня"
    case.applied_on = datetime.date(2031, 3, 2)  # applied under the Tyva profile: no decision clock
    case.save()
    assert "decision" not in [c.code for c in clocks.case_clocks(case, today)]


def test_clock_texts_agree_with_numbers():
    def text(left):
        return clocks.Clock("x", "x", None, None, None, left, "").text

    assert text(3) == "осталось 3 рабочих дня"
    assert text(5) == "осталось 5 рабочих дней"
    assert text(21) == "остался 21 рабочий день"
    assert text(11) == "осталось 11 рабочих дней"
    assert text(0) == "сегодня последний день"
    assert text(-2) == "просрочено на 2 рабочих дня"


def test_case_page_and_list_show_the_clocks(client, network):
    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2000, 1, 2))
    case = network.case
    case.accepted_on = case.family_agreed_on = None
    case.applied_on = datetime.date.today() - datetime.timedelta(days=30)
    case.save()
    cabinet_login(client, network.users["head"])
    page = client.get(reverse("referrals:case", args=[case.uuid])).content.decode()
    assert "Сроки" in page and "просрочено на" in page and "001 §4.4" in page
    listing = client.get(reverse("referrals:case_list")).content.decode()
    assert "просрочено на" in listing


def _second_case(network, curator, level="crisis", **extra):
    return services.case_open(
        user=extra.pop("user", curator),
        organization=network.support,
        curator=curator,
        members=[{"full_name": "Вторая Семья", "relation": "mother"}],
        registration_number=extra.pop("number", "T-2"),
        registration_date=datetime.date.today(),
        ground="application",
        district=network.case.district,
        categories=["large"],
        circumstances=["poverty"],
        support_level=level,
        **extra,
    )


def test_caseload_beyond_the_limit_needs_the_heads_override_with_a_reason(client, network):
    curator, head = network.users["curator"], network.users["head"]
    tatarstan = profiles.shipped_data("tatarstan")
    for level in tatarstan["levels"]:
        level["caseload"] = 1
    profiles.import_profile(tatarstan, valid_from=datetime.date(2000, 1, 2))
    # The curator has one crisis case (the fixture's): at the limit. Another one is refused to the curator…
    with pytest.raises(services.ServiceError) as error:
        _second_case(network, curator)
    assert "руководитель" in str(error.value)
    # …and to the head without a reason; with a reason the head may, and the decision is recorded.
    with pytest.raises(services.ServiceError):
        _second_case(network, curator, user=head)
    # (The head is not a curator of the organisation, so the head assigns through reassignment.)
    other = network.users["other_curator"]
    case = _second_case(network, other, user=other)
    with pytest.raises(services.ServiceError):
        services.case_reassign(user=head, case=case, curator=curator)
    services.case_reassign(user=head, case=case, curator=curator, override_reason="Куратор в отпуске — временно")
    override = CaseloadOverride.objects.get(case=case)
    assert override.approved_by == head and override.curator == curator and "Куратор в отпуске" in override.reason
    with pytest.raises(PermissionError):
        override.delete()
    # The head's form asks for the reason and shows the refusal as a form error.
    cabinet_login(client, head)
    third = _second_case(network, other, user=other, number="T-3")
    url = reverse("referrals:case_reassign", args=[third.uuid])
    response = client.post(url, {"curator": curator.pk, "override_reason": ""})
    assert response.status_code == 200 and "укажите причину" in response.content.decode()


def test_weighted_caseload_counts_levels_together():
    rules = profiles.shipped_rules("federal")
    assert rules.caseload_rule == "weighted"


def test_overdue_decision_is_reminded_to_the_curator_and_escalated_to_the_head(network):
    from referrals import notifications
    from referrals.models import Notification

    profiles.import_profile(profiles.shipped_data("tatarstan"), valid_from=datetime.date(2000, 1, 2))
    case = network.case
    case.applied_on = datetime.date(2031, 3, 3)  # Monday: 10 working days after it → Monday 17 March
    case.accepted_on = case.family_agreed_on = None
    case.save()
    curator, head = network.users["curator"], network.users["head"]

    def decision_notices(user, kind):
        return Notification.objects.filter(recipient=user, kind=kind, key__contains=f"decision:{case.pk}")

    notifications.run_reminders(datetime.date(2031, 3, 13))  # two working days ahead: nothing yet
    assert not decision_notices(curator, "decision").exists()
    notifications.run_reminders(datetime.date(2031, 3, 14))
    assert decision_notices(curator, "decision").count() == 1
    assert not decision_notices(head, "escalation").exists()
    notifications.run_reminders(datetime.date(2031, 3, 18))  # overdue on Tuesday
    notifications.run_reminders(datetime.date(2031, 3, 18))  # and said once
    assert decision_notices(head, "escalation").count() == 1
    text = decision_notices(head, "escalation").get().text
    assert "17.03.2031" in text and "просрочено" in text


def test_administrator_imports_a_profile_file_and_downloads_it(admin_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = profiles.shipped_data("tula")
    upload = SimpleUploadedFile("tula.json", json.dumps(data, ensure_ascii=False).encode(), "application/json")
    response = admin_client.post(
        reverse("region_profile_import"), {"upload": upload, "valid_from": "2030-01-01", "shipped": ""}
    )
    assert response.status_code == 302
    profile = RegionProfile.objects.get(valid_from=datetime.date(2030, 1, 1))
    assert profile.region == "tula"
    download = admin_client.get(reverse("region_profile_export", args=[profile.pk]))
    assert download["Content-Disposition"].endswith('tula-2030-01-01.json"')
    assert json.loads(download.content)["levels"] == profiles.export_profile(profile)["levels"]
    # A broken file: every reason on the page, nothing stored.
    broken = SimpleUploadedFile("x.json", b'{"format": 1, "levels": []}', "application/json")
    page = admin_client.post(reverse("region_profile_import"), {"upload": broken, "shipped": ""})
    assert page.status_code == 200 and "Профиль не загружен" in page.content.decode()
    assert "Перечень «levels» пуст" in page.content.decode()
    assert RegionProfile.objects.count() == 2
    listing = admin_client.get(reverse("wagtailsnippets_referrals_regionprofile:list")).content.decode()
    assert "скачать файл" in listing


@pytest.mark.parametrize("role", ["curator", "head", "intake", "specialist", "coordinator", "admin"])
def test_workspace_roles_cannot_change_or_download_profiles(client, network, role):
    """Profiles are the network administrator's (Wagtail admin permissions), never a workspace role's."""
    user = network.users[role]
    client.force_login(user)
    profile_pk = profiles.in_force().pk
    for url in (
        reverse("region_profile_import"),
        reverse("region_profile_export", args=[profile_pk]),
        reverse("wagtailsnippets_referrals_regionprofile:edit", args=[profile_pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), (role, url, response.status_code)
        if response.status_code == 302:
            assert "/login/" in response.url, (role, url, response.url)
    upload = {"shipped": "tula", "valid_from": "2030-01-01"}
    client.post(reverse("region_profile_import"), upload)
    assert not RegionProfile.objects.filter(valid_from=datetime.date(2030, 1, 1)).exists()
