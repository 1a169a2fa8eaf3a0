"""Create the local demo administrator (admin / demo-admin-2026). Refuses to run with DEBUG off."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "demo-admin-2026"  # local demo only; README states it


class Command(BaseCommand):
    help = "Создать локального администратора для демонстрации (только при DEBUG=1)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Локальный администратор создаётся только при DEBUG=1: в рабочей среде используйте createsuperuser."
            )
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "admin@localhost"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
            self.stdout.write(f"Создан администратор {USERNAME} / {PASSWORD} (только для локальной демонстрации).")
        else:
            self.stdout.write(f"Администратор {USERNAME} уже есть.")
