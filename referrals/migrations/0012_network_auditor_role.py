"""The network auditor (Role.AUDITOR): reads the whole network's access log and security events, on a page whose
every opening is itself a security event. Administrators and heads read their own organisation's only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0011_evidence_triggers")]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="role",
            field=models.CharField(
                choices=[
                    ("curator", "куратор семьи"),
                    ("head", "руководитель"),
                    ("partner_intake", "приём направлений"),
                    ("partner_specialist", "исполнитель"),
                    ("coordinator", "координатор межведомственной рабочей группы"),
                    ("admin", "администратор"),
                    ("auditor", "аудитор сети"),
                ],
                max_length=20,
                verbose_name="роль",
            ),
        ),
    ]
