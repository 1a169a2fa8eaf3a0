"""Region profiles as files: `region_profile list`, `import <name|path> [--valid-from DATE] [--replace]`,
`export <valid_from|id> [--out FILE]`."""

import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referrals import profiles
from referrals.models import RegionProfile


class Command(BaseCommand):
    help = "Показать, загрузить или выгрузить профили регионов (правила сопровождения как данные)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="версии профиля в базе и профили из поставки")
        load = sub.add_parser("import", help="загрузить профиль: имя из поставки или путь к файлу")
        load.add_argument("source")
        load.add_argument("--valid-from", type=datetime.date.fromisoformat)
        load.add_argument("--replace", action="store_true")
        dump = sub.add_parser("export", help="выгрузить версию профиля в файл")
        dump.add_argument("version", help="дата начала действия (ГГГГ-ММ-ДД) или номер")
        dump.add_argument("--out")

    def handle(self, *args, action, **options):
        if action == "list":
            current = profiles.in_force()
            for profile in RegionProfile.objects.order_by("valid_from"):
                mark = " ← действует" if profile.pk == current.pk else ""
                self.stdout.write(f"{profile.pk}\t{profile.valid_from}\t{profile.region}\t{profile.name}{mark}")
            self.stdout.write("В поставке: " + ", ".join(profiles.shipped_names()))
        elif action == "import":
            source = options["source"]
            if source in profiles.shipped_names():
                data = profiles.shipped_data(source)
            else:
                path = Path(source)
                if not path.exists():
                    raise CommandError(f"Нет ни профиля «{source}» в поставке, ни такого файла.")
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise CommandError(f"Файл не читается как JSON: {error}") from None
            try:
                profile = profiles.import_profile(
                    data, valid_from=options.get("valid_from"), replace=options.get("replace", False)
                )
            except profiles.ProfileError as error:
                raise CommandError("Профиль не загружен:\n" + "\n".join(f"  – {e}" for e in error.errors)) from None
            self.stdout.write(f"Загружен: {profile}")
        else:
            version = options["version"]
            query = {"pk": int(version)} if version.isdigit() else {"valid_from": version}
            profile = RegionProfile.objects.filter(**query).first()
            if profile is None:
                raise CommandError(f"Нет версии профиля «{version}».")
            body = json.dumps(profiles.export_profile(profile), ensure_ascii=False, indent=2) + "\n"
            if options.get("out"):
                Path(options["out"]).write_text(body, encoding="utf-8")
            else:
                sys.stdout.write(body)
