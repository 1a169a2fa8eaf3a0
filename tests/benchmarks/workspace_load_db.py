"""The database side of the workspace load test (test_workspace_load.py), run in a subprocess against the load
database (DATABASE_URL of that database, website.settings_test): `prepare` creates the users, cases and
referrals the clients work on; `verify` reads back what the clients believed they did.

    python -m tests.benchmarks.workspace_load_db prepare <n_curators> <n_partners>   → JSON of users on stdout
    python -m tests.benchmarks.workspace_load_db verify <started_at ISO> <run token> → JSON of rows on stdout
"""

import datetime
import json
import sys

PASSWORD = "load-test-password-2026"
SUPPORT = "КЦСОН города Кызыла"
PARTNERS = ("Кризисный центр «Надежда»", "Детская поликлиника Кызыла")


def _setup_django():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings_test")
    django.setup()


def prepare(n_curators: int, n_partners: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from demo.databank import load_demo_databank
    from directory.models import Category, Municipality, Organization
    from referrals import services
    from referrals.codes import DataCategory, Relation, Role
    from referrals.models import Measure, Membership

    load_demo_databank()
    support = Organization.objects.get(short_name=SUPPORT)
    partners = [Organization.objects.get(short_name=name) for name in PARTNERS]
    category = Category.objects.get(code="psy")
    district = Municipality.objects.filter(name__icontains="Кызыл").first()
    today = timezone.localdate()
    users = []

    def make(username, role, organization):
        user = get_user_model().objects.create_user(username, f"{username}@example.ru", PASSWORD)
        Membership.objects.create(user=user, organization=organization, role=role)
        key = (username.encode() * 4)[:20].hex()
        TOTPDevice.objects.create(user=user, name="load", key=key, confirmed=True)
        users.append({"username": username, "key": key, "role": str(role), "organization": organization.pk})
        return user

    # The head approves the ИПСС; not one of the load's users (they are curators and partners).
    head = get_user_model().objects.create_user("load-head", "load-head@example.ru", PASSWORD)
    Membership.objects.create(user=head, organization=support, role=Role.HEAD)
    for i in range(n_curators):
        curator = make(f"load-curator-{i:02d}", Role.CURATOR, support)
        case = services.case_open(
            user=curator,
            organization=support,
            curator=curator,
            members=[{"full_name": f"Нагрузочная Семья {i}", "relation": Relation.MOTHER}],
            registration_number=f"L-{i}",
            registration_date=today - datetime.timedelta(days=10),
            ground="application",
            district=district,
            categories=["single_parent"],
            circumstances=["unemployment"],
            support_level="crisis",
            contract_number=f"ДЛ-{i}",
            contract_date=today - datetime.timedelta(days=9),
            address="г. Кызыл",
            narrative="Нагрузочный тест",
            status="on_support",
        )
        services.consent_record(
            user=curator,
            case=case,
            signed_on=today - datetime.timedelta(days=9),
            signed_by=f"Нагрузочная Семья {i}",
            expires_on=today + datetime.timedelta(days=365),
            data_categories=[DataCategory.CONTACTS, DataCategory.COMPOSITION, DataCategory.SOCIAL],
            all_partners=True,
        )
        # Planned referrals follow an approved ИПСС (services.referral_create).
        programme = services.programme_new_version(user=curator, case=case, from_templates=False)
        Measure.objects.create(
            programme=programme,
            category=category,
            description="Консультации психолога",
            deadline=today + datetime.timedelta(days=30),
            zone="partner",
        )
        services.programme_decide(
            user=head,
            programme=programme,
            approved=True,
            decided_on=today - datetime.timedelta(days=8),
            protocol_number=f"{i + 1}",
        )
        for partner in partners:  # work waiting in every partner's inbox from the start
            referral = services.referral_create(
                user=curator, case=case, organization=partner, category=category, narrative="Нагрузочный тест"
            )
            services.referral_transition(user=curator, referral=referral, action="send")
    for i in range(n_partners):
        make(f"load-partner-{i:02d}", Role.PARTNER_INTAKE, partners[i % len(partners)])
    return {
        "users": users,
        "category": category.pk,
        "partners": [p.pk for p in partners],
        "cases": {
            c.curator.username: str(c.uuid) for c in support.family_cases.filter(curator__username__startswith="load-")
        },
    }


def verify(started_at: str, token: str) -> dict:
    from referrals.models import Message, Referral, ReferralEvent

    since = datetime.datetime.fromisoformat(started_at)
    events = [
        [str(uuid), action, username]
        for uuid, action, username in ReferralEvent.objects.filter(at__gte=since, actor__username__startswith="load-")
        .order_by("pk")
        .values_list("referral__uuid", "action", "actor__username")
    ]
    messages = [
        [str(m.referral.uuid), m.author.username, m.body]
        for m in Message.objects.filter(created_at__gte=since).select_related("referral", "author")
        if token in m.body
    ]
    created = [
        str(uuid)
        for uuid in Referral.objects.filter(created_at__gte=since, case__curator__username__startswith="load-")
        .order_by("pk")
        .values_list("uuid", flat=True)
    ]
    return {"events": events, "messages": messages, "created": created}


if __name__ == "__main__":
    _setup_django()
    command, *args = sys.argv[1:]
    result = prepare(int(args[0]), int(args[1])) if command == "prepare" else verify(args[0], args[1])
    print("JSON:" + json.dumps(result, ensure_ascii=False))
