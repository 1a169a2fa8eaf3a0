"""Django's `migrate` under the long statement timeout (core/db_timeouts.py): a migration that rebuilds an index
or moves data on a large table may run longer than a web request's statement may."""

from django.core.management.commands.migrate import Command as MigrateCommand

from core.db_timeouts import long_statements


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with long_statements(using=options["database"]):
            return super().handle(*args, **options)
