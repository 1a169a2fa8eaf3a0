"""Background re-indexing of edited rows (django-tasks). `search.sync` calls `schedule_reindex` after an edit and
`schedule_reindex_everything` after a bulk write; nothing here runs when search works on the database engine."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

from core.request_log import enqueue

from .engines.distributed import distributed_engine
from .engines.errors import SearchEngineUnavailable
from .indexing import update_all, update_objects

logger = logging.getLogger(__name__)


@task()
def reindex_service_at_locations(sal_ids: list[int]) -> dict:
    """Index the rows again or delete them from the index (no longer public, deleted)."""
    engine = distributed_engine()
    if engine is None:
        return {"indexed": 0, "deleted": 0, "skipped": "database engine"}
    try:
        return update_objects(sal_ids, engine)
    except SearchEngineUnavailable:
        # The task fails (a worker may retry it); «manage.py search_index update» repairs any drift.
        logger.warning("Search index not updated for %s rows: the engine is unavailable", len(sal_ids), exc_info=True)
        raise


@task()
def reindex_everything() -> dict:
    """Index every public row again and drop the documents of rows that are gone (after a bulk write)."""
    engine = distributed_engine()
    if engine is None:
        return {"indexed": 0, "deleted": 0, "skipped": "database engine"}
    return update_all(engine)


def schedule_reindex(sal_ids: Iterable[int], *, using: str | None = None) -> None:
    """Enqueue a re-index of the rows once the current transaction commits (at once outside a transaction)."""
    if distributed_engine() is None:
        return
    ids = sorted({int(pk) for pk in sal_ids if pk is not None})
    if ids:
        transaction.on_commit(lambda: enqueue(reindex_service_at_locations, ids), using=using)


def schedule_reindex_everything() -> None:
    """Enqueue a re-index of the whole databank once the current transaction commits."""
    if distributed_engine() is not None:
        transaction.on_commit(lambda: enqueue(reindex_everything))
