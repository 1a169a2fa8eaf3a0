"""Encrypt the personal free text and the sensitive codes of a case that were still stored in plain text.

The columns become `referrals.crypto` fields (text columns holding Fernet tokens, like names and phones): the
working group's conclusion and the family categories and circumstances of need of a case, a measure's text and
responsible person, the note of a referral event, the reason of a term change and of a caseload override. Then the
rows already there are encrypted with the first key of FIELD_ENCRYPTION_KEYS, in raw SQL (the historical models
would encrypt on write but cannot read plain text), a thousand rows at a time.

Reversible: going back decrypts the values to plain text again (the keys are needed, as for reading them) before
the columns return to their old types (jsonb for the codes on PostgreSQL, varchar(200) for the responsible person).
Issue 23, point 6; the lead re-links the dependency to 0010 at merge.
"""

import json

from django.db import migrations

import referrals.crypto

# (table, column, is JSON): the fields this migration encrypts.
COLUMNS = [
    ("referrals_familycase", "closure_conclusion", False),
    ("referrals_familycase", "categories", True),
    ("referrals_familycase", "circumstances", True),
    ("referrals_measure", "description", False),
    ("referrals_measure", "responsible_person", False),
    ("referrals_referralevent", "note", False),
    ("referrals_supporttermchange", "reason", False),
    ("referrals_caseloadoverride", "reason", False),
]
BATCH = 1000


def _convert(schema_editor, convert) -> None:
    """Apply `convert(value, is_json)` (None: leave the value alone) to every value of COLUMNS, by primary key."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    tables: dict[str, list[tuple[str, bool]]] = {}
    for table, column, is_json in COLUMNS:
        tables.setdefault(table, []).append((column, is_json))
    with connection.cursor() as cursor:
        for table, columns in tables.items():
            names = ", ".join(quote(column) for column, _is_json in columns)
            last = 0
            while True:
                cursor.execute(
                    f"SELECT id, {names} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT {BATCH}",  # noqa: S608
                    [last],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                for column_index, (column, is_json) in enumerate(columns, start=1):
                    updates = [
                        (new, row[0])
                        for row in rows
                        if (new := convert(row[column_index], is_json)) is not None and new != row[column_index]
                    ]
                    if updates:
                        cursor.executemany(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                            updates,
                        )
        if connection.vendor == "postgresql":
            # The updates queue the deferred foreign-key checks of these rows; going back, the ALTER TABLE that
            # follows in the same transaction refuses a table with pending trigger events: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _encrypt(value, is_json):
    if value is None or (isinstance(value, str) and value.startswith(referrals.crypto.PREFIX)):
        return None
    if is_json:
        # The old column held JSON (jsonb cast to text on PostgreSQL): the new field encrypts its JSON text.
        value = json.loads(value) if isinstance(value, str) else value
        return referrals.crypto.encrypt_text(json.dumps(value, ensure_ascii=False))
    return referrals.crypto.encrypt_text(value) if value else None


def _decrypt(value, is_json):
    if not (isinstance(value, str) and value.startswith(referrals.crypto.PREFIX)):
        return None
    return referrals.crypto.decrypt_text(value)


def encrypt_rows(apps, schema_editor):
    _convert(schema_editor, _encrypt)


def decrypt_rows(apps, schema_editor):
    _convert(schema_editor, _decrypt)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_federal_profile_and_stage_dates")]

    operations = [
        migrations.AlterField(
            model_name="caseloadoverride",
            name="reason",
            field=referrals.crypto.EncryptedTextField(verbose_name="причина превышения"),
        ),
        migrations.AlterField(
            model_name="familycase",
            name="categories",
            field=referrals.crypto.EncryptedJSONField(blank=True, default=list, verbose_name="категории семьи"),
        ),
        migrations.AlterField(
            model_name="familycase",
            name="circumstances",
            field=referrals.crypto.EncryptedJSONField(
                blank=True, default=list, verbose_name="обстоятельства нуждаемости"
            ),
        ),
        migrations.AlterField(
            model_name="familycase",
            name="closure_conclusion",
            field=referrals.crypto.EncryptedTextField(blank=True, verbose_name="заключение рабочей группы"),
        ),
        migrations.AlterField(
            model_name="measure",
            name="description",
            field=referrals.crypto.EncryptedTextField(verbose_name="мероприятие"),
        ),
        migrations.AlterField(
            model_name="measure",
            name="responsible_person",
            field=referrals.crypto.EncryptedTextField(blank=True, max_length=200, verbose_name="ответственный"),
        ),
        migrations.AlterField(
            model_name="referralevent",
            name="note",
            field=referrals.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="supporttermchange",
            name="reason",
            field=referrals.crypto.EncryptedTextField(verbose_name="основание"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
