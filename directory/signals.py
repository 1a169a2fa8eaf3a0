"""Keep the search columns in step with edits made anywhere (admin, imports, shell)."""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Organization, Service


def _refresh_later(condition: Q):
    def refresh():
        from . import services

        queryset = (
            Service.objects.filter(condition)
            .select_related("organization__provider_type")
            .prefetch_related("categories__parent__parent", "categories__kinds", "target_groups")
        )
        services.services_refresh_search_text(services=queryset)

    # After commit: many-to-many values and an organisation's inline services are saved after post_save.
    transaction.on_commit(refresh)


@receiver(post_save, sender=Service)
def service_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(Q(pk=instance.pk))


@receiver(post_save, sender=Organization)
def organization_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(Q(organization_id=instance.pk))
