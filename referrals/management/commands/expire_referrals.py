from django.core.management.base import BaseCommand

from referrals.services import expire_overdue


class Command(BaseCommand):
    help = "Перевести неотвеченные в срок направления в состояние «срок ответа истёк» (запускать ежедневно)."

    def handle(self, *args, **options):
        self.stdout.write(f"Просрочено направлений: {expire_overdue()}")
