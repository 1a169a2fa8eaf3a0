"""Demo workspace for local use: a user per role (with a known TOTP secret), families, referrals in every state.

Only for a local machine (`make run`, DEBUG on): the passwords and TOTP secrets are printed in the README.
Idempotent: a second run finds the demo users and changes nothing.
"""

from __future__ import annotations

import base64
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.models import Category, Municipality, Organization
from referrals import procedure, profiles, services
from referrals.codes import AgendaKind, CaseGround, DataCategory, Decision, Relation, Role
from referrals.intake import create_help_request
from referrals.models import Measure, Membership, Referral, RegionProfile

DEMO_PASSWORD = "demo-cabinet-2026"

# username: (role, organisation name, first name, last name)
DEMO_USERS = {
    "kurator": (Role.CURATOR, "КЦСОН города Кызыла", "Айлана", "Монгуш"),
    "kurator2": (Role.CURATOR, "КЦСОН города Кызыла", "Чодураа", "Ондар"),
    "rukovoditel": (Role.HEAD, "КЦСОН города Кызыла", "Сайзана", "Кара-Сал"),
    "priem": (Role.PARTNER_INTAKE, "Кризисный центр «Надежда»", "Оюма", "Донгак"),
    "ispolnitel": (Role.PARTNER_SPECIALIST, "Кризисный центр «Надежда»", "Начын", "Салчак"),
    "priem2": (Role.PARTNER_INTAKE, "Детская поликлиника Кызыла", "Анна", "Иргит"),
    "koordinator": (Role.COORDINATOR, "Ресурсный центр сопровождения семей", "Буян", "Кужугет"),
    "cabinet-admin": (Role.ADMIN, "КЦСОН города Кызыла", "Алдын", "Саая"),
    "auditor": (Role.AUDITOR, "Ресурсный центр сопровождения семей", "Урана", "Седип"),
}


def totp_secret_bytes(username: str) -> bytes:
    return ("demo-totp-" + username).ljust(20, ".")[:20].encode()


def totp_secret_base32(username: str) -> str:
    """What to type into an authenticator app (the README lists these)."""
    return base64.b32encode(totp_secret_bytes(username)).decode()


def ensure_totp_device(user, key_hex: str, name: str = "Приложение-аутентификатор"):
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=name, defaults={"key": key_hex})
    if device.key != key_hex or not device.confirmed:
        device.key = key_hex
        device.confirmed = True
        device.save()
    return device


def _org(name: str) -> Organization:
    return Organization.objects.filter(is_demo=True).get(Q(short_name=name) | Q(name=name))


def _users() -> dict:
    User = get_user_model()
    users = {}
    for username, (role, org_name, first, last) in DEMO_USERS.items():
        organization = _org(org_name)
        if not organization.is_network_partner:
            organization.is_network_partner = True
            organization.save(update_fields=["is_network_partner"])
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.ru"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
        ensure_totp_device(user, totp_secret_bytes(username).hex())
        users[username] = user
    return users


def _family(curator, number, *, level, members, categories, circumstances, contract=True, days_ago=40):
    today = timezone.localdate()
    district = Municipality.objects.filter(name__icontains="Кызыл").order_by("name").first()
    return services.case_open(
        user=curator,
        organization=_org("КЦСОН города Кызыла"),
        curator=curator,
        members=members,
        registration_number=number,
        registration_date=today - datetime.timedelta(days=days_ago),
        ground=CaseGround.APPLICATION,
        district=district,
        categories=categories,
        circumstances=circumstances,
        support_level=level,
        contract_number=f"Д-{number}" if contract else "",
        contract_date=today - datetime.timedelta(days=days_ago - 3) if contract else None,
        address="г. Кызыл, ул. Демонстрационная, д. 1, кв. 1",
        narrative="Вымышленная семья для демонстрации кабинета.",
        status="on_support" if contract else "intake",
    )


@transaction.atomic
def load_demo_network() -> dict:
    if get_user_model().objects.filter(username="kurator", memberships__isnull=False).exists():
        return {"users": len(DEMO_USERS), "created": False}
    _tyva_profile()
    users = _users()
    curator, head = users["kurator"], users["rukovoditel"]
    today = timezone.localdate()
    crisis = _org("Кризисный центр «Надежда»")
    clinic = _org("Детская поликлиника Кызыла")
    psy = Category.objects.get(code="psy")
    med = Category.objects.get(code="med")

    family = _family(
        curator,
        "2026-001",
        level="crisis",
        members=[
            {
                "full_name": "Сарыглар Долаана Демо",
                "birth_date": datetime.date(1992, 3, 14),
                "relation": Relation.MOTHER,
                "phone": "+7 913 000-00-01",
            },
            {"full_name": "Сарыглар Айдын Демо", "birth_date": datetime.date(2013, 9, 2), "relation": Relation.CHILD},
            {"full_name": "Сарыглар Чечек Демо", "birth_date": datetime.date(2019, 1, 20), "relation": Relation.CHILD},
        ],
        categories=["large", "single_parent"],
        circumstances=["parent_child_crisis", "unemployment"],
    )
    second = _family(
        curator,
        "2026-002",
        level="basic",
        members=[
            {
                "full_name": "Ооржак Валентина Демо",
                "birth_date": datetime.date(1988, 6, 1),
                "relation": Relation.MOTHER,
                "phone": "+7 913 000-00-02",
            },
            {"full_name": "Ооржак Эрес Демо", "birth_date": datetime.date(2016, 4, 11), "relation": Relation.CHILD},
        ],
        categories=["low_income"],
        circumstances=["poverty"],
    )
    _family(
        users["kurator2"],
        "2026-003",
        level="emergency",
        members=[
            {"full_name": "Хертек Саглай Демо", "birth_date": datetime.date(2001, 2, 5), "relation": Relation.MOTHER}
        ],
        categories=["refusal_intent"],
        circumstances=["medical_need"],
        contract=False,
        days_ago=2,
    )
    for case in (family, second):
        services.consent_record(
            user=curator,
            case=case,
            signed_on=case.contract_date,
            signed_by=case.members.first().full_name,
            expires_on=today + datetime.timedelta(days=365),
            data_categories=[
                DataCategory.CONTACTS,
                DataCategory.ADDRESS,
                DataCategory.COMPOSITION,
                DataCategory.SOCIAL,
            ],
            all_partners=True,
        )
    programme = services.programme_new_version(user=curator, case=family)
    Measure.objects.create(
        programme=programme,
        category=psy,
        description="Консультации психолога для матери и старшего сына",
        organization=crisis,
        deadline=today + datetime.timedelta(days=60),
        zone="partner",
    )
    Measure.objects.create(
        programme=programme,
        category=med,
        description="Осмотр педиатра младшей дочери",
        organization=clinic,
        deadline=today + datetime.timedelta(days=30),
        zone="partner",
    )
    services.programme_decide(user=head, programme=programme, approved=True, decided_on=today, protocol_number="7")
    second_programme = services.programme_new_version(user=curator, case=second, from_templates=False)
    Measure.objects.create(
        programme=second_programme,
        category=psy,
        description="Консультации психолога для матери",
        organization=crisis,
        deadline=today + datetime.timedelta(days=45),
        zone="partner",
    )
    services.programme_decide(
        user=head, programme=second_programme, approved=True, decided_on=today, protocol_number="7"
    )

    def referral(case, org, category, *steps, **extra):
        item = services.referral_create(
            user=curator,
            case=case,
            organization=org,
            category=category,
            narrative="Семье нужна поддержка: подробности у куратора.",
            **extra,
        )
        for actor, action, data in steps:
            services.referral_transition(user=users[actor], referral=item, action=action, **data)
        return item

    send = ("kurator", "send", {})
    accept = ("priem", "accept", {})
    referral(family, crisis, psy)  # draft
    referral(family, crisis, psy, send, urgency="urgent")  # sent, urgent
    referral(second, crisis, psy, send, accept)
    referral(second, crisis, psy, send, ("priem", "decline", {"decline_reason": "no_capacity"}))
    in_progress = referral(family, crisis, psy, send, accept, ("priem", "start", {}))
    services.referral_assign(
        user=users["priem"],
        referral=in_progress,
        assignee=users["ispolnitel"],
        appointment_at=timezone.now() + datetime.timedelta(days=2),
    )
    referral(family, crisis, psy, send, accept, ("priem", "start", {}), ("priem", "complete", {"outcome": "provided"}))
    referral(second, crisis, psy, send, accept, ("priem", "not_complete", {"not_completed_reason": "unreachable"}))
    referral(second, clinic, med, send, ("kurator", "cancel", {}))
    late = referral(family, clinic, med, send)
    Referral.objects.filter(pk=late.pk).update(respond_by=today - datetime.timedelta(days=1))
    services.expire_overdue(today)
    referral(family, clinic, med, send)  # a fresh one for the clinic's intake
    _procedure(users, family, second)
    return {"users": len(users), "created": True, "referrals": Referral.objects.count()}


TYVA_FROM = datetime.date(2026, 1, 1)


def _tyva_profile() -> None:
    """The demo network is in Tyva: its profile (seed 000) applies from 2026, after the federal default."""
    if not RegionProfile.objects.filter(region="tyva").exists():
        profiles.import_profile(profiles.shipped_data("tyva"), valid_from=min(TYVA_FROM, timezone.localdate()))


def _procedure(users, family, second) -> None:
    """Families at every stage of the procedure, and a consilium with its protocol (001 stages I–VII)."""
    curator, head = users["kurator"], users["rukovoditel"]
    today = timezone.localdate()
    support = _org("КЦСОН города Кызыла")
    district = Municipality.objects.filter(name__icontains="Кызыл").order_by("name").first()

    # I. A family's own request from the site, not yet opened as a case («Открыть случай» in «Обращения»).
    create_help_request(
        name="Демо Саяна",
        phone="+7 913 000-00-07",
        district=district,
        message="Вымышленное обращение: одна воспитываю троих детей, нечем платить за квартиру, нужна помощь.",
    )
    # II–III. A case opened from a request: curator assigned, housing inspected, a draft ИПСС from the templates.
    request = create_help_request(
        name="Демо Чойгана",
        phone="+7 913 000-00-08",
        district=district,
        message="Вымышленное обращение: взяли под опеку племянника, не справляемся с его поведением.",
    )
    foster = services.case_open(
        user=curator,
        organization=support,
        curator=curator,
        members=[
            {"full_name": "Демо Чойгана Опекун", "relation": Relation.GUARDIAN, "phone": "+7 913 000-00-08"},
            {"full_name": "Демо Мерген", "birth_date": datetime.date(2014, 5, 3), "relation": Relation.CHILD},
        ],
        help_request=request,
        registration_number="2026-004",
        registration_date=today - datetime.timedelta(days=4),
        applied_on=today - datetime.timedelta(days=5),
        ground=CaseGround.APPLICATION,
        district=district,
        categories=["foster"],
        circumstances=["parent_child_crisis"],
        support_level="adaptation",
        address="г. Кызыл, ул. Демонстрационная, д. 4, кв. 4",
        narrative=request.message,
    )
    procedure.inspection_add(
        user=curator,
        case=foster,
        inspected_on=today - datetime.timedelta(days=2),
        participants="куратор семьи, опекун",
        housing="Двухкомнатная квартира, 46 м², собственность опекуна.",
        conditions="Чисто, отопление и водоснабжение есть.",
        child_conditions="Отдельная кровать и письменный стол, одежда по сезону.",
        conclusion="Условия удовлетворительные. Рекомендована помощь психолога в адаптации ребёнка.",
    )
    procedure.assessment_done(user=curator, case=foster, day=today - datetime.timedelta(days=1))
    draft = services.programme_new_version(user=curator, case=foster)

    # IV. A held consilium: the foster family accepted with its ИПСС; another family not accepted; a control review.
    refused = services.case_open(
        user=users["kurator2"],
        organization=support,
        curator=users["kurator2"],
        members=[{"full_name": "Демо Айдыс Отец", "relation": Relation.FATHER}],
        registration_number="2026-005",
        registration_date=today - datetime.timedelta(days=12),
        ground=CaseGround.ORGANIZATION,
        district=district,
        categories=["low_income"],
        circumstances=["poverty"],
        support_level="basic",
        narrative="Вымышленная семья: сообщение школы.",
    )
    meeting = procedure.meeting_create(
        user=head,
        organization=support,
        held_on=today,
        number="12",
        place="КЦСОН города Кызыла, каб. 5",
        chair="Кара-Сал С. (директор)",
        secretary="Ондар Ч.",
        participants=[
            {"organization": support, "full_name": "Монгуш А.", "position": "куратор семьи"},
            {"organization": _org("Кризисный центр «Надежда»"), "full_name": "Донгак О.", "position": "психолог"},
            {"organization": _org("Детская поликлиника Кызыла"), "full_name": "Иргит А.", "position": "педиатр"},
        ],
    )
    item = procedure.agenda_add(
        user=head, meeting=meeting, case=foster, kind=AgendaKind.PRIMARY, invited=foster.members.all()
    )
    procedure.agenda_decide(
        user=head,
        item=item,
        decision=Decision.ACCEPT,
        level="adaptation",
        programme=draft,
        family_agreed=True,
        conclusion="Принять на сопровождение, адаптационный уровень; ИПСС утвердить.",
    )
    item = procedure.agenda_add(user=head, meeting=meeting, case=refused, kind=AgendaKind.PRIMARY)
    procedure.agenda_decide(
        user=head,
        item=item,
        decision=Decision.NOT_ACCEPT,
        conclusion="Семья в сопровождении не нуждается: оказана помощь по линии социальной защиты.",
    )
    services.case_update(user=curator, case=family, accepted_on=family.contract_date)
    services.case_update(user=curator, case=second, accepted_on=second.contract_date)
    item = procedure.agenda_add(user=head, meeting=meeting, case=family, kind=AgendaKind.CONTROL)
    procedure.agenda_decide(
        user=head, item=item, decision=Decision.CONTINUE, conclusion="Положительная динамика, продолжить."
    )
    # V. Measures of an approved ИПСС marked done and not done.
    measures = list(family.programmes.get(status="approved").measures.order_by("deadline"))
    services.measure_mark(
        user=curator, measure=measures[0], status="done", result="Проведён осмотр, рекомендации выданы."
    )
    # A planned meeting for the next reviews.
    procedure.meeting_create(
        user=head, organization=support, held_on=today + datetime.timedelta(days=14), number="13", chair="Кара-Сал С."
    )
    # VII. A family whose support ended and who is removed from the register.
    closed = services.case_open(
        user=curator,
        organization=support,
        curator=curator,
        members=[{"full_name": "Демо Шончалай Мать", "relation": Relation.MOTHER}],
        registration_number="2025-031",
        registration_date=today - datetime.timedelta(days=300),
        ground=CaseGround.APPLICATION,
        district=district,
        categories=["single_parent"],
        circumstances=["unemployment"],
        support_level="crisis",
        contract_number="Д-2025-031",
        contract_date=today - datetime.timedelta(days=295),
        narrative="Вымышленная семья: мать нашла работу, дети посещают секцию.",
    )
    services.case_close(
        user=curator,
        case=closed,
        reason="goal_reached",
        conclusion="Цель достигнута: мать трудоустроена, конфликт в семье разрешён.",
        closed_on=today - datetime.timedelta(days=20),
    )
