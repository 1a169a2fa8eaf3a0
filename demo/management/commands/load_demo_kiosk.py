from django.core.management.base import BaseCommand

from demo.kiosk import load_demo_kiosk


class Command(BaseCommand):
    help = "Создаёт (или обновляет) демонстрационный терминал kyzyl-hospital: /kiosk/kyzyl-hospital/."

    def handle(self, *args, **options):
        kiosk = load_demo_kiosk()
        self.stdout.write(self.style.SUCCESS(f"Демо-терминал: /kiosk/{kiosk.code}/"))
