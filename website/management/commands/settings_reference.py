from django.core.management.base import BaseCommand

from website import settings_reference


class Command(BaseCommand):
    help = "Справочник переменных окружения из кода настроек; --write обновляет раздел в docs/operations.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Переписать раздел в docs/operations.md.")

    def handle(self, *args, write=False, **options):
        if write:
            changed = settings_reference.write()
            self.stdout.write("docs/operations.md обновлён." if changed else "docs/operations.md уже актуален.")
        else:
            self.stdout.write(settings_reference.render())
