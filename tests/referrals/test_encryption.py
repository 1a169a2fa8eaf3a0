"""Personal data is encrypted at rest: the raw database holds no name, phone or address in plain text."""

import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from referrals import crypto
from referrals.models import AccessLog, FamilyMember

from .conftest import ACCEPT, FAMILY_ADDRESS, FAMILY_NAMES, FAMILY_PHONE, NARRATIVE, SEND, cabinet_login

SECRETS = [*FAMILY_NAMES, FAMILY_PHONE, "555-12-34", "5551234", FAMILY_ADDRESS, "Конфиденциальная", NARRATIVE]


def raw_database_text() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"] or "postgres",
            settings["NAME"],
        ],
        check=True,
        capture_output=True,
        text=True,
        env={"PGPASSWORD": settings.get("PASSWORD") or ""},
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_raw_database_has_no_personal_data_in_plain_text(client, network):
    referral = network.new_referral(steps=[SEND, ACCEPT])
    cabinet_login(client, network.users["intake"])
    client.post(reverse("referrals:referral_message", args=[referral.uuid]), {"body": f"Позвоните {FAMILY_PHONE}"})
    pages = [
        (network.users["curator"], reverse("referrals:case", args=[network.case.uuid])),
        (network.users["intake"], reverse("referrals:referral", args=[referral.uuid])),
        (network.users["intake"], reverse("referrals:referral_print", args=[referral.uuid])),
    ]
    for user, url in pages:
        cabinet_login(client, user)
        before = AccessLog.objects.count()
        html = client.get(url).content.decode()
        assert FAMILY_NAMES[0] in html  # the page shows it…
        assert AccessLog.objects.count() > before  # …and the read is logged
    dump = raw_database_text()
    assert "Тыва" in dump or "Кызыл" in dump  # the dump is real and readable
    for secret in SECRETS:
        assert secret not in dump, f"{secret!r} is stored in plain text"
    assert crypto.PREFIX in dump


def test_phone_lookup_by_keyed_hash(network):
    member = network.case.members.get(relation="mother")
    assert member.phone_hash == crypto.phone_hash("8 (913) 555-12-34")
    assert FamilyMember.objects.filter(phone_hash=crypto.phone_hash("+79135551234")).get() == member


def test_key_rotation_keeps_data_readable(network, settings):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM referrals_familymember WHERE case_id = %s", [network.case.pk])
        before = {row[0] for row in cursor.fetchall()}
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    crypto.reset_keys_cache()
    try:
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
        crypto.reset_keys_cache()
        names = {m.full_name for m in FamilyMember.objects.filter(case=network.case)}
        assert names == set(FAMILY_NAMES)
        with connection.cursor() as cursor:
            cursor.execute("SELECT full_name FROM referrals_familymember WHERE case_id = %s", [network.case.pk])
            after = {row[0] for row in cursor.fetchall()}
        assert not (before & after)
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old_keys
        crypto.reset_keys_cache()
