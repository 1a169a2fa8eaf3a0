from django.apps import AppConfig
from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from core import health


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Поиск")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # inside: models and the modules that import them load only once the app registry is ready
        from directory.models import Category

        from . import query, receivers, references
        from .health import check_search
        from .models import CrisisTerm, FamilyPhrase, Synonym

        # Every edit of the databank reaches the search table, the index and the page cache (search/receivers.py).
        receivers.connect()
        # Editors' changes to the dictionaries take effect at once (in this process; others within a minute).
        for model in (Synonym, FamilyPhrase, CrisisTerm):
            post_save.connect(query.synonyms_changed, sender=model, dispatch_uid=f"search_{model.__name__}_saved")
            post_delete.connect(query.synonyms_changed, sender=model, dispatch_uid=f"search_{model.__name__}_deleted")
        # Names of the facets' values: forgotten on an edit (in this process; others within a minute).
        m2m_changed.connect(references.reference_changed, sender=Category.kinds.through, dispatch_uid="search_kinds")
        for model in references.MODELS:
            for signal in (post_save, post_delete):
                signal.connect(
                    references.reference_changed,
                    sender=model,
                    dispatch_uid=f"search_references_{model.__name__}_{signal is post_save}",
                )
        # The database engine's statements are short but PostgreSQL's cost estimates for them are high enough to
        # trigger JIT compilation, which costs more (hundreds of ms) than the query itself; parallel workers cost
        # more to start than they save on tables of tens of thousands of narrow rows, and on two cores they take
        # the core of the next request: both off for the application's sessions.
        connection_created.connect(_postgresql_session, dispatch_uid="search_postgresql_session")
        # /readyz tells whether the search cluster answers (the database engine answers instead when it does not).
        health.register_check("search", check_search)
        # An existing databank gets its search table on the `migrate` that creates it.
        post_migrate.connect(_fill_search_rows, sender=self, dispatch_uid="search_fill_rows")


def _postgresql_session(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET max_parallel_workers_per_gather = 0")


def _fill_search_rows(sender, using="default", **kwargs):
    from . import rows  # inside: rows imports the models (this module loads before the app registry is ready)

    try:
        result = rows.fill_if_empty()
    except DatabaseError:  # migrated backwards: the table is not there
        return
    if result and kwargs.get("verbosity", 1):
        print(f"  Search table of the database engine filled: {result['rows']} rows in {result['seconds']} s.")
