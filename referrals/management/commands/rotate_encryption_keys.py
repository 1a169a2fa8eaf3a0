"""Re-encrypt every personal-data value with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this command, then
remove the old keys from the environment. Works on the raw tokens (SQL), so no value is decrypted to text.

The append-only histories (referral events, term changes, caseload overrides) hold encrypted notes too: their
tokens are rewritten through the evidence path (`referrals.evidence.purging`, the database's triggers let it
pass), and the rotation is recorded as a security event — the same values under a new key, nothing else changes.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from referrals import evidence
from referrals.crypto import PREFIX, EncryptedTextField, rotate_bytes, rotate_text
from referrals.security import record

# Encrypted binary fields (attachments, consent scans) are ordinary BinaryFields: named here.
BINARY_FIELDS = {("referrals", "attachment"): ("data",), ("referrals", "consent"): ("document_data",)}


def encrypted_models() -> list:
    """Every model with an encrypted field (EncryptedTextField and its date and JSON kinds, or an encrypted
    binary field), found by the fields' classes so that a field encrypted later is rotated too."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        binary = BINARY_FIELDS.get((model._meta.app_label, model._meta.model_name), ())
        if binary or any(isinstance(f, EncryptedTextField) for f in model._meta.fields):
            found.append(model)
    return found


def rotate_all() -> int:
    total = 0
    quote = connection.ops.quote_name
    guarded = set(evidence.guarded_models())
    for model in encrypted_models():
        text_columns = [f.column for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        binary = BINARY_FIELDS.get((model._meta.app_label, model._meta.model_name), ())
        binary_columns = [f.column for f in model._meta.fields if f.name in binary]
        columns = text_columns + binary_columns
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        block = evidence.purging() if model in guarded else transaction.atomic()
        with block, connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {', '.join(quote(c) for c in columns)} FROM {table}")  # noqa: S608
            for row in cursor.fetchall():
                values = dict(zip(columns, row[1:], strict=True))
                changes = {c: rotate_text(values[c]) for c in text_columns if (values[c] or "").startswith(PREFIX)}
                changes.update({c: rotate_bytes(bytes(values[c])) for c in binary_columns if values[c]})
                if changes:
                    assignments = ", ".join(f"{quote(c)} = %s" for c in changes)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                        [*changes.values(), row[0]],
                    )
                    total += 1
            if model in guarded:
                record(
                    "evidence_purge",
                    username="rotate_encryption_keys",
                    detail=f"rotate_encryption_keys: {model._meta.db_table} перешифрована новым ключом",
                )
    return total


class Command(BaseCommand):
    help = "Перешифровать персональные данные первым ключом FIELD_ENCRYPTION_KEYS (ротация ключей)."

    def handle(self, *args, **options):
        self.stdout.write(f"Перешифровано записей: {rotate_all()}")
