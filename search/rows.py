"""The database engine's search table (`SearchRow`): build, refresh, rebuild.

One row per published service at a location, copied from the directory with its lemma text and its filter and
facet keys; the database's own full-text index over the lemma columns follows the rows by itself (generated
`tsvector` columns on PostgreSQL, triggers filling FTS5 on SQLite: migration `search.0011`).
Every writer of the databank reaches it through `search.sync`: the rows an edit touches are written again at
once, in the editing transaction, so the engine never lags behind the databank; bulk writers get one
`rebuild()` at the end (`rebuilt_after`), as does `manage.py search_index rebuild`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, transaction

from directory import selectors
from directory.models import Service, ServiceAtLocation

from . import autocomplete, bulk
from .models import SearchOrganization, SearchRow, SearchState
from .taxonomy import Taxonomy

CHUNK_SIZE = 2000
_bulk = threading.local()
_COLUMNS = {
    "sal_id": "pk",
    "service_id": "service_id",
    "organization_id": "service__organization_id",
    "location_id": "location_id",
    "m": "location__municipality_id",
    "s": "location__settlement_id",
    "p": "service__organization__provider_type_id",
    **{f"d:{mode}": f"service__delivery_{mode}" for mode in ("in_person", "phone", "online", "home_visit")},
    "cost": "service__cost",
    "x:accessible": "location__wheelchair_accessible",
    "is_24_7": "location__is_24_7",
    "confidential": "location__is_confidential",
    "latitude": "location__latitude",
    "longitude": "location__longitude",
    "name": "service__name",
    "search_name": "service__search_name",
    "search_text": "service__search_text",
}


def _write(sal_ids: list[int], buckets: dict[int, set[int]] | None, organizations: set[int] | None = None) -> int:
    """Insert the rows of the given ids that are public (the old rows must be gone); add their organisations
    to `organizations`. Returns the number of rows written."""
    found = selectors.public_service_at_locations().filter(pk__in=sal_ids).values_list(*_COLUMNS.values())
    values = [dict(zip(_COLUMNS, row, strict=True)) for row in found]
    if not values:
        return 0
    buckets = buckets if buckets is not None else Taxonomy.load().bucket_map()
    service_ids = {row["service_id"] for row in values}
    if organizations is not None:
        organizations.update(row["organization_id"] for row in values)
    links = Service.categories.through.objects.filter(service_id__in=service_ids)
    categories = bulk.grouped(links, "service_id", "category_id")
    links = Service.target_groups.through.objects.filter(service_id__in=service_ids)
    target_groups = bulk.grouped(links, "service_id", "targetgroup_id")
    rows = []
    for row in values:
        own = categories.get(row["service_id"], [])
        keys = [f"{prefix}:{row[prefix]}" for prefix in "msp" if row[prefix] is not None]
        keys += [f"g:{pk}" for pk in sorted(target_groups.get(row["service_id"], ()))]
        keys += [f"c:{pk}" for pk in sorted(own)]
        keys += [f"b:{pk}" for pk in sorted({bucket for pk in own for bucket in buckets.get(pk, ())})]
        keys += [key for key in _COLUMNS if ":" in key and row[key]]  # ways of getting help, step-free access
        keys += ["x:free"] * (row["cost"] == Service.Cost.FREE)
        placed = not row["confidential"] and row["latitude"] is not None and row["longitude"] is not None
        fields = ("sal_id", "service_id", "organization_id", "location_id", "name", "search_name", "search_text")
        rows.append(
            SearchRow(
                **{name: row[name] for name in fields},
                is_24_7=bool(row["is_24_7"]),
                latitude=float(row["latitude"]) if placed else None,
                longitude=float(row["longitude"]) if placed else None,
                keys=keys,
            )
        )
    bulk.insert(SearchRow, rows)
    return len(rows)


def _delete(sal_ids: list[int]) -> None:
    # A raw delete: the table has no dependants, and the project's delete signals are not about it.
    SearchRow.objects.filter(sal_id__in=sal_ids)._raw_delete(SearchRow.objects.db)


def refresh(sal_ids: Iterable[int], organization_ids: Iterable[int] = ()) -> int:
    """Write the given rows again, or drop them when they are no longer public (or gone); then the
    organisations they belonged to or belong to now, and `organization_ids`."""
    if in_bulk():
        return 0
    ids = sorted({int(pk) for pk in sal_ids if pk is not None})
    organizations = {int(pk) for pk in organization_ids if pk is not None}
    buckets = Taxonomy.load().bucket_map() if len(ids) > CHUNK_SIZE else None  # else only when a row is public
    written = 0
    with transaction.atomic():
        bump()
        for start in range(0, len(ids), CHUNK_SIZE):
            chunk = ids[start : start + CHUNK_SIZE]
            organizations.update(SearchRow.objects.filter(sal_id__in=chunk).values_list("organization_id", flat=True))
            _delete(chunk)
            written += _write(chunk, buckets, organizations)
        autocomplete.refresh(organizations)
    return written


def in_bulk() -> bool:
    return getattr(_bulk, "depth", 0) > 0


@contextmanager
def rebuilt_after():
    """For bulk writers (synthetic databank, demo loader): no row-by-row refreshes inside the block, one
    `rebuild()` when it succeeds."""
    depth = getattr(_bulk, "depth", 0)
    _bulk.depth = depth + 1
    try:
        yield
    finally:
        _bulk.depth = depth
    if depth == 0:
        rebuild()


def refresh_services(service_ids: Iterable[int]) -> int:
    """The rows and organisations of these services (after their lemma columns changed)."""
    ids = sorted(set(service_ids))
    if in_bulk() or not ids:
        return 0
    sal_ids, organizations = [], []
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        sal_ids += ServiceAtLocation.objects.filter(service_id__in=chunk).values_list("pk", flat=True)
        organizations += Service.objects.filter(pk__in=chunk).values_list("organization_id", flat=True)
    return refresh(sal_ids, organizations)


def rebuild() -> dict:
    """Fill the table from the databank in one transaction (searches see the old rows until it commits)."""
    started = time.perf_counter()
    buckets = Taxonomy.load().bucket_map()
    ids = list(selectors.public_service_at_locations().order_by("pk").values_list("pk", flat=True))
    written = 0
    with transaction.atomic():
        bump()
        SearchRow.objects.all()._raw_delete(SearchRow.objects.db)
        for start in range(0, len(ids), CHUNK_SIZE):
            written += _write(ids[start : start + CHUNK_SIZE], buckets)
        organizations = autocomplete.rebuild()
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in (SearchRow, SearchOrganization))
        # Fresh statistics for the planner after a bulk change; outside a transaction also the space of the old
        # rows (the rebuild doubles the tables until autovacuum comes, and index scans visit the dead rows).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM ANALYZE {tables}")
    return {"rows": written, "organizations": organizations, "seconds": round(time.perf_counter() - started, 2)}


def fill_if_empty() -> dict | None:
    """After `migrate` on an existing databank: build the table once (it starts empty)."""
    if SearchRow.objects.exists() or not selectors.public_service_at_locations().exists():
        return None
    return rebuild()


def bump() -> None:
    """Mark the search table (or the hours «open now» reads) as changed: what the engine keeps in each process
    (the counts of the query-less call, the words' weights) is computed again at its next search."""
    now = time.time_ns()
    if not SearchState.objects.filter(pk=1).update(generation=now):
        SearchState.objects.update_or_create(pk=1, defaults={"generation": now})


def stamp() -> int:
    """The generation of the search table: changes with every refresh, goes back with a rolled-back
    transaction (`bump`)."""
    return SearchState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0
