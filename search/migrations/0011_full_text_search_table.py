"""The database engine on the database's own full-text index.

The bit-set postings (`SearchPosting`) and the lemma text table (`SearchText`) go; the search table is created
again with its lemma columns and its filter and facet keys. PostgreSQL: a stored `tsvector` of each lemma
column (configuration `simple`: the columns already hold pymorphy3's lemmas) with a GIN index, and a GIN index
on the keys. SQLite: the FTS5 table `search_fts` (rowid = `sal_id`) filled by triggers. The table starts empty
and is filled by the post-migrate hook (`search.rows.fill_if_empty`).
"""

from django.db import migrations, models

import search.fields

POSTGRESQL = [
    "ALTER TABLE search_searchrow ADD COLUMN name_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_name)) STORED",
    "ALTER TABLE search_searchrow ADD COLUMN text_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX search_row_name_vector ON search_searchrow USING gin (name_vector)",
    "CREATE INDEX search_row_text_vector ON search_searchrow USING gin (text_vector)",
    "CREATE INDEX search_row_keys ON search_searchrow USING gin (keys)",
]
SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(search_name, search_text, tokenize = 'unicode61')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchrow BEGIN "
    "INSERT INTO search_fts (rowid, search_name, search_text) VALUES (new.sal_id, new.search_name, new.search_text); "
    "END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchrow BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.sal_id; END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchrow BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.sal_id; "
    "INSERT INTO search_fts (rowid, search_name, search_text) VALUES (new.sal_id, new.search_name, new.search_text); "
    "END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TABLE IF EXISTS search_fts",
]


def create_index(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0010_family_vocabulary")]

    operations = [
        migrations.DeleteModel(name="SearchPosting"),
        migrations.DeleteModel(name="SearchText"),
        migrations.DeleteModel(name="SearchRow"),
        migrations.CreateModel(
            name="SearchRow",
            fields=[
                ("sal_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("service_id", models.BigIntegerField(db_index=True)),
                ("organization_id", models.BigIntegerField()),
                ("location_id", models.BigIntegerField(db_index=True)),
                ("is_24_7", models.BooleanField(default=False)),
                ("latitude", models.FloatField(null=True)),
                ("longitude", models.FloatField(null=True)),
                ("name", models.CharField(max_length=300)),
                ("search_name", models.TextField(default="")),
                ("search_text", models.TextField(default="")),
                ("keys", search.fields.KeyListField(blank=True, default=list)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["name", "sal_id"], name="search_row_name"),
                    models.Index(fields=["latitude", "longitude"], name="search_row_place"),
                ]
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
