from django.core.management.base import BaseCommand

from referrals.notifications import deliver_due, run_reminders, send_digests


class Command(BaseCommand):
    help = (
        "Напоминания о сроках, эскалация просроченного, ежедневные сводки и доставка писем из очереди "
        "(запускать по расписанию, например каждые 15 минут)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digests", action="store_true", help="Также отправить ежедневные сводки.")

    def handle(self, *args, digests, **options):
        reminders = run_reminders()
        digest_count = send_digests() if digests else 0
        delivery = deliver_due()
        self.stdout.write(
            f"Уведомлений: {reminders}; сводок: {digest_count}; писем отправлено: {delivery['sent']}, "
            f"отложено: {delivery['failed']}"
        )
