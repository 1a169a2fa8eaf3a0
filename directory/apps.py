from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Банк данных")
    default_auto_field = "django.db.models.BigAutoField"
    # The databank listens to no one: search follows its writes (`directory.signals`, `search/receivers.py`).
