import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from referrals.services import purge_closed_cases, purge_old_logs

# The logs are evidence: the command never deletes rows younger than a year, whatever it is asked.
LOG_RETENTION_MIN_DAYS = 365


def parse_age(text: str, option: str = "--older-than") -> int:
    """Days from «1825», «1825d», «5y» or «18m»."""
    match = re.fullmatch(r"\s*(\d+)\s*([dmy]?)\s*", text or "")
    if not match:
        raise CommandError(f"{option}: укажите срок как 1825, 1825d, 60m или 5y.")
    number, unit = int(match.group(1)), match.group(2) or "d"
    return number * {"d": 1, "m": 30, "y": 365}[unit]


class Command(BaseCommand):
    help = "Обезличить семьи, сопровождение которых прекращено раньше срока хранения, и составить акт уничтожения."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default=f"{settings.CASE_RETENTION_DAYS}d")
        parser.add_argument("--by", default="purge_closed_cases", help="Кто уничтожает (для акта).")
        parser.add_argument(
            "--logs-older-than",
            default=None,
            help="Также удалить записи журнала доступа и события безопасности старше этого срока (1825d, 60m, 5y). "
            "Без параметра журналы не удаляются.",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, older_than, by, dry_run, logs_older_than=None, **options):
        days = parse_age(older_than)
        log_days = parse_age(logs_older_than, "--logs-older-than") if logs_older_than is not None else None
        if log_days is not None and log_days < LOG_RETENTION_MIN_DAYS:
            raise CommandError(f"--logs-older-than: журналы хранятся не меньше {LOG_RETENTION_MIN_DAYS} дней.")
        records = purge_closed_cases(older_than_days=days, by=by, dry_run=dry_run)
        verb = "Будут обезличены" if dry_run else "Обезличены"
        self.stdout.write(f"{verb} случаи: {len(records)}")
        for record in records:
            self.stdout.write(f"  {record}")
        if log_days is not None:
            counts = purge_old_logs(older_than_days=log_days, by=by, dry_run=dry_run)
            verb = "Будут удалены" if dry_run else "Удалены"
            self.stdout.write(
                f"{verb} записи журнала доступа: {counts['access_log']}, события безопасности: "
                f"{counts['security_events']}"
            )
