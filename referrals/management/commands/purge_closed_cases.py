import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from referrals.services import purge_closed_cases


def parse_age(text: str) -> int:
    """Days from «1825», «1825d», «5y» or «18m»."""
    match = re.fullmatch(r"\s*(\d+)\s*([dmy]?)\s*", text or "")
    if not match:
        raise CommandError("--older-than: укажите срок как 1825, 1825d, 60m или 5y.")
    number, unit = int(match.group(1)), match.group(2) or "d"
    return number * {"d": 1, "m": 30, "y": 365}[unit]


class Command(BaseCommand):
    help = "Обезличить семьи, сопровождение которых прекращено раньше срока хранения, и составить акт уничтожения."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default=f"{settings.CASE_RETENTION_DAYS}d")
        parser.add_argument("--by", default="purge_closed_cases", help="Кто уничтожает (для акта).")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, older_than, by, dry_run, **options):
        days = parse_age(older_than)
        records = purge_closed_cases(older_than_days=days, by=by, dry_run=dry_run)
        verb = "Будут обезличены" if dry_run else "Обезличены"
        self.stdout.write(f"{verb} случаи: {len(records)}")
        for record in records:
            self.stdout.write(f"  {record}")
