"""Search owns its write path: after a write of the databank every writer calls `databank_changed` (the
directory's signals for admin, shell and service edits, heard by `search/receivers.py`; the HSDS and spreadsheet
imports) or writes inside `bulk()` (the synthetic databank, the demo loader). Nothing else in the directory touches
search's tables, tasks or caches.

What follows a change:

1. the lemmatised columns of the services (`search.lemmas`) that the writer did not compute itself;
2. the database engine's search table (`search.rows`), in the writer's transaction, so that a search in the same
   transaction already sees the change;
3. a re-index of the touched rows by a background task after commit, when a distributed engine is configured;
4. the cached public pages (`core.page_cache`): made stale now and again after commit.

Inside `bulk()` nothing is followed row by row: the columns of the services the signals name are computed once
at the end, the search table is rebuilt, the distributed index is re-indexed whole by a background task, and the
page cache is bumped once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Model, Q

from core import page_cache
from directory.models import (
    Category,
    Holiday,
    Location,
    Organization,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
)

from . import rows
from .engines.distributed import distributed_engine
from .indexing import sal_ids_for
from .lemmas import service_columns
from .query import vocabulary_learn, vocabulary_reset
from .tasks import schedule_reindex, schedule_reindex_everything

# Edits of these change index documents (a category's names are copied into the documents below it).
INDEXED_MODELS = (Organization, Location, Service, ServiceAtLocation, Schedule, ScheduleException, Category)
# Edits of these change the database engine's search table.
SEARCH_TABLE_MODELS = (Organization, Location, Service, ServiceAtLocation, Category)
# «Open now» is counted from the hours, read live by the engine: a change makes it count the query-less page again.
HOURS_MODELS = (Schedule, ScheduleException, Holiday)
CHUNK_SIZE = 2000

_state = threading.local()


def _pending() -> set[int]:
    """Services whose columns wait for the commit (signals: their links are saved after them)."""
    if not hasattr(_state, "pending"):
        _state.pending = set()
    return _state.pending


def in_bulk() -> bool:
    return getattr(_state, "bulk", None) is not None


def databank_changed(
    *,
    services: Iterable[int] = (),
    organizations: Iterable[int] = (),
    service_at_locations: Iterable[int] = (),
    edited: Iterable[Model] = (),
) -> None:
    """Bring search up to date after a write of the databank.

    `services`: services whose columns must be computed again (their fields, links or organisation changed and
    the writer did not compute them); their rows are written again. `organizations`: organisations written (their
    autocomplete entry and every row of their services and places). `service_at_locations`: rows written, or
    removed (ids collected with `rows_of` before the delete). `edited`: rows of any databank model saved, deleted
    or relinked one by one (the signals): search works out what each touches, and the columns of an edited
    service or organisation's services are computed when the transaction commits.
    """
    services, organizations = _ids(services), _ids(organizations)
    sal_ids, edited = _ids(service_at_locations), list(edited)
    if in_bulk():
        _state.bulk.update(services)
        _state.bulk.update(_services_of(edited))
        return
    if services:
        _write_columns(services)
        sal_ids |= _ids(_chunked(services, lambda chunk: ServiceAtLocation.objects.filter(service_id__in=chunk)))
        organizations |= _ids(_chunked(services, lambda chunk: Service.objects.filter(pk__in=chunk), "organization_id"))
    if organizations:
        sal_ids |= _ids(
            _chunked(
                organizations,
                lambda chunk: ServiceAtLocation.objects.filter(
                    Q(service__organization_id__in=chunk) | Q(location__organization_id__in=chunk)
                ),
            )
        )
    table_ids, hours = set(sal_ids), False
    for instance in edited:
        if isinstance(instance, SEARCH_TABLE_MODELS):
            table_ids.update(sal_ids_for(instance))
            organizations.update(_organizations_of(instance))
        hours = hours or isinstance(instance, HOURS_MODELS)
        if isinstance(instance, INDEXED_MODELS):
            # An organisation's inline services and places are saved after it: collect the rows at commit time.
            transaction.on_commit(lambda instance=instance: schedule_reindex(sal_ids_for(_target(instance))))
    _columns_later(edited)
    if table_ids or organizations or hours:
        rows.refresh(table_ids, organizations)  # an empty refresh still marks the table changed (`rows.bump`)
    schedule_reindex(sal_ids)
    if services or sal_ids:
        learned = (set(services), set(sal_ids))
        transaction.on_commit(lambda: vocabulary_learn(*learned))
    page_cache.bump()


def rows_of(instance: Model) -> list[int] | None:
    """The search rows a delete of `instance` touches: call before the delete, pass them to `databank_changed`
    after it (None when nothing needs them)."""
    if in_bulk() or not isinstance(instance, INDEXED_MODELS):
        return None
    if isinstance(instance, SEARCH_TABLE_MODELS) or _index_in_use():
        return sal_ids_for(instance)
    return None


@contextmanager
def bulk():
    """For writers of many rows (synthetic databank, demo loader): nothing followed row by row inside the block;
    when it succeeds, the columns of the services the signals named, one rebuild of the search table, one
    re-index of a distributed index and one bump of the page cache."""
    if in_bulk():
        yield
        return
    _state.bulk = set()  # the services whose columns are written at the end
    try:
        with rows.rebuilt_after():
            yield
            services, _state.bulk = _state.bulk, None
            _write_columns(services)  # inside: the rows are rebuilt after it
    finally:
        _state.bulk = None
    schedule_reindex_everything()
    transaction.on_commit(vocabulary_reset)
    page_cache.bump()


def _services_of(edited: list[Model]) -> list[int]:
    """The services whose columns an edit changes: an edited service, an edited organisation's services."""
    ids = [instance.pk for instance in edited if isinstance(instance, Service)]
    organizations = [instance.pk for instance in edited if isinstance(instance, Organization)]
    if organizations:
        ids += Service.objects.filter(organization_id__in=organizations).values_list("pk", flat=True)
    return [pk for pk in ids if pk is not None]


def _columns_later(edited: list[Model]) -> None:
    ids = _services_of(edited)
    if ids:
        _pending().update(ids)
        # Every edit registers the callback (a rolled-back transaction drops its own); the first to run writes all.
        transaction.on_commit(_write_pending)


def _write_pending() -> None:
    services = set(_pending())
    _pending().clear()
    if in_bulk():
        _state.bulk.update(services)
    elif services:
        _write_columns(services)
        rows.refresh_services(services)
        vocabulary_learn(services)  # the query parser of this process learns the new words at once


def _write_columns(service_ids: Iterable[int]) -> None:
    ids = sorted(service_ids)
    for start in range(0, len(ids), CHUNK_SIZE):
        queryset = (
            Service.objects.filter(pk__in=ids[start : start + CHUNK_SIZE])
            .select_related("organization__provider_type")
            .prefetch_related("categories__parent__parent", "categories__kinds", "target_groups")
        )
        for service in queryset:
            name_text, full_text = service_columns(service)
            if (name_text, full_text) != (service.search_name, service.search_text):
                Service.objects.filter(pk=service.pk).update(search_name=name_text, search_text=full_text)


def _organizations_of(instance: Model) -> list[int]:
    if isinstance(instance, Organization):
        return [instance.pk]
    if isinstance(instance, Service | Location):
        return [instance.organization_id]
    return []


def _target(instance: Model) -> Model:
    # An exception's rows are those of its place.
    return Location(pk=instance.location_id) if isinstance(instance, ScheduleException) else instance


def _index_in_use() -> bool:
    return distributed_engine() is not None


def _chunked(ids: set[int], queryset_of, field: str = "pk") -> list[int]:
    ordered, found = sorted(ids), []
    for start in range(0, len(ordered), CHUNK_SIZE):
        found += queryset_of(ordered[start : start + CHUNK_SIZE]).values_list(field, flat=True)
    return found


def _ids(values: Iterable) -> set[int]:
    return {int(pk) for pk in values if pk is not None}
