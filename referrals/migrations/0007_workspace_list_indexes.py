"""Indexes of the workspace lists at scale (docs/performance.md, «Referral workspace at 100,000 referrals»).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL (the tables are large and in use: docs/operations.md), plain
CREATE INDEX elsewhere."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0006_security_events"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="referral",
            index=models.Index(
                fields=["organization", "status", "respond_by", "needed_by", "created_at", "id"],
                name="referral_inbox",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="familycase",
            index=models.Index(fields=["organization", "status", "-registration_date", "-id"], name="case_list"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="notification",
            index=models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent"),
        ),
    ]
