from pathlib import Path
from time import perf_counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from website.guide.forms import GuideForm
from website.guide.render import guide_pdf


class Command(BaseCommand):
    help = "Составить справочник для печати (PDF) по району, виду помощи или жизненной ситуации."

    def add_arguments(self, parser):
        parser.add_argument("--district", default="", help="Код района, например kyzyl.")
        parser.add_argument("--category", default="", help="Код вида помощи или группы мер, например psy.")
        parser.add_argument("--situation", default="", help="Адрес (slug) страницы жизненной ситуации.")
        parser.add_argument("--size", default="a4", help="a4 (по умолчанию) или a5.")
        parser.add_argument("-o", "--output", required=True, help="Куда записать PDF.")
        parser.add_argument(
            "--base-url",
            default=settings.WAGTAILADMIN_BASE_URL,
            help="Адрес сайта для QR-кодов и ссылок (по умолчанию WAGTAILADMIN_BASE_URL).",
        )

    def handle(self, *args, **options):
        params = {key: options[key] for key in ("district", "category", "situation", "size") if options[key]}
        form = GuideForm(params)
        if not form.is_valid():
            problems = [str(e) for e in form.non_field_errors()]
            problems += [
                f"--{name}: {error}" for name, errors in form.errors.items() if name != "__all__" for error in errors
            ]
            raise CommandError("Справочник не составлен: " + " ".join(problems))
        selection = form.selection()
        started = perf_counter()
        pdf, count = guide_pdf(selection, base_url=options["base_url"].rstrip("/") + "/")
        if not count:
            raise CommandError("По выбранным условиям в банке данных нет опубликованных услуг.")
        target = Path(options["output"])
        target.write_bytes(pdf)
        self.stdout.write(
            f"Записан справочник {target}: {count} услуг, {len(pdf) // 1024} КБ, за {perf_counter() - started:.1f} с."
        )
