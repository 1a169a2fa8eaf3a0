"""The search table becomes narrow: the lemma text moves to `SearchText`, the category buckets and the family
categories become lists in the row (`bigint[]` on PostgreSQL, a JSON array on SQLite).

The facet cache is keyed by `SearchState` (one row) instead of a scan of the rows, and the coordinates
become floating point. The rows are emptied here and filled again by the post-migrate hook (`search.rows.fill_if_empty`) with the new
columns. On PostgreSQL the `tsvector` of migration 0006 moves with the text: generated from `search_text`
(every lemma one lexeme, no text-search parser), with a GIN index.
"""

from django.db import migrations, models

import search.fields

ROW_VECTOR_DROP = [
    "DROP INDEX IF EXISTS search_row_vector",
    "ALTER TABLE search_searchrow DROP COLUMN IF EXISTS search_vector",
]
ROW_VECTOR_ADD = [
    "ALTER TABLE search_searchrow ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(array_remove(string_to_array(btrim(search_text), ' '), ''))) STORED",
    "CREATE INDEX search_row_vector ON search_searchrow USING gin (search_vector)",
]
TEXT_VECTOR_ADD = [
    "ALTER TABLE search_searchtext ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(array_remove(string_to_array(btrim(search_text), ' '), ''))) STORED",
    "CREATE INDEX search_text_vector ON search_searchtext USING gin (search_vector)",
]
TEXT_VECTOR_DROP = [
    "DROP INDEX IF EXISTS search_text_vector",
    "ALTER TABLE search_searchtext DROP COLUMN IF EXISTS search_vector",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def empty_rows(apps, schema_editor):
    """Derived data: rebuilt after `migrate` (both directions)."""
    for name in ("SearchRow", "SearchRowBucket", "SearchText"):
        try:
            model = apps.get_model("search", name)
        except LookupError:
            continue
        model.objects.all()._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_search_row_vector")]

    operations = [
        migrations.RunPython(empty_rows, empty_rows),
        migrations.RunPython(_on_postgresql(ROW_VECTOR_DROP), _on_postgresql(ROW_VECTOR_ADD)),
        migrations.CreateModel(
            name="SearchState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("generation", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="SearchText",
            fields=[
                ("sal_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("search_text", models.TextField(default="")),
            ],
        ),
        migrations.DeleteModel(name="SearchRowBucket"),
        migrations.RemoveField(model_name="searchrow", name="search_text"),
        migrations.RemoveField(model_name="searchrow", name="stamp"),
        migrations.AddField(
            model_name="searchrow", name="buckets", field=search.fields.IdListField(blank=True, default=list)
        ),
        migrations.AddField(
            model_name="searchrow", name="categories", field=search.fields.IdListField(blank=True, default=list)
        ),
        migrations.AddField(
            model_name="searchrow", name="target_groups", field=search.fields.IdListField(blank=True, default=list)
        ),
        migrations.AlterField(model_name="searchrow", name="latitude", field=models.FloatField(null=True)),
        migrations.AlterField(model_name="searchrow", name="longitude", field=models.FloatField(null=True)),
        migrations.RunPython(_on_postgresql(TEXT_VECTOR_ADD), _on_postgresql(TEXT_VECTOR_DROP)),
    ]
