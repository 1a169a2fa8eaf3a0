"""Keep search in step with edits made anywhere (admin, imports, shell).

Two things follow an edit: the lemmatised columns of the database engine (refreshed after commit) and,
when a distributed engine is configured, the index documents of every service-at-location it touches
(re-indexed by a background task). Deleted rows are collected before the delete and removed from the index.
"""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import Category, Location, Organization, Schedule, ScheduleException, Service, ServiceAtLocation

# Edits of these rows change index documents (a category's names are copied into the documents below it).
INDEXED_MODELS = (Organization, Location, Service, ServiceAtLocation, Schedule, ScheduleException, Category)


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


def _index_in_use() -> bool:
    from search.engines.distributed import distributed_engine

    return distributed_engine() is not None


def _reindex_later(instance):
    if not _index_in_use():
        return
    from search.indexing import sal_ids_for
    from search.tasks import schedule_reindex

    target = Location(pk=instance.location_id) if isinstance(instance, ScheduleException) else instance
    schedule_reindex(sal_ids_for(target))


@receiver(post_save, sender=Service)
def service_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(Q(pk=instance.pk))


@receiver(post_save, sender=Organization)
def organization_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_later(Q(organization_id=instance.pk))


@receiver(post_save)
def indexed_row_saved(sender, instance, raw=False, **kwargs):
    if not raw and isinstance(instance, INDEXED_MODELS):
        # An organisation's inline services and places are saved after it: collect the rows at commit time.
        transaction.on_commit(lambda: _reindex_later(instance))


@receiver(pre_delete)
def indexed_row_deleting(sender, instance, **kwargs):
    if isinstance(instance, INDEXED_MODELS) and _index_in_use():
        from search.indexing import sal_ids_for

        instance._search_sal_ids = sal_ids_for(instance)


@receiver(post_delete)
def indexed_row_deleted(sender, instance, **kwargs):
    ids = getattr(instance, "_search_sal_ids", None)
    if ids:
        from search.tasks import schedule_reindex

        schedule_reindex(ids)
