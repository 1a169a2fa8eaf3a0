"""Keep the search columns in step with edits made anywhere (admin, imports, shell)."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Organization, Service


def _refresh_later(service_ids):
    def refresh():
        from . import services

        queryset = Service.objects.filter(pk__in=service_ids).select_related("organization__provider_type")
        services.services_refresh_search_text(
            services=queryset.prefetch_related("categories__parent__parent", "categories__kinds", "target_groups")
        )

    # After commit, so that many-to-many changes saved later in the same transaction are seen.
    transaction.on_commit(refresh)


@receiver(post_save, sender=Service)
def service_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later([instance.pk])


@receiver(post_save, sender=Organization)
def organization_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(list(instance.services.values_list("pk", flat=True)))
