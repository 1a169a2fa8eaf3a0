"""List columns of the search table: `text[]` / `bigint[]` on PostgreSQL, a JSON array on SQLite.

The database engine reads them with `unnest()` (PostgreSQL) or `json_each()` (SQLite) instead of joining a
(row, value) table: every facet count comes from one narrow table (`search.engines.database`).
"""

from __future__ import annotations

import json

from django.db import models


class _ListField(models.Field):
    postgresql_type = "text[]"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def convert(self, item):
        return str(item)

    def db_type(self, connection):
        return self.postgresql_type if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        items = [self.convert(item) for item in (value or [])]
        return items if connection.vendor == "postgresql" else json.dumps(items, ensure_ascii=False)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else list(value or [])


class KeyListField(_ListField):
    description = "список ключей"


class IdListField(_ListField):
    """Kept for the migrations that created the earlier search table."""

    description = "список идентификаторов"
    postgresql_type = "bigint[]"

    def convert(self, item):
        return int(item)
