"""Keep search in step with edits made anywhere (admin, imports, shell).

Three things follow an edit: the database engine's search table (`search.rows`: the rows the edit touches are
written again at once, in the editing transaction), the lemmatised columns of the database engine (refreshed
after commit, and the search table with them) and, when a distributed engine is configured, the index
documents of every service-at-location it touches (re-indexed by a background task). Deleted rows are
collected before the delete and removed from the table and the index.
"""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import (
    Category,
    Holiday,
    Location,
    Organization,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
)

# Edits of these rows change index documents (a category's names are copied into the documents below it).
INDEXED_MODELS = (Organization, Location, Service, ServiceAtLocation, Schedule, ScheduleException, Category)
# Edits of these change the database engine's search table (hours are read live from the schedules).
SEARCH_TABLE_MODELS = (Organization, Location, Service, ServiceAtLocation, Category)


def _refresh_search_rows(instance) -> None:
    if isinstance(instance, SEARCH_TABLE_MODELS):
        from search import rows

        rows.refresh_for(instance)


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
        _refresh_search_rows(instance)
        # An organisation's inline services and places are saved after it: collect the rows at commit time.
        transaction.on_commit(lambda: _reindex_later(instance))


@receiver(pre_delete)
def indexed_row_deleting(sender, instance, **kwargs):
    from search import rows

    in_table = isinstance(instance, SEARCH_TABLE_MODELS) and not rows.in_bulk()
    if in_table or (isinstance(instance, INDEXED_MODELS) and _index_in_use()):
        from search.indexing import sal_ids_for

        instance._search_sal_ids = sal_ids_for(instance)


@receiver(post_delete)
def indexed_row_deleted(sender, instance, **kwargs):
    ids = getattr(instance, "_search_sal_ids", None)
    if isinstance(instance, SEARCH_TABLE_MODELS) and ids is not None:
        from search import rows

        rows.refresh_for(instance, sal_ids=ids)
    if ids:
        from search.tasks import schedule_reindex

        schedule_reindex(ids)


@receiver(post_save, sender=Schedule)
@receiver(post_save, sender=ScheduleException)
@receiver(post_save, sender=Holiday)
@receiver(post_delete, sender=Schedule)
@receiver(post_delete, sender=ScheduleException)
@receiver(post_delete, sender=Holiday)
def hours_changed(sender, instance, **kwargs):
    """«Open now» is counted from the hours: a new key for the database engine's cached counts."""
    from search import rows

    if not rows.in_bulk() and not kwargs.get("raw"):
        rows.bump()


@receiver(m2m_changed, sender=Service.target_groups.through)
def service_target_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """The family categories of the search table's rows (filter and facet)."""
    if not action.startswith("post_"):
        return
    from search import rows

    rows.refresh_services((pk_set or []) if reverse else [instance.pk])  # reverse: group.services.add(…)


@receiver(m2m_changed, sender=Service.categories.through)
def service_categories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Category facet buckets of the search table (the lemma columns follow on commit through `save`)."""
    if not action.startswith("post_"):
        return
    from search import rows

    if reverse:  # category.services.add(…)
        rows.refresh_services(pk_set or [])
    else:
        rows.refresh_services([instance.pk])


@receiver(m2m_changed, sender=Category.kinds.through)
def category_kinds_changed(sender, instance, action, **kwargs):
    """A group's kinds of help are facet buckets of every row below it."""
    if action.startswith("post_") and isinstance(instance, Category):
        _refresh_search_rows(instance)
