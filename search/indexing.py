"""The search index lifecycle for the distributed engines: build, swap, update, status.

* `rebuild()` builds a new versioned index (`<prefix>-services-v<timestamp>`) with bulk requests, refreshes
  it, then moves the alias (`<prefix>-services`) to it in one atomic request and deletes older versions:
  searches never see a half-built index and never stop.
* `update_objects(sal_ids)` indexes the given rows again, or deletes them when they are no longer public
  (draft/archived service, deleted row). It writes to the index behind the alias and to any newer version a
  running rebuild is filling, so an edit made during a rebuild is not lost.
* `update_all()` re-indexes everything into the current index without a swap and drops stale documents.
* `sal_ids_for(instance)` tells which rows an edited Organization, Location, Service, ServiceAtLocation,
  Schedule or Category touches. Call it *before* a delete (pre_delete): afterwards the rows are gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models import Model, Q
from elasticsearch import Elasticsearch

from directory import selectors
from directory.models import Category, Location, Organization, Schedule, Service, ServiceAtLocation

from . import documents
from .engines.distributed import DistributedEngine, distributed_engine
from .engines.errors import SearchEngineError, SearchEngineNotConfigured

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500


def _engine(engine: DistributedEngine | None) -> DistributedEngine:
    engine = engine or distributed_engine()
    if engine is None:
        raise SearchEngineNotConfigured("SEARCH_URL is empty or SEARCH_ENGINE is «database»: there is no index")
    return engine


def _json(response) -> dict:
    return getattr(response, "body", response)


def create_index(client, name: str) -> None:
    """Create an index with the mapping and analysis settings of `search.documents`."""
    body = documents.index_body()
    if isinstance(client, Elasticsearch):
        client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    else:
        client.indices.create(index=name, body=body)


def alias_indices(client, alias: str | None = None) -> list[str]:
    """Indices the alias points to (one, except during a manual repair)."""
    alias = alias or documents.alias_name()
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(_json(client.indices.get_alias(name=alias)))


def versions(client) -> list[str]:
    """Every versioned index of this prefix, oldest first."""
    return sorted(_json(client.indices.get(index=documents.index_pattern())))


def _index_actions(index: str, docs: Iterable[dict]):
    for doc in docs:
        yield {"_op_type": "index", "_index": index, "_id": str(doc["sal_id"]), "_source": doc}


def rebuild(engine: DistributedEngine | None = None, *, chunk_size: int = CHUNK_SIZE) -> dict:
    """Build a new index from the databank, swap the alias to it, delete the older versions."""
    engine = _engine(engine)
    client = engine.client
    alias = documents.alias_name()
    new = documents.index_name()
    with engine.errors():
        create_index(client, new)
    try:
        rows = documents.documents_for(selectors.public_service_at_locations())
        indexed, _ = engine.bulk(_index_actions(new, rows), chunk_size=chunk_size)
        with engine.errors():
            client.indices.refresh(index=new)
            previous = alias_indices(client, alias)
            actions = [{"remove": {"index": name, "alias": alias}} for name in previous]
            if not previous and client.indices.exists(index=alias):
                actions.append({"remove_index": {"index": alias}})  # a stray index under the alias's name
            actions.append({"add": {"index": new, "alias": alias}})
            client.indices.update_aliases(body={"actions": actions})
    except BaseException:
        try:
            client.indices.delete(index=new)
        except Exception:  # the original error matters more
            logger.warning("Could not delete the unfinished search index %s", new, exc_info=True)
        raise
    deleted = []
    with engine.errors():
        for name in versions(client):
            if name < new:  # the same prefix and timestamp width: older versions sort first
                client.indices.delete(index=name)
                deleted.append(name)
    logger.info("Search index %s built (%s documents), alias %s moved, deleted %s", new, indexed, alias, deleted)
    return {"alias": alias, "index": new, "documents": indexed, "previous": previous, "deleted": deleted}


def _write_targets(client) -> list[str]:
    """The index behind the alias and any newer version a running rebuild is filling."""
    current = alias_indices(client)
    if not current:
        return []
    return current + [name for name in versions(client) if name > max(current)]


def update_objects(sal_ids: Iterable[int], engine: DistributedEngine | None = None, *, refresh: bool = True) -> dict:
    """Index the given rows again, or delete them from the index when they are no longer public."""
    ids = sorted({int(pk) for pk in sal_ids})
    engine = _engine(engine)
    client = engine.client
    with engine.errors():
        targets = _write_targets(client)
    if not targets:
        logger.warning("No search index %s yet: run «manage.py search_index rebuild»", documents.alias_name())
        return {"indexed": 0, "deleted": 0, "indices": []}
    if not ids:
        return {"indexed": 0, "deleted": 0, "indices": targets}
    docs = list(documents.documents_for(selectors.public_service_at_locations().filter(pk__in=ids)))
    public = {doc["sal_id"] for doc in docs}
    gone = [pk for pk in ids if pk not in public]
    actions = []
    for index in targets:
        actions += list(_index_actions(index, docs))
        actions += [{"_op_type": "delete", "_index": index, "_id": str(pk)} for pk in gone]
    # 404: a delete of a row that was never indexed, or an index a finished rebuild just removed.
    engine.bulk(actions, chunk_size=CHUNK_SIZE, ignore_status=(404,), refresh=refresh)
    return {"indexed": len(docs), "deleted": len(gone), "indices": targets}


def update_all(engine: DistributedEngine | None = None, *, chunk_size: int = CHUNK_SIZE) -> dict:
    """Re-index every public row into the current index (no swap) and drop documents of rows that are gone."""
    engine = _engine(engine)
    client = engine.client
    alias = documents.alias_name()
    with engine.errors():
        targets = alias_indices(client, alias)
    if not targets:
        raise SearchEngineError(f"No search index {alias} yet: run «manage.py search_index rebuild»")
    public = set(selectors.public_service_at_locations().values_list("pk", flat=True))
    rows = documents.documents_for(selectors.public_service_at_locations())
    indexed, _ = engine.bulk(_index_actions(alias, rows), chunk_size=chunk_size)
    indexed_ids = {int(hit["_id"]) for hit in engine.scan(alias, {"query": {"match_all": {}}, "_source": False})}
    stale = sorted(indexed_ids - public)
    if stale:
        engine.bulk(
            ({"_op_type": "delete", "_index": alias, "_id": str(pk)} for pk in stale),
            chunk_size=chunk_size,
            ignore_status=(404,),
        )
    with engine.errors():
        client.indices.refresh(index=alias)
    return {"alias": alias, "indices": targets, "documents": indexed, "deleted": len(stale)}


def status(engine: DistributedEngine | None = None) -> dict:
    """Where the alias points, how many documents the index holds against the databank, cluster health."""
    engine = _engine(engine)
    client = engine.client
    alias = documents.alias_name()
    expected = selectors.public_service_at_locations().count()
    with engine.errors():
        indices = alias_indices(client, alias)
        all_versions = versions(client)
        count = _json(client.count(index=alias))["count"] if indices else 0
        health = _json(client.cluster.health(index=alias))["status"] if indices else "missing"
    return {
        "engine": engine.name,
        "alias": alias,
        "indices": indices,
        "versions": all_versions,
        "documents": count,
        "expected": expected,
        "health": health,
    }


def sal_ids_for(instance: Model) -> list[int]:
    """The ServiceAtLocation rows an edit of `instance` changes in the index (call before a delete)."""
    rows = ServiceAtLocation.objects.all()
    if isinstance(instance, ServiceAtLocation):
        if not instance.pk:
            return []
        # The service's other places too: which of them is the first (`service_first`) may change with this one.
        siblings = rows.filter(service_id=instance.service_id).values_list("pk", flat=True)
        return sorted({instance.pk, *siblings})
    if instance.pk is None:
        return []
    if isinstance(instance, Service):
        rows = rows.filter(service=instance)
    elif isinstance(instance, Location):
        rows = rows.filter(location=instance)
    elif isinstance(instance, Schedule):
        rows = rows.filter(location_id=instance.location_id)
    elif isinstance(instance, Organization):
        rows = rows.filter(Q(service__organization=instance) | Q(location__organization=instance))
    elif isinstance(instance, Category):
        # Names and codes of a category are copied into the documents of everything below it.
        rows = rows.filter(service__categories__in=selectors.category_descendant_ids([instance]))
    else:
        return []
    return sorted(set(rows.values_list("pk", flat=True)))
