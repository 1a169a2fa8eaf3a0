from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup.services import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Зашифрованная резервная копия: дамп базы данных и файлы MEDIA_ROOT в одном архиве "
        "(ключ BACKUP_ENCRYPTION_KEY; см. docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="Файл архива (по умолчанию backup-ГГГГММДД-ЧЧММСС.tar.enc в текущем каталоге).",
        )

    def handle(self, *args, output=None, **options):
        path = Path(output or f"backup-{timezone.now():%Y%m%d-%H%M%S}.tar.enc")
        try:
            result = create_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = result.manifest["counts"]
        self.stdout.write(
            f"Резервная копия: {result.path} ({result.size} байт). Направлений {counts['referrals.Referral']}, "
            f"событий {counts['referrals.ReferralEvent']}, записей журнала доступа {counts['referrals.AccessLog']}."
        )
