"""A list of ids in one column of the search table: `bigint[]` on PostgreSQL, a JSON array on SQLite.

The database engine reads such lists with `unnest()` (PostgreSQL) or `json_each()` (SQLite) instead of joining
a (row, id) table: the facet counts of the family categories and of the category buckets read one narrow
table. `search.engines.database.elements` writes the SQL that expands a list.
"""

from __future__ import annotations

import json

from django.db import models


class IdListField(models.Field):
    description = "список идентификаторов"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        ids = [int(item) for item in (value or [])]
        if connection.vendor == "postgresql":
            return ids
        return json.dumps(ids)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        if isinstance(value, str):
            return json.loads(value)
        return list(value)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return list(value or [])
