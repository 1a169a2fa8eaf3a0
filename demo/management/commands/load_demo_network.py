from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.network import DEMO_PASSWORD, DEMO_USERS, load_demo_network, totp_secret_base32


class Command(BaseCommand):
    help = "Демонстрационный кабинет: пользователи всех ролей, семьи и направления (только для локального запуска)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Демонстрационные пользователи создаются только при DEBUG=1 (локальный запуск).")
        result = load_demo_network()
        if not result["created"]:
            self.stdout.write("Демонстрационный кабинет уже загружен.")
        self.stdout.write(f"Кабинет: http://127.0.0.1:8000/cabinet/ — пароль всех демо-пользователей {DEMO_PASSWORD}")
        for username, (role, *_rest) in DEMO_USERS.items():
            self.stdout.write(f"  {username:14} {role.label:45} TOTP {totp_secret_base32(username)}")
