"""Many rows of the search tables at once."""

from __future__ import annotations

from django.db import connection


def insert(model, objects: list) -> None:
    """`bulk_create`; on PostgreSQL a `COPY`, several times faster for the tens of thousands of rows of a rebuild."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=500)
        return
    fields = [field for field in model._meta.concrete_fields if field is not model._meta.auto_field]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields])


def grouped(queryset, key: str, *fields: str) -> dict[int, list]:
    """{key: [value, …]} (a tuple of values with several fields) of a queryset's rows, in its order: the
    many-to-many rows of a batch of services read in one query."""
    result: dict[int, list] = {}
    for row in queryset.values_list(key, *fields):
        result.setdefault(row[0], []).append(row[1] if len(fields) == 1 else row[1:])
    return result
