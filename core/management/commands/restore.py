from django.core.management.base import BaseCommand, CommandError

from core.backup.services import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Восстановление из резервной копии `manage.py backup` в пустую базу данных (--force — заменить непустую). "
        "Нужны тот же BACKUP_ENCRYPTION_KEY и те же FIELD_ENCRYPTION_KEYS, что при создании копии."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Файл архива.")
        parser.add_argument("--force", action="store_true", help="Заменить содержимое непустой базы данных.")

    def handle(self, *args, archive, force=False, **options):
        try:
            manifest = restore_backup(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"Восстановлено из копии от {manifest['created_at']}: направлений {counts['referrals.Referral']}, "
            f"событий {counts['referrals.ReferralEvent']}, записей журнала доступа {counts['referrals.AccessLog']}."
        )
