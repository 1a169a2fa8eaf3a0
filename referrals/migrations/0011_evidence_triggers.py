"""The database refuses UPDATE and DELETE on the evidence tables (referrals/evidence.py): a PL/pgSQL trigger on
PostgreSQL, SQLite triggers and their control table on SQLite. Other databases are not supported by the project
and get nothing."""

from django.db import migrations


def install(apps, schema_editor):
    from referrals import evidence

    for sql in evidence.install_statements(schema_editor.connection.vendor, apps):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    from referrals import evidence

    for sql in evidence.uninstall_statements(schema_editor.connection.vendor, apps):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0010_encrypt_free_text")]

    operations = [migrations.RunPython(install, uninstall)]
