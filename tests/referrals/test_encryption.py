"""Personal data is encrypted at rest: the raw database holds no name, phone or address in plain text."""

import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from referrals import crypto, services
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


@pytest.fixture
def rotate_to_new_key(settings):
    """Rotates every encrypted value to a new key, then drops the old key; the settings come back after the test."""
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)

    def rotate():
        new_key = Fernet.generate_key().decode()
        settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
        crypto.reset_keys_cache()
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
        crypto.reset_keys_cache()

    yield rotate
    settings.FIELD_ENCRYPTION_KEYS = old_keys
    crypto.reset_keys_cache()


def test_key_rotation_keeps_data_readable(network, rotate_to_new_key):
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM referrals_familymember WHERE case_id = %s", [network.case.pk])
        before = {row[0] for row in cursor.fetchall()}
    rotate_to_new_key()
    names = {m.full_name for m in FamilyMember.objects.filter(case=network.case)}
    assert names == set(FAMILY_NAMES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM referrals_familymember WHERE case_id = %s", [network.case.pk])
        after = {row[0] for row in cursor.fetchall()}
    assert not (before & after)


def encrypted_tokens() -> dict[tuple[str, str], set[str]]:
    """The raw tokens of every encrypted text column, by (table, column)."""
    from referrals.management.commands.rotate_encryption_keys import encrypted_models

    found: dict[tuple[str, str], set[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in encrypted_models():
            columns = [f.column for f in model._meta.fields if isinstance(f, crypto.EncryptedTextField)]
            if not columns:
                continue
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value and value.startswith(crypto.PREFIX):
                        found.setdefault((model._meta.db_table, column), set()).add(value)
    return found


def test_key_rotation_covers_every_encrypted_field(network, rotate_to_new_key):
    """Issue 23, point 6: the free texts and the case's codes encrypted later are rotated too, and every encrypted
    row of every model still reads with the new key alone."""
    from referrals.management.commands.rotate_encryption_keys import encrypted_models

    referral = network.new_referral(steps=[SEND])
    services.referral_transition(
        user=network.users["intake"], referral=referral, action="decline", decline_reason="no_capacity", note="Нет мест"
    )
    services.case_close(user=network.users["curator"], case=network.case, reason="goal_reached", conclusion="Итог")
    before = encrypted_tokens()
    expected = {
        ("referrals_familycase", "categories"),
        ("referrals_familycase", "circumstances"),
        ("referrals_familycase", "closure_conclusion"),
        ("referrals_measure", "description"),
        ("referrals_referralevent", "note"),
    }
    assert expected <= set(before)
    rotate_to_new_key()
    after = encrypted_tokens()
    assert set(after) == set(before)
    for column, tokens in before.items():
        assert not (tokens & after[column]), f"{column} was not re-encrypted"
    for model in encrypted_models():
        list(model.objects.all())  # every value decrypts with the new key
    network.case.refresh_from_db()
    assert network.case.categories == ["single_parent"] and network.case.closure_conclusion == "Итог"
    assert referral.events.get(action="decline").note == "Нет мест"
