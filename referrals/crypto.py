"""Encryption of personal data at rest and keyed hashes for exact lookups.

Keys come from the environment (`FIELD_ENCRYPTION_KEYS`: comma-separated Fernet keys, newest first;
`FIELD_HASH_KEY`: any long secret). MultiFernet decrypts with any listed key and encrypts with the first,
so rotation is: prepend a new key, run `manage.py rotate_encryption_keys`, then drop the old key.
"""

import base64
import datetime
import hashlib
import hmac
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"


@cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty (see docs/configuration.md).")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from exc


def reset_keys_cache() -> None:
    _fernet.cache_clear()


def encrypt_text(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return _fernet().decrypt(token[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A personal-data value cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from exc


def rotate_text(token: str) -> str:
    return PREFIX + _fernet().rotate(token[len(PREFIX) :].encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    return _fernet().decrypt(data)


def rotate_bytes(data: bytes) -> bytes:
    return _fernet().rotate(data)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: equal inputs meet, the column reveals nothing without the key."""
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    if len(digits) == 10:
        digits = "7" + digits
    return digits


def phone_hash(phone: str) -> str:
    return keyed_hash("phone:" + normalise_phone(phone)) if phone else ""


def derive_dev_key(secret: str) -> str:
    """A Fernet key derived from SECRET_KEY: local development and tests only (settings enforce that)."""
    return base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + secret).encode()).digest()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. No lookups but isnull/exact-empty: search through a keyed hash column.

    Every personal free text of `referrals` is one (names, phones, addresses, narratives, notes, conclusions, measure
    texts, messages, help requests): `tests/referrals/test_encryption.py` writes a marker through every form and
    service and finds it nowhere in the raw database. `rotate_encryption_keys` finds these fields by their class."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return self.to_python(decrypt_text(value))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt_text(self.serialise(value))

    def serialise(self, value) -> str:
        return str(value)


class EncryptedDateField(EncryptedTextField):
    """A date stored encrypted (ISO text inside the token); forms see an ordinary date field."""

    def to_python(self, value):
        if value in (None, "") or isinstance(value, datetime.date):
            return value or None
        return datetime.date.fromisoformat(value)

    def serialise(self, value) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)

    def formfield(self, **kwargs):
        return models.Field.formfield(self, form_class=forms.DateField, **kwargs)

    def get_prep_value(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return encrypt_text(self.serialise(value))


class EncryptedJSONField(EncryptedTextField):
    """A JSON value stored as a Fernet token of its JSON text: the sensitive codes of a case (family categories,
    circumstances of need, e.g. `refusal_intent`, `medical_need`). The database cannot filter on it: code that
    selects by a code reads the organisation's rows and tests the decrypted list in Python (referrals/reports.py).
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if value == "":
            return self.get_default()
        return json.loads(decrypt_text(value))

    def to_python(self, value):
        if isinstance(value, str):  # deserialisation (value_to_string's text)
            return json.loads(value) if value else self.get_default()
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(self.serialise(value))

    def serialise(self, value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def value_to_string(self, obj):
        return self.serialise(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return models.Field.formfield(self, form_class=forms.JSONField, **kwargs)
