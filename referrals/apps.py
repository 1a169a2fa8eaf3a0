from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core import metrics


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Сеть сопровождения")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # inside: these import models, which an app module may not before the registry is ready (standard Django)
        from . import evidence, security, selectors

        security.connect()
        metrics.register_gauge(
            "referrals_overdue",
            "Referrals past their response or completion date.",
            lambda: [((), selectors.overdue_count())],
        )
        post_migrate.connect(evidence.reinstall_after_migrate, sender=self, dispatch_uid="referrals.evidence")
