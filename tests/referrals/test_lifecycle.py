"""A family's path through the workspace, retention, caseload, and the demo workspace."""

import datetime

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.codes import CaseStatus
from referrals.models import AccessLog, DestructionRecord, FamilyMember, Measure, Referral
from referrals.states import State

from .conftest import ACCEPT, FAMILY_NAMES, SEND, cabinet_login


def test_programme_must_be_approved_before_measures_go_out(client, network):
    curator, head = network.users["curator"], network.users["head"]
    programme = services.programme_new_version(user=curator, case=network.case)
    measure = Measure.objects.create(
        programme=programme,
        category=network.category,
        description="Консультации психолога",
        organization=network.partner,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        zone="partner",
    )
    try:
        network.new_referral(measure=measure)
    except services.ServiceError as exc:
        assert "после её утверждения" in str(exc)
    else:
        raise AssertionError("a referral for a measure of an unapproved programme")
    cabinet_login(client, curator)
    response = client.post(
        reverse("referrals:programme_decide", args=[programme.pk]),
        {"decision": "approve", "decided_on": timezone.localdate().isoformat(), "protocol_number": "5"},
    )
    assert response.status_code == 403  # the head of unit signs off
    services.programme_decide(
        user=head, programme=programme, approved=True, decided_on=timezone.localdate(), protocol_number="5"
    )
    referral = network.new_referral(measure=measure, steps=[SEND])
    assert referral.status == State.SENT
    amended = services.programme_new_version(user=curator, case=network.case)
    assert amended.version == programme.version + 1 and amended.status == "draft"
    assert amended.measures.count() == programme.measures.count()


def test_closing_a_case_cancels_open_referrals(network):
    open_one = network.new_referral(steps=[SEND, ACCEPT])
    services.case_close(user=network.users["curator"], case=network.case, reason="goal_reached", conclusion="Итог")
    open_one.refresh_from_db()
    assert open_one.status == State.CANCELLED and network.case.status == CaseStatus.CLOSED


def test_purge_closed_cases_anonymises_and_records_destruction(client, network):
    referral = network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["curator"])
    client.get(reverse("referrals:case", args=[network.case.uuid]))
    services.case_close(user=network.users["curator"], case=network.case, reason="goal_reached", conclusion="Итог")
    network.case.closed_on = timezone.localdate() - datetime.timedelta(days=400)
    network.case.save()
    call_command("purge_closed_cases", "--older-than", "1y", "--by", "инспектор", stdout=open("/dev/null", "w"))  # noqa: SIM115
    names = set(FamilyMember.objects.filter(case=network.case).values_list("full_name", flat=True))
    assert names == {"обезличено"} and not (names & set(FAMILY_NAMES))
    referral.refresh_from_db()
    assert referral.narrative == ""
    # The free texts about the family go too (encrypted or not, they are personal data past retention).
    network.case.refresh_from_db()
    assert network.case.closure_conclusion == ""
    measures = Measure.objects.filter(programme__case=network.case)
    assert measures and all(m.description == "обезличено" and m.responsible_person == "" for m in measures)
    record = DestructionRecord.objects.get()
    assert "T-1" in record.case_reference and record.destroyed_by == "инспектор"
    assert record.log_extract and AccessLog.objects.filter(case=network.case).count() == len(record.log_extract)
    call_command("purge_closed_cases", "--older-than", "1y", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DestructionRecord.objects.count() == 1


def test_caseload_warning_uses_the_regional_profile(network):
    from referrals import profiles
    from referrals.models import ProfileLevel

    curator = network.users["curator"]
    assert services.caseload(curator)["crisis"] == {"label": "кризисный", "count": 1, "limit": 12, "exceeded": False}
    ProfileLevel.objects.filter(profile_id=profiles.in_force().pk, code="crisis").update(caseload=0)
    profiles.clear_cache()  # a queryset update sends no signal
    try:
        assert services.caseload(curator)["crisis"]["limit"] == 0
    finally:
        profiles.clear_cache()


def test_partner_inbox_lists_overdue_first(client, network):
    fresh = network.new_referral(steps=[SEND])
    late = network.new_referral(steps=[SEND])
    Referral.objects.filter(pk=late.pk).update(respond_by=timezone.localdate() - datetime.timedelta(days=1))
    cabinet_login(client, network.users["intake"])
    response = client.get(reverse("referrals:inbox") + "?tab=new")
    ids = [r.pk for r in response.context["referrals"]]
    assert ids.index(late.pk) < ids.index(fresh.pk)
    assert response.context["counts"]["overdue"] == 1


def test_partner_picker_offers_nearest_partners_accepting_referrals(client, network):
    cabinet_login(client, network.users["curator"])
    response = client.get(reverse("referrals:referral_new", args=[network.case.uuid]) + "?category=psy")
    candidates = response.context["candidates"]
    assert candidates
    for candidate in candidates:
        assert candidate["organization"].is_network_partner and candidate["service"].accepts_referrals
    distances = [c["distance_km"] for c in candidates if c["distance_km"] is not None]
    assert distances == sorted(distances)


def test_demo_workspace_has_every_state_and_is_idempotent(db, settings):
    from demo.network import load_demo_network

    settings.DEBUG = True
    first = load_demo_network()
    assert first["created"]
    assert set(Referral.objects.values_list("status", flat=True)) == set(State.values)
    assert load_demo_network()["created"] is False


def test_memberships_are_managed_in_the_admin(admin_client, network):
    response = admin_client.get("/admin/snippets/referrals/membership/")
    assert response.status_code == 200
    assert "t-intake" in response.content.decode()


def test_social_danger_category_stays_inside_the_case(client, network):
    network.case.categories = ["social_danger"]
    network.case.save()
    referral = network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["intake"])
    for url in (
        reverse("referrals:referral", args=[referral.uuid]),
        reverse("referrals:referral_print", args=[referral.uuid]),
    ):
        assert "социально опасн" not in client.get(url).content.decode().lower()
    assert "социально опасн" not in client.get("/services/").content.decode().lower()
    # Asking for it by its code filters nothing: the other filters of the request still apply.
    plain = client.get("/services/", {"free": "on", "category": "psy"}).context["results"].total
    asked = client.get("/services/", {"free": "on", "category": "psy", "target_group": "sop"}).context["results"].total
    assert asked == plain > 0


def test_dashboards_show_overdue_due_soon_and_caseload(client, network):
    curator, head = network.users["curator"], network.users["head"]
    late = network.new_referral(steps=[SEND])
    Referral.objects.filter(pk=late.pk).update(respond_by=timezone.localdate() - datetime.timedelta(days=1))
    programme = services.programme_new_version(user=curator, case=network.case)
    Measure.objects.create(
        programme=programme,
        category=network.category,
        description="Консультация",
        organization=network.partner,
        deadline=timezone.localdate() + datetime.timedelta(days=2),
        zone="partner",
    )
    services.programme_decide(
        user=head, programme=programme, approved=True, decided_on=timezone.localdate(), protocol_number="1"
    )
    cabinet_login(client, curator)
    desk = client.get(reverse("referrals:home")).context["desk"]
    assert [m.description for m in desk["measures_due_soon"]] == ["Консультация"]
    assert desk["measures_by_state"] == {
        "без направления": Measure.objects.filter(programme__case=network.case, programme__status="approved").count()
    }
    cabinet_login(client, head)
    response = client.get(reverse("referrals:home"))
    dashboard = response.context["head"]
    assert late.pk in [r.pk for r in dashboard["overdue"]]
    assert {item["curator"].username for item in dashboard["curators"]} == {"t-curator", "t-curator2"}
    assert "Нагрузка кураторов" in response.content.decode()


def test_a_deactivated_curator_is_not_offered_for_a_case(client, network):
    """Reassignment lists only active curators; a deactivated one cannot be chosen even by a forged post."""
    head, other = network.users["head"], network.users["other_curator"]
    cabinet_login(client, head)
    url = reverse("referrals:case_reassign", args=[network.case.uuid])
    assert other.username in client.get(url).content.decode()
    other.is_active = False
    other.save()
    page = client.get(url).content.decode()
    assert other.username not in page and network.users["curator"].username in page
    response = client.post(url, {"curator": other.pk})
    assert response.status_code == 200 and "Выберите корректный вариант" in response.content.decode()
    network.case.refresh_from_db()
    assert network.case.curator == network.users["curator"]
