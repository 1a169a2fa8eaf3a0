"""A small referral network: a support organisation, two partners, one outsider, a user per role."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.models import Category, Municipality, Organization, Service
from referrals import services
from referrals.codes import DataCategory, Relation, Role
from referrals.models import Measure, Membership

FAMILY_NAMES = ("Тестова Алдынай Сергеевна", "Тестов Мерген Алдынаевич")
FAMILY_PHONE = "+7 913 555-12-34"
FAMILY_ADDRESS = "г. Кызыл, ул. Конфиденциальная, д. 17"
NARRATIVE = "Мать одна воспитывает сына, потеряла работу"


def cabinet_login(client, user):
    """Sign in as the login view does after both factors: a session plus a verified TOTP device."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def partner_org(name_part: str) -> Organization:
    return (
        Organization.objects.filter(is_network_partner=True, services__accepts_referrals=True)
        .filter(short_name__icontains=name_part)
        .distinct()
        .first()
    ) or Organization.objects.filter(is_network_partner=True, name__icontains=name_part).first()


@dataclass
class Network:
    support: Organization
    partner: Organization
    other_partner: Organization
    outsider: Organization
    users: dict = field(default_factory=dict)
    case: object = None
    consent: object = None
    category: Category = None
    programme: object = None

    def new_referral(self, *, organization=None, steps=(), **extra):
        organization = organization or self.partner
        referral = services.referral_create(
            user=self.users["curator"],
            case=self.case,
            organization=organization,
            category=self.category,
            narrative=NARRATIVE,
            **extra,
        )
        intake = self.users["intake"] if organization == self.partner else self.users["other_intake"]
        actors = {"curator": self.users["curator"], "intake": intake}
        for actor, action, data in steps:
            services.referral_transition(user=actors[actor], referral=referral, action=action, **data)
        referral.refresh_from_db()
        return referral


SEND = ("curator", "send", {})
ACCEPT = ("intake", "accept", {})


def make_user(username, role=None, organization=None):
    user = get_user_model().objects.create_user(username, f"{username}@example.ru", "x-long-password-123")
    if role:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


def ensure_reference_and_demo_data():
    """Transactional tests (run last by pytest-django) find the tables flushed by an earlier one: reload."""
    import importlib

    from django.apps import apps

    from referrals.models import RegionProfile

    if not RegionProfile.objects.exists():  # the federal profile of migration referrals/0009
        importlib.import_module("referrals.migrations.0009_federal_profile_and_stage_dates").load_federal(apps, None)
    if Organization.objects.filter(is_demo=True).exists():
        return

    from demo.databank import load_demo_databank

    importlib.import_module("directory.migrations.0002_reference_data").load(apps, None)
    load_demo_databank()


@pytest.fixture
def network(db) -> Network:
    ensure_reference_and_demo_data()
    support = Organization.objects.get(short_name="КЦСОН города Кызыла")
    partner = Organization.objects.get(short_name="Кризисный центр «Надежда»")
    other = Organization.objects.get(short_name="Детская поликлиника Кызыла")
    outsider = Organization.objects.filter(is_network_partner=False).first()
    for org in (support, partner, other):
        assert org.is_network_partner and org.services.filter(accepts_referrals=True).exists()
    net = Network(support=support, partner=partner, other_partner=other, outsider=outsider)
    net.users = {
        "curator": make_user("t-curator", Role.CURATOR, support),
        "other_curator": make_user("t-curator2", Role.CURATOR, support),
        "head": make_user("t-head", Role.HEAD, support),
        "intake": make_user("t-intake", Role.PARTNER_INTAKE, partner),
        "specialist": make_user("t-specialist", Role.PARTNER_SPECIALIST, partner),
        "other_intake": make_user("t-intake2", Role.PARTNER_INTAKE, other),
        "coordinator": make_user("t-coordinator", Role.COORDINATOR, support),
        "admin": make_user("t-admin", Role.ADMIN, support),
        "partner_admin": make_user("t-admin2", Role.ADMIN, partner),
        "auditor": make_user("t-auditor", Role.AUDITOR, support),
        "outsider": make_user("t-outsider"),
    }
    today = timezone.localdate()
    net.case = services.case_open(
        user=net.users["curator"],
        organization=support,
        curator=net.users["curator"],
        members=[
            {
                "full_name": FAMILY_NAMES[0],
                "birth_date": datetime.date(1990, 5, 1),
                "relation": Relation.MOTHER,
                "phone": FAMILY_PHONE,
            },
            {
                "full_name": FAMILY_NAMES[1],
                "birth_date": today.replace(year=today.year - 12),
                "relation": Relation.CHILD,
            },
        ],
        registration_number="T-1",
        registration_date=today - datetime.timedelta(days=10),
        ground="application",
        district=Municipality.objects.filter(name__icontains="Кызыл").first(),
        categories=["single_parent"],
        circumstances=["unemployment"],
        support_level="crisis",
        contract_number="Д-1",
        contract_date=today - datetime.timedelta(days=9),
        address=FAMILY_ADDRESS,
        narrative=NARRATIVE,
        status="on_support",
    )
    net.consent = services.consent_record(
        user=net.users["curator"],
        case=net.case,
        signed_on=today - datetime.timedelta(days=9),
        signed_by=FAMILY_NAMES[0],
        expires_on=today + datetime.timedelta(days=365),
        data_categories=[DataCategory.CONTACTS, DataCategory.ADDRESS, DataCategory.COMPOSITION, DataCategory.SOCIAL],
        all_partners=True,
    )
    net.category = Category.objects.get(code="psy")
    # Planned referrals follow an approved ИПСС (services.referral_create).
    programme = services.programme_new_version(user=net.users["curator"], case=net.case, from_templates=False)
    Measure.objects.create(
        programme=programme,
        category=net.category,
        description="Консультации психолога для матери",
        deadline=today + datetime.timedelta(days=30),
        zone="partner",
    )
    services.programme_decide(
        user=net.users["head"],
        programme=programme,
        approved=True,
        decided_on=today - datetime.timedelta(days=8),
        protocol_number="1",
    )
    net.programme = programme
    assert Service.objects.filter(organization=partner, accepts_referrals=True).exists()
    return net
