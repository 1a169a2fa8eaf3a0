"""Workspace lists run a fixed number of SQL queries, however many rows the database holds: rendered with N rows
and with 3N rows, the count is the same and under a bound."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.codes import CaseStatus, Relation
from referrals.models import (
    AccessLog,
    FamilyCase,
    FamilyMember,
    HelpRequest,
    Measure,
    Notification,
    Programme,
    Referral,
    ReferralEvent,
)
from referrals.states import State
from tests.query_counts import queries_of

from .conftest import cabinet_login

pytestmark = pytest.mark.django_db
STATES = [State.SENT, State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.DECLINED, State.DRAFT]
SERIAL = itertools.count(1000)


def add_rows(network, n: int) -> None:
    """n more families of the curator, each with a child, an approved programme with a measure, and a referral
    to the partner in a rotating state (some overdue); n notifications and help requests; n access-log rows."""
    today = timezone.localdate()
    curator, intake = network.users["curator"], network.users["intake"]
    cases = FamilyCase.objects.bulk_create(
        FamilyCase(
            organization=network.support,
            registration_number=f"Q-{next(SERIAL)}",
            registration_date=today - datetime.timedelta(days=20),
            ground="application",
            district=network.case.district,
            support_level="basic",
            curator=curator,
            status=CaseStatus.ON_SUPPORT,
            contract_number="Д",
            contract_date=today - datetime.timedelta(days=19),
            address="г. Кызыл, ул. Тестовая, д. 1",
        )
        for _ in range(n)
    )
    FamilyMember.objects.bulk_create(
        FamilyMember(
            case=case, full_name="Тестов Ребёнок", birth_date=datetime.date(2015, 1, 1), relation=Relation.CHILD
        )
        for case in cases
    )
    programmes = Programme.objects.bulk_create(
        Programme(case=case, status="approved", decided_on=today) for case in cases
    )
    measures = Measure.objects.bulk_create(
        Measure(
            programme=programme,
            category=network.category,
            description="Консультации",
            organization=network.partner,
            deadline=today + datetime.timedelta(days=3),
            zone="partner",
        )
        for programme in programmes
    )
    referrals = Referral.objects.bulk_create(
        Referral(
            case=case,
            measure=measure,
            category=network.category,
            organization=network.partner,
            status=STATES[i % len(STATES)],
            respond_by=today - datetime.timedelta(days=1 if i % 2 else -3),
            needed_by=today + datetime.timedelta(days=10),
            narrative="Описание ситуации",
            created_by=curator,
            sent_at=timezone.now(),
            assignee=network.users["specialist"] if i % 3 == 0 else None,
        )
        for i, (case, measure) in enumerate(zip(cases, measures, strict=True))
    )
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral=referral, action="create", to_status=State.DRAFT, actor=curator)
        for referral in referrals
    )
    for user in (curator, intake):
        Notification.objects.bulk_create(
            Notification(
                recipient=user, kind="test", key=f"q-{next(SERIAL)}", text="Новое направление", url="/cabinet/"
            )
            for _ in range(n)
        )
    HelpRequest.objects.bulk_create(
        HelpRequest(
            reference=f"П-{next(SERIAL)}",
            organization=network.support,
            district=network.case.district,
            name="Мама",
            phone="+7 913 000-00-00",
            phone_hash="x",
            message="Нужна помощь",
            consent_at=timezone.now(),
        )
        for _ in range(n)
    )
    AccessLog.objects.bulk_create(
        AccessLog(
            user=curator,
            username=curator.username,
            organization=network.support,
            object_type="familycase",
            object_id=case.pk,
            case=case,
            fields=["case.address"],
            purpose="case",
        )
        for case in cases
    )


def count(client, url):
    return queries_of(client, url)[0]


PAGES = [
    # (user, url name, query string, bound)
    ("intake", "referrals:inbox", "?tab=new", 15),
    ("intake", "referrals:inbox", "?tab=overdue", 15),
    ("intake", "referrals:inbox", "?tab=progress", 15),
    ("intake", "referrals:inbox", "?tab=closed", 15),
    ("specialist", "referrals:inbox", "?tab=progress", 15),
    ("intake", "referrals:home", "", 20),
    ("curator", "referrals:home", "", 20),
    ("head", "referrals:home", "", 25),
    ("curator", "referrals:case_list", "", 15),
    ("head", "referrals:case_list", "", 15),
    ("curator", "referrals:notifications", "", 15),
    ("intake", "referrals:notifications", "", 15),
    ("curator", "referrals:help_requests", "", 15),
    ("head", "referrals:access_log", "", 15),
    ("admin", "referrals:access_log", "", 15),
    ("auditor", "referrals:access_log_network", "", 15),
    ("coordinator", "referrals:figures", "", 40),
]


@pytest.mark.parametrize(("who", "name", "query", "bound"), PAGES)
def test_workspace_list_query_count_is_constant_in_the_number_of_rows(client, network, who, name, query, bound):
    cabinet_login(client, network.users[who])
    url = reverse(name) + query
    add_rows(network, 4)
    client.get(url)  # warm: session, per-process caches
    small = count(client, url)
    add_rows(network, 8)  # 3N rows in all
    large = count(client, url)
    assert small == large <= bound, (small, large)


def test_case_page_query_count_does_not_grow_with_its_referrals(client, network):
    curator = network.users["curator"]
    cabinet_login(client, curator)
    url = reverse("referrals:case", args=[network.case.uuid])
    for _ in range(2):
        network.new_referral()
    client.get(url)
    small = count(client, url)
    for _ in range(4):
        network.new_referral()
    large = count(client, url)
    assert small == large <= 40, (small, large)
