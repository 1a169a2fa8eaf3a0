"""Synthetic referral network at scale: `manage.py generate_referrals --families N` (issue 9, benchmarks).

Families (cases) with members, consents, individual programmes (ИПСС) with measures, and referrals in every state
with their history (events), messages and notifications, addressed to the network's partner organisations
(directory organisations with `is_network_partner` and a service that accepts referrals), handled by generated
curators, heads, intake users and specialists. Deterministic for a given `--seed` and databank.

Written as in production, only faster: the model instances are built in Python and inserted with `bulk_create`
in batches; the personal fields are the models' encrypted fields (`referrals.crypto.EncryptedTextField`,
`EncryptedDateField`), so `bulk_create` encrypts every value with the production keys exactly as `save()` does,
and phone lookups get their keyed hash (`crypto.phone_hash`). Dates in the past (registration, creation, sending,
answers) are spread over the last 18 months, which is why `auto_now_add` is switched off for the duration.

Everything generated is recognisable: users are named `gen-…` and case numbers start with `ГЕН-`; `--clear`
removes exactly that (with plain DELETE statements, in dependency order) before generating, or alone with
`--families 0`. Generated users have no usable password; a benchmark or a test signs them in itself.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from directory.models import Category, Municipality, Organization, Service
from referrals import evidence, profiles
from referrals.clocks import add_working_days
from referrals.codes import (
    CaseGround,
    CaseStatus,
    DataCategory,
    ProgrammeStatus,
    Relation,
    ResponsibilityZone,
    Role,
    Urgency,
)
from referrals.crypto import phone_hash
from referrals.models import (
    AccessLog,
    Attachment,
    Consent,
    FamilyCase,
    FamilyMember,
    FeedbackInvitation,
    LevelChange,
    Measure,
    Membership,
    Message,
    Notification,
    Programme,
    Referral,
    ReferralEvent,
)
from referrals.security import record
from referrals.states import CLOSED_STATES, State

USER_PREFIX = "gen-"
CASE_PREFIX = "ГЕН-"
BATCH_SIZE = 2000
FAMILIES_PER_CURATOR = 60
REFERRALS_PER_FAMILY = 10 / 3  # 30,000 families → 100,000 referrals
SPREAD_DAYS = 540

# Share of referrals per state (all nine appear in any run of a few dozen referrals).
STATE_WEIGHTS = {
    State.DRAFT: 5,
    State.SENT: 14,
    State.ACCEPTED: 9,
    State.DECLINED: 8,
    State.IN_PROGRESS: 14,
    State.COMPLETED: 30,
    State.NOT_COMPLETED: 6,
    State.CANCELLED: 6,
    State.EXPIRED: 8,
}
# The actions that lead from a draft to each state (the history written as events).
PATHS = {
    State.DRAFT: [],
    State.SENT: ["send"],
    State.ACCEPTED: ["send", "accept"],
    State.DECLINED: ["send", "decline"],
    State.IN_PROGRESS: ["send", "accept", "start"],
    State.COMPLETED: ["send", "accept", "start", "complete"],
    State.NOT_COMPLETED: ["send", "accept", "not_complete"],
    State.CANCELLED: ["send", "cancel"],
    State.EXPIRED: ["send", "expire"],
}
TARGET = {
    "send": State.SENT,
    "accept": State.ACCEPTED,
    "decline": State.DECLINED,
    "start": State.IN_PROGRESS,
    "complete": State.COMPLETED,
    "not_complete": State.NOT_COMPLETED,
    "cancel": State.CANCELLED,
    "expire": State.EXPIRED,
}

SURNAMES = [
    "Монгуш",
    "Ооржак",
    "Сарыглар",
    "Кужугет",
    "Донгак",
    "Ондар",
    "Салчак",
    "Иргит",
    "Хертек",
    "Саая",
    "Иванов",
    "Петров",
    "Кузнецов",
    "Смирнов",
    "Соколов",
    "Попов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
]
FEMALE = ["Айлана", "Чодураа", "Долаана", "Оюма", "Сайзана", "Анна", "Мария", "Елена", "Ольга", "Татьяна", "Чечек"]
MALE = ["Айдын", "Мерген", "Начын", "Буян", "Эрес", "Иван", "Алексей", "Сергей", "Дмитрий", "Андрей", "Тимур"]
STREETS = ["Ленина", "Кочетова", "Красноармейская", "Московская", "Щетинкина-Кравченко", "Лопсанчапа", "Титова"]
NARRATIVES = [
    "Мать одна воспитывает детей, потеряла работу; нужна консультация психолога.",
    "Семья переехала из района, нет регистрации по месту пребывания; ребёнку нужен детский сад.",
    "Конфликт подростка с родителями, пропуски занятий.",
    "Доход ниже прожиточного минимума; нужна помощь с оформлением пособий.",
    "Ребёнку с ОВЗ требуется консультация ПМПК и реабилитация.",
]
MESSAGES = [
    "Семья приглашена на приём, ждём подтверждения.",
    "Уточните, пожалуйста, удобное время для консультации.",
    "Приём перенесён по просьбе семьи.",
    "Первичная консультация проведена.",
]


@dataclass
class Staff:
    support: list = field(default_factory=list)  # (organization, [curators], head)
    partners: list = field(default_factory=list)  # (organization, [categories], service|None, intake, [specialists])


@contextlib.contextmanager
def dates_as_given(*models):
    """Let bulk_create keep the `created_at` we set (auto_now_add would overwrite it with now)."""
    fields = [f for model in models for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def clear() -> dict[str, int]:
    """Delete everything a previous run generated (cases `ГЕН-…`, users `gen-…`), child tables first."""
    cases = FamilyCase.objects.filter(registration_number__startswith=CASE_PREFIX).values("pk")
    referrals = Referral.objects.filter(case__in=cases).values("pk")
    users = get_user_model().objects.filter(username__startswith=USER_PREFIX)
    deleted = {}
    # Generated events and log rows are evidence tables too: removed through the one allowed path, and recorded.
    with evidence.purging():
        steps = [
            ("events", ReferralEvent.objects.filter(referral__in=referrals)),
            ("messages", Message.objects.filter(referral__in=referrals)),
            ("attachments", Attachment.objects.filter(referral__in=referrals)),
            ("feedback", FeedbackInvitation.objects.filter(referral__in=referrals)),
            ("notifications", Notification.objects.filter(recipient__in=users.values("pk"))),
            ("access log", AccessLog.objects.filter(case__in=cases)),
            ("referrals", Referral.objects.filter(case__in=cases)),
            ("measures", Measure.objects.filter(programme__case__in=cases)),
            ("programmes", Programme.objects.filter(case__in=cases)),
            ("consent organisations", Consent.organizations.through.objects.filter(consent__case__in=cases)),
            ("consents", Consent.objects.filter(case__in=cases)),
            ("level changes", LevelChange.objects.filter(case__in=cases)),
            ("members", FamilyMember.objects.filter(case__in=cases)),
            ("cases", FamilyCase.objects.filter(registration_number__startswith=CASE_PREFIX)),
            ("memberships", Membership.objects.filter(user__in=users.values("pk"))),
        ]
        for name, queryset in steps:
            deleted[name] = queryset._raw_delete(queryset.db)
        deleted["users"] = users.delete()[0] if users.exists() else 0
        if any(deleted.values()):
            summary = ", ".join(f"{name} {count}" for name, count in deleted.items() if count)
            record(
                "evidence_purge", username="generate_referrals", detail=f"--clear, сгенерированные данные: {summary}"
            )
    return deleted


def _network(rng: random.Random, curators_needed: int) -> Staff:
    """Generated staff for the network partners of the databank: curators and a head at the support
    organisations, an intake user, a head and specialists at every partner that accepts referrals."""
    User = get_user_model()
    partners_qs = Organization.objects.filter(is_network_partner=True).order_by("pk")
    accepting = (
        Service.objects.filter(organization__in=partners_qs, accepts_referrals=True)
        .order_by("organization_id", "pk")
        .prefetch_related("categories")
    )
    offers: dict[int, dict] = defaultdict(lambda: {"categories": {}, "service": None})
    for service in accepting:
        entry = offers[service.organization_id]
        entry["service"] = entry["service"] or service
        for category in service.categories.all():
            entry["categories"][category.pk] = category
    partners = [org for org in partners_qs if offers[org.pk]["categories"]]
    if not partners:
        raise RuntimeError("The databank has no network partner that accepts referrals: load the demo databank.")
    support = [
        org for org in partners_qs if "КЦСОН" in (org.short_name or org.name) or "социального обслуживания" in org.name
    ] or partners[: max(1, len(partners) // 3)]

    users, memberships = [], []

    def user(username, first, last):
        account = User(username=username, first_name=first, last_name=last, email=f"{username}@example.ru")
        account.set_unusable_password()
        users.append(account)
        return account

    staff = Staff()
    per_org = max(1, -(-curators_needed // len(support)))
    for o, org in enumerate(support):
        curators = [
            user(f"{USER_PREFIX}curator-{o:03d}-{c:03d}", rng.choice(FEMALE), rng.choice(SURNAMES))
            for c in range(per_org)
        ]
        head = user(f"{USER_PREFIX}head-{o:03d}", rng.choice(FEMALE), rng.choice(SURNAMES))
        staff.support.append((org, curators, head))
    for p, org in enumerate(partners):
        intake = user(f"{USER_PREFIX}intake-{p:03d}", rng.choice(FEMALE), rng.choice(SURNAMES))
        specialists = [
            user(f"{USER_PREFIX}specialist-{p:03d}-{s}", rng.choice(MALE), rng.choice(SURNAMES)) for s in range(2)
        ]
        categories = sorted(offers[org.pk]["categories"].values(), key=lambda c: c.pk)
        staff.partners.append((org, categories, offers[org.pk]["service"], intake, specialists))
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    by_name = {u.username: u for u in User.objects.filter(username__startswith=USER_PREFIX)}
    staff.support = [
        (org, [by_name[c.username] for c in curators], by_name[head.username]) for org, curators, head in staff.support
    ]
    staff.partners = [
        (org, categories, service, by_name[intake.username], [by_name[s.username] for s in specialists])
        for org, categories, service, intake, specialists in staff.partners
    ]
    for org, curators, head in staff.support:
        memberships += [Membership(user=c, organization=org, role=Role.CURATOR) for c in curators]
        memberships.append(Membership(user=head, organization=org, role=Role.HEAD))
    for org, _categories, _service, intake, specialists in staff.partners:
        memberships.append(Membership(user=intake, organization=org, role=Role.PARTNER_INTAKE))
        memberships += [Membership(user=s, organization=org, role=Role.PARTNER_SPECIALIST) for s in specialists]
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
    return staff


def _phone(rng) -> str:
    return f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _at(day: datetime.date, rng) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def generate(
    *, families: int, seed: int = 2026, referrals: int | None = None, batch_size: int = BATCH_SIZE, log=None
) -> dict:
    """Generate `families` cases and about `referrals` referrals (default 10/3 per family). Returns counts and
    the seconds each phase took."""
    log = log or (lambda message: None)
    rng = random.Random(seed)
    referrals = round(families * REFERRALS_PER_FAMILY) if referrals is None else referrals
    today = timezone.localdate()
    now = timezone.now()
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def phase(name):
        timings[name] = round(time.perf_counter() - started - sum(timings.values()), 2)
        log(f"{name}: {timings[name]} s")

    districts = list(Municipality.objects.order_by("pk"))
    states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
    fallback_category = Category.objects.filter(code="psy").first()

    with transaction.atomic(), dates_as_given(FamilyCase, Consent, Programme, Referral, Message):
        staff = _network(rng, max(1, families // FAMILIES_PER_CURATOR))
        phase("users")
        # A few partners receive most referrals (a crisis centre, the children's clinic), as in a real region:
        # weights 1/rank, so the busiest of ~80 partners gets about a fifth of them.
        partner_weights = [1 / (rank + 1) for rank in range(len(staff.partners))]

        # Families ------------------------------------------------------------------------------------------
        curators = [(org, curator, head) for org, cs, head in staff.support for curator in cs]
        cases, members_of = [], []
        rules = profiles.in_force()
        codes = {name: [code for code, _label in rules.choices(name)] for name in profiles.CODE_LISTS}
        levels = [code for code, _label in rules.choices("levels")]
        level_weights = ([2, 6, 3, 1] + [1] * len(levels))[: len(levels)]
        for i in range(families):
            org, curator, head = curators[i % len(curators)]
            registered = today - datetime.timedelta(days=rng.randint(5, SPREAD_DAYS))
            status = rng.choices([CaseStatus.INTAKE, CaseStatus.ON_SUPPORT, CaseStatus.CLOSED], [8, 80, 12])[0]
            contract = status != CaseStatus.INTAKE
            surname = rng.choice(SURNAMES)
            case = FamilyCase(
                organization=org,
                registration_number=f"{CASE_PREFIX}{seed}-{i + 1:06d}",
                registration_date=registered,
                ground=rng.choice(CaseGround.values),
                district=rng.choice(districts),
                categories=rng.sample(codes["family_categories"], rng.randint(1, 2)),
                circumstances=rng.sample(codes["circumstances"], rng.randint(1, 3)),
                support_level=rng.choices(levels, level_weights)[0],
                curator=curator,
                status=status,
                applied_on=registered,
                curator_assigned_on=registered,
                accepted_on=registered + datetime.timedelta(days=3) if contract else None,
                family_agreed_on=registered + datetime.timedelta(days=3) if contract else None,
                support_until=registered + datetime.timedelta(days=365),
                contract_number=f"Д-{i + 1}" if contract else "",
                contract_date=registered + datetime.timedelta(days=3) if contract else None,
                address=f"г. Кызыл, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 90)}",
                narrative=rng.choice(NARRATIVES),
                created_at=_at(registered, rng),
            )
            if status == CaseStatus.CLOSED:
                case.closed_on = min(today, registered + datetime.timedelta(days=rng.randint(60, 400)))
                case.closure_reason = rng.choice(codes["closure_reasons"])
                case.removed_on = case.closed_on
            cases.append(case)
            parent_phone = _phone(rng)
            people = [
                (
                    f"{surname}а {rng.choice(FEMALE)}",
                    datetime.date(rng.randint(1978, 2002), rng.randint(1, 12), rng.randint(1, 28)),
                    Relation.MOTHER,
                    parent_phone,
                )
            ]
            if rng.random() < 0.4:
                people.append(
                    (
                        f"{surname} {rng.choice(MALE)}",
                        datetime.date(rng.randint(1975, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                        Relation.FATHER,
                        _phone(rng),
                    )
                )
            for _ in range(rng.randint(1, 3)):
                born = today - datetime.timedelta(days=rng.randint(200, 17 * 365))
                people.append((f"{surname} {rng.choice(MALE + FEMALE)}", born, Relation.CHILD, ""))
            members_of.append(people)
            case._parent_name = people[0][0]
        FamilyCase.objects.bulk_create(cases, batch_size=batch_size)
        members = []
        for case, people in zip(cases, members_of, strict=True):
            for name, born, relation, phone in people:
                members.append(
                    FamilyMember(
                        case=case,
                        full_name=name,
                        birth_date=born,
                        relation=relation,
                        phone=phone,
                        phone_hash=phone_hash(phone),
                    )
                )
        FamilyMember.objects.bulk_create(members, batch_size=batch_size)
        children = defaultdict(list)
        for member in members:
            if member.relation == Relation.CHILD:
                children[member.case_id].append(member)
        phase("families")

        # Consents and programmes ----------------------------------------------------------------------------
        consents, named = [], []
        with_contract = [case for case in cases if case.contract_date]
        for case in with_contract:
            all_partners = rng.random() < 0.8
            consent = Consent(
                case=case,
                signed_on=case.contract_date,
                signed_by=case._parent_name,
                expires_on=case.contract_date + datetime.timedelta(days=rng.choice([365, 730])),
                data_categories=rng.sample(DataCategory.values, rng.randint(2, len(DataCategory.values))),
                all_partners=all_partners,
                health_written=rng.random() < 0.3,
                recorded_by=case.curator,
                created_at=_at(case.contract_date, rng),
            )
            consents.append(consent)
            if not all_partners:
                named.append((consent, rng.sample(staff.partners, min(3, len(staff.partners)))))
        Consent.objects.bulk_create(consents, batch_size=batch_size)
        Through = Consent.organizations.through
        Through.objects.bulk_create(
            [Through(consent_id=c.pk, organization_id=p[0].pk) for c, ps in named for p in ps], batch_size=batch_size
        )
        programmes, measures = [], []
        supported = [case for case in with_contract if rng.random() < 0.6]
        for case in supported:
            decided = case.contract_date + datetime.timedelta(days=rng.randint(3, 20))
            programmes.append(
                Programme(
                    case=case,
                    version=1,
                    status=ProgrammeStatus.APPROVED if decided <= today else ProgrammeStatus.DRAFT,
                    decided_on=decided if decided <= today else None,
                    protocol_number=str(rng.randint(1, 300)) if decided <= today else "",
                    created_at=_at(case.contract_date, rng),
                )
            )
        Programme.objects.bulk_create(programmes, batch_size=batch_size)
        measures_of = defaultdict(list)
        for programme in programmes:
            for _ in range(rng.randint(1, 3)):
                partner = rng.choices(staff.partners, partner_weights)[0]
                measure = Measure(
                    programme=programme,
                    category=rng.choice(partner[1]),
                    description=rng.choice(
                        [
                            "Консультации психолога",
                            "Осмотр педиатра",
                            "Помощь в оформлении пособия",
                            "Занятия с логопедом",
                            "Содействие в трудоустройстве",
                        ]
                    ),
                    organization=partner[0],
                    deadline=(programme.decided_on or today) + datetime.timedelta(days=rng.randint(-30, 120)),
                    zone=ResponsibilityZone.PARTNER,
                )
                measures.append(measure)
        Measure.objects.bulk_create(measures, batch_size=batch_size)
        for measure in measures:
            if measure.programme.status == ProgrammeStatus.APPROVED:
                measures_of[measure.programme.case_id].append(measure)
        phase("consents and programmes")

        # Referrals, in batches: rows, then their events, messages and notifications -------------------------
        sendable = with_contract or cases
        counts = defaultdict(int)
        made = 0
        while made < referrals:
            chunk = []
            for _ in range(min(batch_size, referrals - made)):
                state = rng.choices(states, weights)[0]
                case = rng.choice(cases if state == State.DRAFT else sendable)
                measure = None
                if measures_of[case.pk] and rng.random() < 0.5:
                    measure = rng.choice(measures_of[case.pk])
                    partner = next(p for p in staff.partners if p[0].pk == measure.organization_id)
                    category = measure.category
                else:
                    partner = rng.choices(staff.partners, partner_weights)[0]
                    category = rng.choice(partner[1]) if partner[1] else fallback_category
                org, _categories, service, intake, specialists = partner
                created = case.registration_date + datetime.timedelta(
                    days=rng.randint(0, max(0, (today - case.registration_date).days))
                )
                created_at = min(_at(created, rng), now - datetime.timedelta(hours=rng.randint(1, 8)))
                urgency = Urgency.URGENT if rng.random() < 0.15 else Urgency.ROUTINE
                kids = children.get(case.pk) or []
                referral = Referral(
                    case=case,
                    measure=measure,
                    member=rng.choice(kids) if kids and rng.random() < 0.7 else None,
                    category=category,
                    organization=org,
                    service=service if rng.random() < 0.5 else None,
                    urgency=urgency,
                    needed_by=created + datetime.timedelta(days=rng.randint(5, 60)),
                    status=state,
                    narrative=rng.choice(NARRATIVES),
                    health_notes="Наблюдается у педиатра по месту жительства." if rng.random() < 0.2 else "",
                    education_notes="Посещает школу № 5, 4 класс." if rng.random() < 0.2 else "",
                    created_by=case.curator,
                    created_at=created_at,
                )
                # The history: one event per action, a few hours to days apart, none in the future.
                events = [("create", "", State.DRAFT, case.curator, created_at)]
                moment = created_at
                for action in PATHS[state]:
                    moment = min(now, moment + datetime.timedelta(hours=rng.randint(1, 96)))
                    actor = {
                        "send": case.curator,
                        "cancel": case.curator,
                        "expire": None,
                    }.get(action, intake)
                    if action in ("start", "complete", "not_complete") and rng.random() < 0.5:
                        actor = specialists[0]
                    events.append((action, events[-1][2], TARGET[action], actor, moment))
                    if action == "send":
                        referral.sent_at = moment
                        days = (
                            1
                            if urgency == Urgency.URGENT
                            else (service.referral_response_days if service and service.referral_response_days else 5)
                        )
                        referral.respond_by = add_working_days(timezone.localtime(moment).date(), days)
                if state in CLOSED_STATES:
                    referral.closed_at = moment
                if state == State.DECLINED:
                    referral.decline_reason = rng.choice(codes["decline_reasons"])
                if state == State.COMPLETED:
                    referral.outcome = rng.choice(codes["outcomes"])
                if state == State.NOT_COMPLETED:
                    referral.not_completed_reason = rng.choice(codes["not_completed_reasons"])
                taken = state in (State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.NOT_COMPLETED)
                if taken and rng.random() < 0.6:
                    referral.assignee = rng.choice(specialists)
                    referral.appointment_at = moment + datetime.timedelta(days=rng.randint(1, 10))
                if state == State.SENT and rng.random() < 0.3:
                    referral.respond_by = today - datetime.timedelta(days=rng.randint(1, 5))  # overdue
                referral._events = events
                referral._intake = intake
                chunk.append(referral)
                counts[state] += 1
            Referral.objects.bulk_create(chunk, batch_size=batch_size)
            ReferralEvent.objects.bulk_create(
                [
                    ReferralEvent(referral=r, action=a, from_status=f, to_status=t, actor=u, at=at)
                    for r in chunk
                    for a, f, t, u, at in r._events
                ],
                batch_size=batch_size,
            )
            messages, notices = [], []
            for r in chunk:
                if r.status not in (State.DRAFT, State.SENT) and rng.random() < 0.35:
                    for k in range(rng.randint(1, 2)):
                        author = r.created_by if k % 2 == 0 else r._intake
                        messages.append(
                            Message(referral=r, author=author, body=rng.choice(MESSAGES), created_at=r._events[1][4])
                        )
                if r.status != State.DRAFT:
                    sent_at = r._events[1][4]
                    notices.append(
                        Notification(
                            recipient=r._intake,
                            kind="referral_sent",
                            key=f"sent:{r.pk}",
                            text=f"Новое направление № {r.pk}: {r.category.name}"[:300],
                            url=f"/cabinet/referrals/{r.uuid}/",
                            created_at=sent_at,
                            read_at=sent_at + datetime.timedelta(hours=2) if r.status != State.SENT else None,
                        )
                    )
            Message.objects.bulk_create(messages, batch_size=batch_size)
            Notification.objects.bulk_create(notices, batch_size=batch_size)
            counts["events"] += sum(len(r._events) for r in chunk)
            counts["messages"] += len(messages)
            counts["notifications"] += len(notices)
            made += len(chunk)
            log(f"referrals: {made} / {referrals}")
        phase("referrals")

    return {
        "families": len(cases),
        "members": len(members),
        "consents": len(consents),
        "programmes": len(programmes),
        "measures": len(measures),
        "referrals": made,
        "by_state": {str(state): counts[state] for state in State},
        "events": counts["events"],
        "messages": counts["messages"],
        "notifications": counts["notifications"],
        "curators": sum(len(cs) for _org, cs, _head in staff.support),
        "partners": len(staff.partners),
        "seconds": timings,
    }
