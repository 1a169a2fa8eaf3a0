from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Сеть сопровождения")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import security

        security.connect()
