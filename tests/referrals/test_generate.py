"""manage.py generate_referrals: every state, data encrypted as in production and readable with the keys,
deterministic, visible to partners and curators through the policy's selectors, and removable with --clear."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from demo import synthetic_referrals as generate
from referrals import policy, selectors
from referrals.crypto import PREFIX, decrypt_text
from referrals.models import (
    Consent,
    FamilyCase,
    FamilyMember,
    Measure,
    Membership,
    Message,
    Notification,
    Programme,
    Referral,
    ReferralEvent,
)
from referrals.states import ACTIONS, State

from .conftest import cabinet_login

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("generate_referrals", *args, "--force", stdout=out)
    text = out.getvalue()
    return json.loads(text[text.index("{", text.index("{") if "Удалено" not in text else text.index("\n")) :])


def generated_referrals():
    return Referral.objects.filter(case__registration_number__startswith=generate.CASE_PREFIX)


def test_generates_every_state_with_a_consistent_history():
    result = run("--families", "40", "--referrals", "150", "--seed", "7")
    assert result["families"] == 40 and result["referrals"] == 150
    referrals = generated_referrals()
    assert set(referrals.values_list("status", flat=True)) == set(State.values)
    assert Consent.objects.filter(case__registration_number__startswith="ГЕН-").exists()
    assert Programme.objects.filter(case__registration_number__startswith="ГЕН-", status="approved").exists()
    assert Measure.objects.filter(referrals__in=referrals).exists()
    assert Message.objects.filter(referral__in=referrals).exists()
    assert Notification.objects.filter(recipient__username__startswith="gen-").exists()
    for referral in referrals.prefetch_related("events"):
        events = list(referral.events.all())
        assert events[0].action == "create" and events[-1].to_status == referral.status
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
            assert before.to_status in ACTIONS[after.action].sources
            assert after.at >= before.at
        assert (referral.sent_at is None) == (referral.status == State.DRAFT)
        assert (referral.closed_at is not None) == (
            referral.status in {"declined", "completed", "not_completed", "cancelled", "expired"}
        )
        assert referral.status != State.DECLINED or referral.decline_reason
        assert referral.status != State.COMPLETED or referral.outcome


def test_personal_data_is_encrypted_at_rest_and_decrypts():
    run("--families", "5", "--referrals", "10")
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name, birth_date FROM referrals_familymember")
        stored = cursor.fetchall()
        cursor.execute("SELECT narrative FROM referrals_referral WHERE narrative <> ''")
        narratives = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT address FROM referrals_familycase WHERE registration_number LIKE 'ГЕН-%%'")
        addresses = [row[0] for row in cursor.fetchall()]
    assert stored and narratives and addresses
    for value in [v for row in stored for v in row if v] + narratives + addresses:
        assert value.startswith(PREFIX)
        assert decrypt_text(value)
    member = FamilyMember.objects.filter(case__registration_number__startswith="ГЕН-", relation="mother").first()
    assert member.full_name and member.birth_date.year > 1900 and member.phone.startswith("+7")
    assert member.phone_hash


def test_deterministic_for_a_seed_and_clear_removes_everything():
    first = run("--families", "6", "--referrals", "20", "--seed", "3")
    snapshot = sorted(generated_referrals().values_list("status", "urgency", "category_id", "organization_id"))
    second = run("--clear", "--families", "6", "--referrals", "20", "--seed", "3")
    assert first["by_state"] == second["by_state"]
    assert snapshot == sorted(generated_referrals().values_list("status", "urgency", "category_id", "organization_id"))
    call_command("generate_referrals", "--families", "0", "--clear", "--force", stdout=io.StringIO())
    assert not FamilyCase.objects.filter(registration_number__startswith="ГЕН-").exists()
    assert not ReferralEvent.objects.filter(referral__case__registration_number__startswith="ГЕН-").exists()
    assert not Membership.objects.filter(user__username__startswith="gen-").exists()


def test_partners_and_curators_see_them_through_the_selectors_and_pages(client):
    run("--families", "30", "--referrals", "120")
    busiest = generated_referrals().exclude(status=State.DRAFT).values("organization").annotate(n=Count("pk"))
    organization_id = max(busiest, key=lambda row: row["n"])["organization"]
    intake = Membership.objects.get(
        role="partner_intake", user__username__startswith="gen-", organization_id=organization_id
    ).user
    received = Referral.objects.filter(organization__memberships__user=intake).exclude(status=State.DRAFT)
    assert received.exists()
    queryset, counts = selectors.partner_inbox(intake, "closed")
    assert counts["new"] == received.filter(status=State.SENT).count()
    assert set(queryset.values_list("pk", flat=True)) == set(
        received.filter(status__in=["declined", "completed", "not_completed", "cancelled", "expired"]).values_list(
            "pk", flat=True
        )
    )
    assert not Referral.objects.filter(policy.partner_referrals_q(intake), status=State.DRAFT).exists()
    curator = FamilyCase.objects.filter(registration_number__startswith="ГЕН-").first().curator
    desk = selectors.curator_desk(curator)
    assert desk["cases"] and all(case.curator_id == curator.pk for case in desk["cases"])
    assert all(referral.case.curator_id == curator.pk for referral in desk["referrals"])
    cabinet_login(client, intake)
    page = client.get("/cabinet/inbox/?tab=new")
    assert page.status_code == 200
    first = received.filter(status=State.SENT).first()
    if first:
        assert client.get(f"/cabinet/referrals/{first.uuid}/").status_code == 200
    cabinet_login(client, curator)
    assert client.get("/cabinet/").status_code == 200
    assert client.get("/cabinet/cases/").status_code == 200


def test_refuses_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="DEBUG"):
        call_command("generate_referrals", "--families", "1", stdout=io.StringIO())
