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
        tables, report = export.build_export()
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
        if options["format"] == "csv":
            self.report(report, export.write_report(report, target))

    def report(self, report: export.ExportReport, path: Path) -> None:
        if report.empty_tables:
            self.stdout.write(f"Таблицы без строк (записан только заголовок): {len(report.empty_tables)}.")
            for table, why in report.empty_tables.items():
                self.stdout.write(f"  {table}: {why}")
        if report.filled:
            self.stdout.write(
                f"Обязательные поля, заполненные из другого поля: {len(report.filled)} "
                "(описание термина таксономии — его название)."
            )
        if report.gaps:
            self.stdout.write(
                f"Обязательные поля, оставленные пустыми (в банке данных нет значения): {len(report.gaps)}:"
            )
            for name, count in sorted(report.gap_counts().items()):
                self.stdout.write(f"  {name}: {count}")
        else:
            self.stdout.write("Все обязательные поля заполнены.")
        self.stdout.write(f"Отчёт по каждой строке (таблица, id, поле, причина): {path}")
