"""Indexes for the database search engine on PostgreSQL (nothing is done on SQLite).

The engine matches lemmas with `search_text LIKE '% lemma%'` (and `search_name`): trigram GIN indexes
(the `pg_trgm` extension, a trusted extension that a database owner may create) let PostgreSQL answer
those conditions without reading every service. When the extension cannot be created the indexes are
skipped with a warning: the search still works, only slower.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = [
    ("search_service_text_trgm", "search_text"),
    ("search_service_name_trgm", "search_name"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as error:  # no privilege to create the extension
        logger.warning("pg_trgm is not available (%s): the search indexes are not created", error)
        return
    table = schema_editor.quote_name(apps.get_model("directory", "Service")._meta.db_table)
    with connection.cursor() as cursor:
        for name, column in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
                f"ON {table} USING gin ({schema_editor.quote_name(column)} gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _column in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_default_synonyms"),
        ("directory", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
