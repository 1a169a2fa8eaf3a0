from django.core.management.base import BaseCommand, CommandError

from directory.hsds.importer import import_tables
from directory.hsds.reader import PackageError, read_package


class Command(BaseCommand):
    help = "Загрузить данные HSDS 3.0/3.1 (табличный пакет CSV или JSON) с обновлением по идентификаторам."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Папка пакета (datapackage.json и CSV), папка с JSON или файл JSON.")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="При любой ошибке не загружать ничего (откатить всё)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Только проверить: ничего не сохранять.")

    def handle(self, *args, **options):
        try:
            tables = read_package(options["path"])
        except PackageError as exc:
            raise CommandError(str(exc)) from exc
        report = import_tables(tables, all_or_nothing=options["all_or_nothing"], dry_run=options["dry_run"])
        for line in report.warnings:
            self.stdout.write(f"Предупреждение: {line}")
        for line in report.errors:
            self.stderr.write(f"Ошибка: {line}")
        created = ", ".join(f"{k}: {v}" for k, v in sorted(report.created.items())) or "нет"
        updated = ", ".join(f"{k}: {v}" for k, v in sorted(report.updated.items())) or "нет"
        if report.rolled_back:
            self.stdout.write(f"Ничего не сохранено (ошибок: {len(report.errors)}).")
        else:
            self.stdout.write(f"Создано — {created}; обновлено — {updated}; ошибок: {len(report.errors)}.")
        if report.errors:
            raise CommandError(f"Строк с ошибками: {len(report.errors)}.")
