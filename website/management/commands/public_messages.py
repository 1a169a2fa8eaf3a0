"""Refresh the interface catalogues of the public site and the kiosks: `manage.py public_messages`.

Runs makemessages for every language of SITE_LANGUAGES but Russian, keeps only the public strings (see
website/i18n_catalogue.py) and lists those still without a translation. Then translate them in
website/locale/<lang>/LC_MESSAGES/django.po and compile with `msgfmt --check -o django.mo django.po`
(the .mo files are committed, so the site itself needs no gettext tools)."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from website.i18n_catalogue import choice_labels, keep_public

IGNORE = [".venv", "venv", "tests", "static", "staticfiles", "*.egg-info", "node_modules"]


class Command(BaseCommand):
    help = "Собрать строки интерфейса публичного сайта и терминалов в website/locale (en, tyv, tt…)."

    def handle(self, *args, **options):
        languages = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        call_command("makemessages", locale=languages, ignore_patterns=IGNORE, add_location="file", verbosity=0)
        labels = choice_labels()
        for code in languages:
            path = Path(settings.BASE_DIR) / "website" / "locale" / code / "LC_MESSAGES" / "django.po"
            text, untranslated = keep_public(path.read_text(encoding="utf-8"), labels)
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"{code}: без перевода {len(untranslated)}")
            for msgid in untranslated:
                self.stdout.write(f"  {msgid}")
