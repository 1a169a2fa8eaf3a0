from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.hsds import export, validation


class Command(BaseCommand):
    help = "Выгрузить банк данных в формате Open Referral HSDS 3.1 (табличный пакет CSV или JSON)."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Папка, куда записать файлы.")
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (по умолчанию) или json")
        parser.add_argument("--no-validate", action="store_true", help="Не проверять выгрузку по схемам HSDS 3.1.")

    def handle(self, *args, **options):
        tables = export.build_tables()
        target = Path(options["directory"])
        if options["format"] == "json":
            nested = export.nest(tables)
            problems = [] if options["no_validate"] else validation.validate_nested(nested)
            written = export.write_json(tables, target)
        else:
            problems = [] if options["no_validate"] else validation.validate_tables(tables)
            written = export.write_tabular(tables, target)
        if problems:
            raise CommandError("Выгрузка не соответствует схемам HSDS 3.1:\n" + "\n".join(problems[:50]))
        counts = ", ".join(f"{table}: {len(rows)}" for table, rows in tables.items())
        self.stdout.write(f"Записано файлов: {len(written)} в {target} ({counts}).")
