"""Evidence that holds (referrals/evidence.py): the database refuses UPDATE and DELETE on the logs and histories,
whatever the path — the ORM's bulk `update()`/`delete()` or raw SQL — on the database the tests run on (SQLite by
default, PostgreSQL with DATABASE_URL). The retention command is the one path that may, and it is logged."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from referrals import evidence, services
from referrals.models import (
    AccessLog,
    AppendOnlyModel,
    CaseloadOverride,
    DestructionRecord,
    LevelChange,
    ReferralEvent,
    SecurityEvent,
    SupportTermChange,
)
from referrals.security import record

from .conftest import ACCEPT, SEND, make_user

# A column of each table that is neither a key nor allowed to change.
CHANGED = {
    "AccessLog": ("purpose", "переписано"),
    "SecurityEvent": ("detail", "переписано"),
    "ReferralEvent": ("note", "переписано"),
    "DestructionRecord": ("what", "переписано"),
    "LevelChange": ("to_level", "basic"),
    "SupportTermChange": ("reason", "переписано"),
    "CaseloadOverride": ("reason", "переписано"),
}


def one_row_of_each(network) -> dict:
    """A row in every evidence table, written the way the application writes them."""
    curator, head = network.users["curator"], network.users["head"]
    referral = network.new_referral(steps=[SEND, ACCEPT])
    services.log_access(
        user=curator, obj=network.case, case=network.case, fields=["address"], purpose="view", ip_address="10.0.0.1"
    )
    record("login", user=curator, detail="/cabinet/login/")
    today = timezone.localdate()
    return {
        "AccessLog": AccessLog.objects.filter(user=curator).latest("id"),
        "SecurityEvent": SecurityEvent.objects.filter(kind="login", user=curator).latest("id"),
        "ReferralEvent": referral.events.latest("id"),
        "DestructionRecord": DestructionRecord.objects.create(case_reference="Т-0", destroyed_by="тест", what="—"),
        "LevelChange": LevelChange.objects.create(
            case=network.case, from_level="crisis", to_level="intensive", changed_by=curator
        ),
        "SupportTermChange": SupportTermChange.objects.create(
            case=network.case, to_until=today + datetime.timedelta(days=90), reason="Продление", changed_by=head
        ),
        "CaseloadOverride": CaseloadOverride.objects.create(
            case=network.case, curator=curator, level="crisis", load="12 из 10", reason="Отпуск", approved_by=head
        ),
    }


def refused(action) -> str:
    """Run `action` in its own savepoint; the database must refuse it with an IntegrityError."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        action()
    return str(caught.value)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_append_only_model_is_guarded():
    from django.apps import apps

    append_only = {
        model.__name__ for model in apps.get_app_config("referrals").get_models() if issubclass(model, AppendOnlyModel)
    }
    assert append_only == set(evidence.GUARDED) == set(CHANGED)


@pytest.mark.django_db
def test_the_triggers_are_in_the_database():
    tables = {model._meta.db_table for model in evidence.guarded_models()}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
                [evidence.TRIGGER],
            )
            assert {name for (name,) in cursor.fetchall()} == tables
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            found = cursor.fetchall()
            for table in tables:
                assert {f"{evidence.TRIGGER}_update_{table}", f"{evidence.TRIGGER}_delete_{table}"} <= {
                    name for tbl, name in found if tbl == table
                }


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_bulk_update_and_delete_are_refused_by_the_database(network, name):
    row = one_row_of_each(network)[name]
    model = type(row)
    column, value = CHANGED[name]
    table = model._meta.db_table
    before = model.objects.filter(pk=row.pk).values().get()

    message = refused(lambda: model.objects.filter(pk=row.pk).update(**{column: value}))
    assert "нельзя изменить или удалить" in message
    refused(lambda: model.objects.filter(pk=row.pk).delete())
    refused(lambda: model.objects.all().delete())
    refused(lambda: raw(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, row.pk]))
    refused(lambda: raw(f'DELETE FROM "{table}" WHERE id = %s', [row.pk]))
    refused(lambda: raw(f'DELETE FROM "{table}"'))
    # The Python-level refusal stays as it was.
    with pytest.raises(PermissionError):
        row.delete()

    assert model.objects.filter(pk=row.pk).values().get() == before


def test_only_a_set_null_key_may_go_to_null_and_nothing_else(network):
    rows = one_row_of_each(network)
    log, event = rows["AccessLog"], rows["ReferralEvent"]
    other = network.users["head"]
    # Another user, or NULL together with another column: refused.
    refused(lambda: AccessLog.objects.filter(pk=log.pk).update(user=other))
    refused(lambda: AccessLog.objects.filter(pk=log.pk).update(user=None, username="кто-то"))
    refused(lambda: raw('UPDATE "referrals_accesslog" SET case_id = NULL, fields = %s WHERE id = %s', ["[]", log.pk]))
    # ReferralEvent.actor is PROTECT, not SET_NULL: it may not be emptied either.
    assert event.actor_id is not None
    refused(lambda: ReferralEvent.objects.filter(pk=event.pk).update(actor=None))
    # The SET_NULL keys alone may go to NULL (what deleting the user, organisation or case does).
    assert AccessLog.objects.filter(pk=log.pk).update(user=None, organization=None, case=None) == 1
    log.refresh_from_db()
    assert (log.user_id, log.case_id, log.purpose) == (None, None, "view")


def test_deleting_a_user_still_nulls_the_keys(network):
    user = make_user("t-leaving")
    services.log_access(user=user, obj=network.case, case=network.case, fields=["address"], purpose="view")
    record("login", user=user, actor=network.users["head"])
    record("role_change", user=network.users["curator"], actor=user, detail="роль выдана уходящим")
    change = LevelChange.objects.create(case=network.case, from_level="crisis", to_level="basic", changed_by=user)

    user.delete()

    log = AccessLog.objects.get(username="t-leaving")
    assert log.user_id is None and log.case_id == network.case.pk and log.fields == ["address"]
    assert SecurityEvent.objects.get(kind="login", username="t-leaving").user_id is None
    assert SecurityEvent.objects.get(detail="роль выдана уходящим").actor_id is None
    change.refresh_from_db()
    assert change.changed_by_id is None and change.to_level == "basic"


def test_the_permission_ends_with_its_block(network):
    row = one_row_of_each(network)["SecurityEvent"]
    with evidence.purging():
        SecurityEvent.objects.filter(pk=row.pk).update(detail="в блоке")
    refused(lambda: SecurityEvent.objects.filter(pk=row.pk).update(detail="после блока"))
    with pytest.raises(RuntimeError), evidence.purging():
        SecurityEvent.objects.filter(pk=row.pk).delete()
        raise RuntimeError("откат")
    assert SecurityEvent.objects.filter(pk=row.pk, detail="в блоке").exists()  # the delete was rolled back…
    refused(lambda: SecurityEvent.objects.filter(pk=row.pk).delete())  # …and the permission with it
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT allowed FROM {evidence.CONTROL_TABLE}")
            assert cursor.fetchall() == [(0,)]


def _closed_long_ago(network):
    referral = network.new_referral(steps=[SEND])
    services.referral_transition(
        user=network.users["curator"], referral=referral, action="cancel", note="Мать просила не звонить после 18"
    )
    services.case_close(user=network.users["curator"], case=network.case, reason="goal_reached", conclusion="Итог")
    network.case.closed_on = timezone.localdate() - datetime.timedelta(days=400)
    network.case.save()
    return referral


def test_the_retention_command_is_the_allowed_path_and_is_logged(network):
    referral = _closed_long_ago(network)
    assert any("после 18" in event.note for event in referral.events.all())  # encrypted: read, not filtered

    call_command("purge_closed_cases", "--older-than", "1y", "--by", "инспектор", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not any("после 18" in event.note for event in referral.events.all())
    assert any(event.note == "обезличено" for event in referral.events.all())
    assert DestructionRecord.objects.filter(case_reference__contains="T-1").count() == 1
    event = SecurityEvent.objects.get(kind="evidence_purge")
    assert event.username == "инспектор" and "T-1" in event.detail
    # The permission did not outlive the command's transaction.
    refused(lambda: referral.events.update(note="после команды"))
    refused(lambda: SecurityEvent.objects.filter(pk=event.pk).delete())


def test_the_retention_command_deletes_only_logs_past_their_period(network):
    old = timezone.now() - datetime.timedelta(days=800)
    curator = network.users["curator"]
    AccessLog.objects.create(
        user=curator, username="t-curator", object_type="familycase", object_id=1, purpose="view", at=old
    )
    SecurityEvent.objects.create(kind="login", username="t-curator", at=old)
    services.log_access(user=curator, obj=network.case, case=network.case, fields=["address"], purpose="view")
    young_logs, young_events = AccessLog.objects.exclude(at=old).count(), SecurityEvent.objects.exclude(at=old).count()

    with pytest.raises(CommandError, match="не меньше 365 дней"):
        call_command("purge_closed_cases", "--logs-older-than", "30d", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AccessLog.objects.filter(at=old).exists()
    call_command("purge_closed_cases", "--logs-older-than", "2y", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not AccessLog.objects.filter(at=old).exists() and not SecurityEvent.objects.filter(at=old).exists()
    assert AccessLog.objects.count() == young_logs
    event = SecurityEvent.objects.get(kind="evidence_purge")
    assert "журнал доступа — 1" in event.detail and "события безопасности — 1" in event.detail
    assert SecurityEvent.objects.count() == young_events + 1


def test_clearing_generated_data_goes_through_the_allowed_path(network):
    from demo import synthetic_referrals as generate

    generate.generate(families=2, referrals=4, seed=7)
    assert ReferralEvent.objects.filter(referral__case__registration_number__startswith="ГЕН").exists()
    deleted = generate.clear()
    assert deleted["cases"] == 2 and deleted["events"] > 0
    assert SecurityEvent.objects.filter(kind="evidence_purge", username="generate_referrals").exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_is_flushed_despite_the_triggers(network):
    """Django's flush after this test deletes every row, evidence included (on SQLite, through the test suite's
    purge path in tests/conftest.py; TRUNCATE on PostgreSQL): were it refused, this test would error."""
    rows = one_row_of_each(network)
    refused(lambda: SecurityEvent.objects.filter(pk=rows["SecurityEvent"].pk).delete())
