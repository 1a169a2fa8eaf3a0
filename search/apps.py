from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Поиск")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import query
        from .models import Synonym

        # Editors' changes to the dictionary take effect at once (in this process; others within a minute).
        post_save.connect(query.synonyms_changed, sender=Synonym, dispatch_uid="search_synonym_saved")
        post_delete.connect(query.synonyms_changed, sender=Synonym, dispatch_uid="search_synonym_deleted")
