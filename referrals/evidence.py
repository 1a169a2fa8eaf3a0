"""Evidence that holds: the database itself refuses to change or delete the rows of the logs and histories.

`AppendOnlyModel.save()`/`delete()` refuse in Python, but a queryset's `update()`/`delete()` and raw SQL never
call them. Triggers on every append-only table (`GUARDED`) refuse an UPDATE or a DELETE in the database, on
PostgreSQL and on SQLite alike, with one exception and one allowed path:

* an UPDATE that only sets foreign keys declared `on_delete=SET_NULL` to NULL (and changes nothing else) goes
  through: that is what Django does when the user, organisation or case a row points at is deleted;
* inside `purging()` — the retention command (`purge_closed_cases`) and the removal of generated test data
  (`generate_referrals --clear`), each of which writes a `SecurityEvent` — everything is allowed. On PostgreSQL
  the permission is the transaction-local setting `families.evidence_purge` (`SET LOCAL`, gone at commit or
  rollback); on SQLite, which has no session settings, it is the one row of the control table
  `families_evidence_purge`, switched on and off again inside the same transaction (other connections never see
  it switched on: SQLite has one writer at a time and readers see committed rows only).

A refused statement raises `django.db.IntegrityError` (PostgreSQL SQLSTATE 23001 restrict_violation, SQLite
RAISE(ABORT)). TRUNCATE and DDL (DROP TABLE, DROP TRIGGER) are not row changes: the database owner can always
do them, so the application's database user must not be handed to anyone who should not (docs/security.md).

The triggers are installed by migration referrals/0011 and again after every `migrate` (post_migrate), since
Django rebuilds an SQLite table — and drops its triggers — whenever a migration alters it.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

# Every AppendOnlyModel of referrals/models.py (tests/referrals/test_evidence.py checks that none is missing).
GUARDED = (
    "AccessLog",
    "SecurityEvent",
    "ReferralEvent",
    "DestructionRecord",
    "LevelChange",
    "SupportTermChange",
    "CaseloadOverride",
)
MIGRATION = ("referrals", "0011_evidence_triggers")
SETTING = "families.evidence_purge"
CONTROL_TABLE = "families_evidence_purge"
TRIGGER = "families_evidence_guard"
MESSAGE = "записи журналов и истории нельзя изменить или удалить (таблица %s)"


def guarded_models(apps=None) -> list[type[models.Model]]:
    if apps is None:
        apps = global_apps
    return [apps.get_model("referrals", name) for name in GUARDED]


def nullable_columns(model) -> list[str]:
    """The foreign keys Django sets to NULL when the row they point at is deleted."""
    return [
        field.column
        for field in model._meta.concrete_fields
        if field.is_relation and field.null and field.remote_field.on_delete is models.SET_NULL
    ]


# -- PostgreSQL ------------------------------------------------------------------------------------------------

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
    old_row jsonb;
    new_row jsonb;
    col text;
BEGIN
    IF coalesce(current_setting('{SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- The foreign keys named as the trigger's arguments may go to NULL (on_delete=SET_NULL), nothing else.
        old_row := to_jsonb(OLD);
        new_row := to_jsonb(NEW);
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            col := TG_ARGV[i];
            IF jsonb_typeof(new_row -> col) = 'null' THEN
                old_row := old_row - col;
                new_row := new_row - col;
            END IF;
        END LOOP;
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = format('{MESSAGE}', TG_TABLE_NAME),
        HINT = 'Удаление по сроку хранения — только командой purge_closed_cases.';
END;
$guard$;
"""


def _pg_statements(model) -> list[str]:
    table = model._meta.db_table
    args = ", ".join(f"'{column}'" for column in nullable_columns(model))
    return [
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}({args})",
    ]


# -- SQLite ----------------------------------------------------------------------------------------------------


def _sqlite_statements(model) -> list[str]:
    table = model._meta.db_table
    nullable = set(nullable_columns(model))
    allowed = f"EXISTS (SELECT 1 FROM {CONTROL_TABLE} WHERE id = 1 AND allowed = 1)"
    unchanged = " AND ".join(
        f'(NEW."{column}" IS NULL OR NEW."{column}" IS OLD."{column}")'
        if column in nullable
        else f'NEW."{column}" IS OLD."{column}"'
        for column in (field.column for field in model._meta.concrete_fields)
    )
    refuse = "SELECT RAISE(ABORT, '" + MESSAGE % table + "');"
    return [
        f'DROP TRIGGER IF EXISTS "{TRIGGER}_update_{table}"',
        f'DROP TRIGGER IF EXISTS "{TRIGGER}_delete_{table}"',
        f'CREATE TRIGGER "{TRIGGER}_update_{table}" BEFORE UPDATE ON "{table}" '
        f"WHEN NOT {allowed} AND NOT ({unchanged}) BEGIN {refuse} END",
        f'CREATE TRIGGER "{TRIGGER}_delete_{table}" BEFORE DELETE ON "{table}" WHEN NOT {allowed} BEGIN {refuse} END',
    ]


SQLITE_CONTROL = [
    f"CREATE TABLE IF NOT EXISTS {CONTROL_TABLE} "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), allowed INTEGER NOT NULL DEFAULT 0 CHECK (allowed IN (0, 1)))",
    f"INSERT OR IGNORE INTO {CONTROL_TABLE} (id, allowed) VALUES (1, 0)",
    f"UPDATE {CONTROL_TABLE} SET allowed = 0",
]


# -- Installing ------------------------------------------------------------------------------------------------


def install_statements(vendor: str, apps=None) -> list[str]:
    found = guarded_models(apps)
    if vendor == "postgresql":
        return [PG_FUNCTION, *(sql for model in found for sql in _pg_statements(model))]
    if vendor == "sqlite":
        return [*SQLITE_CONTROL, *(sql for model in found for sql in _sqlite_statements(model))]
    return []


def uninstall_statements(vendor: str, apps=None) -> list[str]:
    found = guarded_models(apps)
    if vendor == "postgresql":
        drops = [f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{model._meta.db_table}"' for model in found]
        return [*drops, f"DROP FUNCTION IF EXISTS {TRIGGER}()"]
    if vendor == "sqlite":
        drops = [
            f'DROP TRIGGER IF EXISTS "{TRIGGER}_{op}_{model._meta.db_table}"'
            for model in found
            for op in ("update", "delete")
        ]
        return [*drops, f"DROP TABLE IF EXISTS {CONTROL_TABLE}"]
    return []


def install(connection, apps=None) -> None:
    with connection.cursor() as cursor:
        for sql in install_statements(connection.vendor, apps):
            cursor.execute(sql)


def uninstall(connection, apps=None) -> None:
    with connection.cursor() as cursor:
        for sql in uninstall_statements(connection.vendor, apps):
            cursor.execute(sql)


def reinstall_after_migrate(sender, app_config=None, using=DEFAULT_DB_ALIAS, apps=None, plan=None, **kwargs):
    """post_migrate: put the triggers back (an SQLite table rebuilt by a migration has lost them) and bring them
    up to date with the tables' columns — once the migration that introduced them is applied."""
    if app_config is None or app_config.label != "referrals":
        return

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if not recorder.has_table() or MIGRATION not in recorder.applied_migrations():
        return
    with transaction.atomic(using=using):
        install(connection, apps)


# -- The one allowed path --------------------------------------------------------------------------------------


def _allow(connection, allowed: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, "on" if allowed else "off"])
        elif connection.vendor == "sqlite":
            # (A database the migration has not reached yet has no triggers to pass, and no control table.)
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [CONTROL_TABLE])
            if cursor.fetchone():
                cursor.execute(f"UPDATE {CONTROL_TABLE} SET allowed = %s WHERE id = 1", [int(allowed)])


@contextmanager
def purging(using: str = DEFAULT_DB_ALIAS):
    """Inside this block (its own transaction or savepoint) the evidence tables may be changed and deleted.

    Only the retention command and the removal of generated data use it, and each writes a SecurityEvent. An
    exception rolls the block back, and the permission with it."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _allow(connection, True)
        yield
        _allow(connection, False)
