"""The database engine reads bit sets: every search row gets a bit position, and `SearchPosting` holds, for every
word of the rows' text and names and every filter and facet value, the set of rows that have it.

A set is stored in blocks of 4,096 rows (an edit rewrites a few small blocks). The GIN index of migration 0007
is no longer read and goes. The rows are emptied here and filled again, with
their postings, by the post-migrate hook (`search.rows.fill_if_empty`).
"""

from django.db import migrations, models

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
    for name in ("SearchRow", "SearchText", "SearchPosting"):
        try:
            model = apps.get_model("search", name)
        except LookupError:
            continue
        model.objects.all()._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_narrow_search_rows")]

    operations = [
        migrations.RunPython(empty_rows, empty_rows),
        migrations.RunPython(_on_postgresql(TEXT_VECTOR_DROP), _on_postgresql(TEXT_VECTOR_ADD)),
        migrations.AddField(
            model_name="searchrow",
            name="position",
            field=models.IntegerField(default=0, unique=True),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="SearchPosting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(choices=[("t", "text"), ("n", "name"), ("f", "facet")], max_length=1),
                ),
                ("key", models.CharField(max_length=200)),
                ("block", models.IntegerField(default=0)),
                ("bits", models.BinaryField()),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=["key", "block"], name="search_posting_key_block")],
                "indexes": [models.Index(fields=["kind", "key"], name="search_posting_kind")],
            },
        ),
    ]
