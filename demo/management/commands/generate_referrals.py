"""manage.py generate_referrals --families N [--referrals M] [--seed S] [--clear]: synthetic workspace data at
scale (demo/synthetic_referrals.py), encrypted as in production. For benchmarks and load tests, never production."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import synthetic_referrals as generate


class Command(BaseCommand):
    help = "Создать синтетические семьи, согласия, программы и направления во всех состояниях (для замеров)."

    def add_arguments(self, parser):
        parser.add_argument("--families", type=int, required=True, help="Сколько семей (случаев) создать.")
        parser.add_argument(
            "--referrals", type=int, default=None, help="Сколько направлений (по умолчанию 10/3 на семью)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Зерно генератора (тот же набор при том же).")
        parser.add_argument("--clear", action="store_true", help="Сначала удалить созданное прежними запусками.")
        parser.add_argument(
            "--force", action="store_true", help="Разрешить без DEBUG=1 (база для замеров, не рабочая база)."
        )
        parser.add_argument("--batch-size", type=int, default=generate.BATCH_SIZE, help="Размер пакета bulk_create.")

    def handle(self, *args, families, referrals, seed, clear, batch_size, force=False, **options):
        if not (settings.DEBUG or force):
            raise CommandError("Синтетические данные создаются только при DEBUG=1 или с --force (база для замеров).")
        if families < 0 or (referrals is not None and referrals < 0):
            raise CommandError("--families и --referrals не могут быть отрицательными.")
        if clear:
            deleted = generate.clear()
            self.stdout.write(f"Удалено: {json.dumps(deleted, ensure_ascii=False)}")
        if families == 0:
            return
        log = (lambda message: self.stdout.write(message)) if options["verbosity"] > 1 else None
        try:
            result = generate.generate(
                families=families, referrals=referrals, seed=seed, batch_size=batch_size, log=log
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
