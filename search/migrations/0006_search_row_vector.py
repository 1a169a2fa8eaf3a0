"""PostgreSQL only: word-prefix matching over the narrow search table through a `tsvector` (nothing on SQLite).

`search_vector` is generated from `search_text` (lemmas separated by spaces) without a text-search parser:
every lemma is one lexeme, so `search_vector @@ 'lemma':*` means exactly `search_text LIKE '% lemma%'`
(a word starts with the lemma), the condition SQLite keeps using. A GIN index answers it.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE search_searchrow ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(array_to_tsvector(array_remove(string_to_array(btrim(search_text), ' '), ''))) STORED",
    "CREATE INDEX search_row_vector ON search_searchrow USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_row_vector",
    "ALTER TABLE search_searchrow DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_search_rows")]

    operations = [migrations.RunPython(forward, backward)]
