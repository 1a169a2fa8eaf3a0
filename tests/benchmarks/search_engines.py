"""Measurements of one database search engine, for the side-by-side benchmark
(test_search_engines_side_by_side.py), usable in two ways:

* imported in the pytest process (the new engine, plain FTS) once Django is set up and `connection` points at the
  benchmark database;
* run as a script in a subprocess whose PYTHONPATH is another checkout (the old engine, from a git worktree of
  BENCH_BASELINE_COMMIT, or this one for a fresh process):

      python tests/benchmarks/search_engines.py serve|cold WORKLOAD.json

  with DJANGO_SETTINGS_MODULE and DATABASE_URL set. `cold` times the first calls of a fresh process and prints one
  line `RESULT:{json}`; `serve` answers commands on stdin (warmup, sql, round, after_edits, quit), one
  `RESULT:{json}` line each, so that the benchmark can alternate the engines' rounds.

Only the standard library at import time: the script must import the project (search, directory, website) from
the checkout on its PYTHONPATH, never from this one.

The workload is JSON: {"runs": R, "warmup": W, "edits": E, "queries": [{"shape", "query", "filters", "near":
[settlement code, radius km] | null, "sort"}]}. Everything goes through `search.services.search`, the entry point
every page uses, with the signature both engines share.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path


def stats(values: list[float]) -> dict:
    ordered = sorted(values) or [0.0]
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def label(call: dict) -> str:
    parts = [call["query"] or "—"]
    if call.get("filters"):
        parts.append("+" + ",".join(sorted(call["filters"])))
    if call.get("near"):
        parts.append(f"@{call['near'][0]} {call['near'][1]:g} км")
    if call.get("sort"):
        parts.append(f"↕{call['sort']}")
    return " ".join(parts)


# ------------------------------------------------------------------------------------------ the engine


def arguments(call: dict, places: dict) -> dict:
    """`search.services.search` keyword arguments of one workload entry."""
    from search.engines.base import GeoPoint

    near = None
    if call.get("near"):
        code, radius = call["near"]
        latitude, longitude, name = places[code]
        near = GeoPoint(latitude, longitude, name, radius_km=float(radius))
    return {"query": call["query"], "filters": dict(call.get("filters") or {}), "near": near, "sort": call["sort"]}


def places_of(calls: list[dict]) -> dict:
    from directory.models import Settlement

    codes = {call["near"][0] for call in calls if call.get("near")}
    return {s.code: (float(s.latitude), float(s.longitude), s.name) for s in Settlement.objects.filter(code__in=codes)}


def prepare_process() -> None:
    """What a gunicorn worker does once the application is loaded (website/wsgi.py), when the checkout has it."""
    try:
        from website.process import freeze_loaded_objects
    except ImportError:
        return
    freeze_loaded_objects()


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    answer = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, answer


class Engine:
    """One engine's calls of the workload in this process: `function(**arguments)` is `search.services.search`
    unless given (plain FTS)."""

    def __init__(self, workload: dict, function=None):
        if function is None:
            from search.services import search as function
        self.function = function
        self.workload = workload
        places = places_of(workload["queries"])
        self.kwargs = [arguments(call, places) for call in workload["queries"]]

    def warmup(self) -> None:
        for _ in range(self.workload["warmup"]):
            for item in self.kwargs:
                self.function(**item)

    def sql(self) -> list[dict]:
        """The SQL statements of one call of each query, and what it found."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        figures = []
        for item in self.kwargs:
            with CaptureQueriesContext(connection) as queries:
                answer = self.function(**item)
            figures.append({"sql": len(queries), "total": answer.total, "hits": len(answer.hits)})
        return figures

    def round(self) -> list[float]:
        """One timed call of each query, ms."""
        return [timed(self.function, **item)[0] for item in self.kwargs]

    def after_edits(self) -> dict:
        return after_edits(self.workload)


def serve(workload: dict) -> None:
    """The engine of this process answering the benchmark's commands, one JSON line in, one `RESULT:` line out:
    the benchmark alternates rounds of the engines so that a busy moment of the machine falls on all of them."""
    engine = Engine(workload)
    print("RESULT:" + json.dumps(where(), ensure_ascii=False), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        answer = getattr(engine, command)()
        print("RESULT:" + json.dumps(answer, ensure_ascii=False), flush=True)


def first_calls(workload: dict) -> dict:
    """In a fresh process: the first call of each shape (in the order text, filters, place), then the warm median
    of the same calls. The database connection is opened before the clock starts (every worker pays for that,
    whatever the engine)."""
    from django.db import connection

    from search.services import search

    connection.ensure_connection()
    calls = workload["queries"]
    shapes: dict[str, dict] = {}
    for call in calls:
        shapes.setdefault(call["shape"], call)
    places = places_of(list(shapes.values()))
    first = {shape: timed(search, **arguments(call, places))[0] for shape, call in shapes.items()}
    warm_ms = {}
    for shape, call in shapes.items():
        item = arguments(call, places)
        warm_ms[shape] = statistics.median(timed(search, **item)[0] for _ in range(7))
    return {
        shape: {"query": label(shapes[shape]), "first_ms": round(first[shape], 1), "warm_ms": round(warm_ms[shape], 1)}
        for shape in shapes
    }


def after_edits(workload: dict) -> dict:
    """The first search after an edit of the databank (a published service's description saved through the ORM,
    as the admin and the cabinet save it: the signals and whatever the engine keeps up to date run) against the
    warm median of the same search. `edits` edits, each followed by one call of another shape; the description is
    put back at the end."""
    from directory.models import Service
    from search.services import search

    calls = workload["queries"]
    shapes: dict[str, dict] = {}
    for call in calls:
        shapes.setdefault(call["shape"], call)
    places = places_of(list(shapes.values()))
    kwargs = {shape: arguments(call, places) for shape, call in shapes.items()}
    warm_ms = {shape: statistics.median(timed(search, **item)[0] for _ in range(7)) for shape, item in kwargs.items()}
    from directory.models import ServiceAtLocation

    published = ServiceAtLocation.objects.filter(service__status=Service.Status.PUBLISHED)
    service = Service.objects.get(pk=published.order_by("pk").values_list("service_id", flat=True)[0])
    original = service.description
    order = list(kwargs)
    extra: dict[str, list[float]] = {shape: [] for shape in order}
    edit_ms = []
    try:
        for number in range(workload["edits"]):
            service.description = f"{original} Правка бенчмарка {number}."
            edit_ms.append(timed(service.save)[0])
            shape = order[number % len(order)]
            extra[shape].append(timed(search, **kwargs[shape])[0] - warm_ms[shape])
    finally:
        service.description = original
        service.save()
    return {
        "edit_save_ms": stats(edit_ms),
        "shapes": {
            shape: {
                "query": label(shapes[shape]),
                "warm_ms": round(warm_ms[shape], 1),
                "extra_ms": [round(value, 1) for value in extra[shape]],
            }
            for shape in order
        },
    }


def where() -> dict:
    """Which code and which database answered (a check that the subprocess runs the worktree's code)."""
    from django.db import connection

    import search

    return {"search_package": str(Path(search.__file__).parent), "database": connection.settings_dict["NAME"]}


# ------------------------------------------------------------------------------------------ plain FTS


PLAIN_TABLE = "bench_plain_fts"


def build_plain_fts() -> dict:
    """A stored `russian` tsvector of every published service at a location (the service's name, weight A; the
    organisation's name, C; the description, D) with a GIN index: what PostgreSQL gives with no work of ours."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
        cursor.execute(
            f"""
            CREATE TABLE {PLAIN_TABLE} AS
            SELECT sal.id AS sal_id,
                   setweight(to_tsvector('russian', coalesce(s.name, '')), 'A')
                   || setweight(to_tsvector('russian', coalesce(o.name, '')), 'C')
                   || setweight(to_tsvector('russian', coalesce(s.description, '')), 'D') AS document
              FROM directory_serviceatlocation sal
              JOIN directory_service s ON s.id = sal.service_id
              JOIN directory_organization o ON o.id = s.organization_id
             WHERE s.status = 'published'
            """
        )
        cursor.execute(f"ALTER TABLE {PLAIN_TABLE} ADD PRIMARY KEY (sal_id)")
        cursor.execute(f"CREATE INDEX {PLAIN_TABLE}_document ON {PLAIN_TABLE} USING gin (document)")
        cursor.execute(f"ANALYZE {PLAIN_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {PLAIN_TABLE}")
        rows = cursor.fetchone()[0]
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1)}


def drop_plain_fts() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")


class PlainAnswer:
    def __init__(self, total: int, hits: list):
        self.total, self.hits = total, hits


def plain_fts(query: str = "", filters=None, near=None, sort: str = "", per_page: int = 20) -> PlainAnswer:
    """Count + top 20 by ts_rank + load those 20 as a result card needs them (`directory.selectors.hydrate`).
    The text only: no filters, facets, synonyms, distance — the floor the engine is compared with."""
    from django.db import connection

    from directory import selectors

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PLAIN_TABLE} WHERE document @@ plainto_tsquery('russian', %s)", [query])
        total = cursor.fetchone()[0]
        cursor.execute(
            f"""
            SELECT sal_id FROM {PLAIN_TABLE}, plainto_tsquery('russian', %s) q
             WHERE document @@ q ORDER BY ts_rank(document, q) DESC, sal_id LIMIT %s
            """,
            [query, per_page],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows = {row.pk: row for row in selectors.hydrate(selectors.public_service_at_locations().filter(pk__in=ids))}
    return PlainAnswer(total, [rows[pk] for pk in ids if pk in rows])


# ------------------------------------------------------------------------------------------ as a script


def main(mode: str, workload_path: str) -> None:
    import django

    django.setup()
    workload = json.loads(Path(workload_path).read_text())
    prepare_process()
    if mode == "serve":
        serve(workload)
        return
    result = {"where": where(), "first": first_calls(workload)}
    print("RESULT:" + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    # Run as a script, Python put this folder first on sys.path: drop it, the project comes from PYTHONPATH.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)
    main(sys.argv[1], sys.argv[2])
