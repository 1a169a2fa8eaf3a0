"""Search benchmark: latency of `search.services.search` on a large synthetic databank, per engine.

Not part of the normal suite (pyproject's `norecursedirs` skips tests/benchmarks). Run it with

    make bench                                    # = pytest tests/benchmarks -s
    BENCH_SIZES=2000 BENCH_RUNS=20 .venv/bin/pytest tests/benchmarks/test_search_benchmark.py -s -q   # quick try
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search make bench                            # PostgreSQL

Environment:

* `BENCH_SIZES` — numbers of synthetic published services, comma-separated (default "10000,50000");
* `BENCH_RUNS` — measured runs per query shape (default 50), after `BENCH_WARMUP` warm-up runs (default 5);
* `BENCH_SEED` — seed of `manage.py generate_databank` (default 2026);
* `DATABASE_URL` — PostgreSQL instead of SQLite (pytest-django creates and drops the test_… database);
* `ELASTICSEARCH_URL` — also measure the Elasticsearch engine against that cluster;
* `BENCH_OPENSEARCH=0` — skip osmem-server (the in-memory OpenSearch-compatible test server).

For every size the databank is generated into the test database (on top of the demo databank), then each engine
answers five query shapes through `search.services.search` / `search.selectors.autocomplete`: text only, text and
two filters, a point with a radius sorted by distance, facets only (no text, no filters), autocomplete. For the
distributed engines the time of a full `search.indexing.rebuild` is measured too, and the engine's own `took`
is read from every response to show the overhead of our side (request building, HTTP, hydration from the
database). Nothing is asserted about timings: the figures are printed as a table and written as JSON to
tests/benchmarks/results/search-<date>.json (git-ignored). See docs/performance.md.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10000,50000").replace(" ", "").split(",") if size]
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
RESULTS_DIR = Path(__file__).parent / "results"
# Long enough that a slow answer is measured instead of silently falling back to the database engine.
SEARCH_TIMEOUT_SECONDS = float(os.environ.get("BENCH_SEARCH_TIMEOUT", "60"))

TEXT_QUERIES = [
    "психолог",
    "пособие многодетным",
    "логопед",
    "детский сад",
    "юридическая консультация",
    "кризисный центр",
    "летний лагерь",
    "инвалидность ребёнка",
    "центр занятости",
    "социальный контракт",
]
FILTERED_QUERIES = [
    ("психолог", {"municipality": ["kyzyl"], "category": ["psy"]}),
    ("пособие многодетным", {"target_group": ["large"], "municipality": ["kyzyl"]}),
    ("логопед", {"category": ["ped"], "free": "on"}),
    ("детский сад", {"municipality": ["ulug-khemsky"], "delivery": ["in_person"]}),
    ("юридическая консультация", {"category": ["law"], "target_group": ["single_parent"]}),
    ("кризисный центр", {"target_group": ["newborn"], "open_now": "on"}),
    ("лагерь", {"municipality": ["kyzylsky"], "free": "on"}),
    ("инвалидность", {"target_group": ["disabled_child"], "accessible": "on"}),
    ("центр занятости", {"municipality": ["dzun-khemchiksky"], "category": ["soc"]}),
    ("социальный контракт", {"target_group": ["low_income"], "provider_type": ["employment"]}),
]
NEAR_SETTLEMENTS = [
    "kyzyl",
    "ak-dovurak",
    "shagonar",
    "chadan",
    "turan",
    "kaa-khem",
    "samagaltai",
    "erzin",
    "mugur-aksy",
    "toora-khem",
]
NEAR_RADIUS_KM = 25.0
AUTOCOMPLETE_PREFIXES = ["пс", "псих", "посо", "логоп", "детск", "юрид", "лаге", "пособие мн", "центр зан", "опек"]
SHAPES = {
    "text": "текст",
    "text_filters": "текст + 2 фильтра",
    "near": f"точка + радиус {NEAR_RADIUS_KM:g} км, по расстоянию",
    "facets": "только фасеты",
    "facets_cold": "только фасеты, после правки банка",
    "autocomplete": "автодополнение",
}


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def opensearch_url():
    """osmem-server on the loopback interface, as tests/search/conftest.py starts it; None when unavailable."""
    if os.environ.get("BENCH_OPENSEARCH", "1") == "0":
        yield None, "BENCH_OPENSEARCH=0"
        return
    try:
        from osmem_server import OsmemServer

        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    except Exception as error:  # not installed, no binary for this platform, did not start
        yield None, f"osmem-server не запустился: {error}"
        return
    yield server.url, f"osmem-server {server.version}"
    server.close()


# ------------------------------------------------------------------------------------------ the test


# transaction=True: the databank is committed (as in production: PostgreSQL can vacuum and analyse it) into the
# test database pytest-django creates; the database is flushed after the test. One test for all the sizes,
# because that flush would also remove the reference data the next size needs.
@pytest.mark.django_db(transaction=True)
def test_search_benchmark(opensearch_url):
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": _database_info(),
        "settings": {"runs": RUNS, "warmup": WARMUP, "seed": SEED, "near_radius_km": NEAR_RADIUS_KM},
        "sizes": [],
    }
    name = str(report["database"]["name"])
    # Never write a synthetic databank into a working database.
    assert name.startswith("test_") or "memory" in name, f"not a test database: {name}"
    try:
        for size in SIZES:
            report["sizes"].append(_run_size(size, opensearch_url))
    finally:
        if report["sizes"]:
            _write_report(report)


def _run_size(size: int, opensearch_url: tuple[str | None, str]) -> dict:
    from directory.models import Service, ServiceAtLocation

    url, server_note = opensearch_url
    result = {"size": size, "engines": {}, "skipped": {}}
    started = perf_counter()
    call_command("generate_databank", services=size, seed=SEED, clear=True, stdout=io.StringIO())
    result["generate_seconds"] = round(perf_counter() - started, 1)
    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk load
        started = perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        result["vacuum_analyze_seconds"] = round(perf_counter() - started, 1)
    result["services_published"] = Service.objects.filter(status=Service.Status.PUBLISHED).count()
    result["service_at_locations_published"] = ServiceAtLocation.objects.filter(
        service__status=Service.Status.PUBLISHED
    ).count()
    print(
        f"\n[{size}] банк данных создан за {result['generate_seconds']} с: "
        f"{result['services_published']} опубликованных услуг (с демо), "
        f"{result['service_at_locations_published']} услуг по адресам; БД {connection.vendor}"
    )
    workload = _workload()

    result["engines"]["database"] = _run_database(workload)
    _print_engine(size, "database", result["engines"]["database"])

    if url:
        result["engines"]["opensearch"] = _run_distributed("opensearch", url, workload, server_note)
        _print_engine(size, "opensearch", result["engines"]["opensearch"])
    else:
        result["skipped"]["opensearch"] = server_note
        print(f"[{size}] opensearch пропущен: {server_note}")

    es_url = os.environ.get("ELASTICSEARCH_URL", "")
    if es_url:
        result["engines"]["elasticsearch"] = _run_distributed("elasticsearch", es_url, workload, "")
        _print_engine(size, "elasticsearch", result["engines"]["elasticsearch"])
    else:
        result["skipped"]["elasticsearch"] = "ELASTICSEARCH_URL не задан"
    return result


def _write_report(report: dict) -> None:
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"search-{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print("\n" + "=" * 100)
    print(f"Итог поискового бенчмарка (БД {report['database']['vendor']} {report['database']['version']})")
    for size in report["sizes"]:
        _print_size(size)
    print(f"\nJSON: {path}")


# ------------------------------------------------------------------------------------------ workload


def _workload() -> dict[str, list]:
    """The query shapes, each a list of calls rotated through the runs."""
    from directory.models import Settlement
    from search.engines.base import GeoPoint

    points = []
    settlements = {s.code: s for s in Settlement.objects.filter(code__in=NEAR_SETTLEMENTS)}
    for code in NEAR_SETTLEMENTS:
        if code in settlements:
            s = settlements[code]
            points.append(GeoPoint(float(s.latitude), float(s.longitude), s.name, radius_km=NEAR_RADIUS_KM))
    return {
        "text": [{"query": query} for query in TEXT_QUERIES],
        "text_filters": [{"query": query, "filters": filters} for query, filters in FILTERED_QUERIES],
        "near": [{"near": point, "sort": "distance"} for point in points],
        "facets": [{}],
        "facets_cold": [{}],
        "autocomplete": [{"prefix": prefix} for prefix in AUTOCOMPLETE_PREFIXES],
    }


def _call(shape: str, arguments: dict):
    from search.selectors import autocomplete
    from search.services import search

    if shape == "autocomplete":
        return autocomplete(arguments["prefix"])
    if shape == "facets_cold":  # as the first search after an edit: the process reads the search table's snapshot again
        from django.core.cache import cache

        from search import snapshot

        cache.clear()
        snapshot.forget()
    return search(**arguments)


def _run_engine(engine: str, workload: dict, timings: list | None = None, facet_timings: list | None = None) -> dict:
    """Warm-up, then RUNS timed calls of every shape. `timings` collects the engine-side times of each call
    (distributed engines), `facet_timings` the time the database engine spends counting facets."""
    from website.process import freeze_loaded_objects

    # What a gunicorn worker does once the application is loaded (website/wsgi.py): without it, a full garbage
    # collection walks every object of Django, Wagtail and of this test session, 0.1–0.2 s in the middle of a call.
    freeze_loaded_objects()
    shapes = {}
    for shape, calls in workload.items():
        if not calls:
            shapes[shape] = {"skipped": "нет данных для этой формы запроса"}
            continue
        for index in range(WARMUP):
            _call(shape, calls[index % len(calls)])
        with CaptureQueriesContext(connection) as queries:
            _call(shape, calls[0])
        elapsed, engine_side, facets, fallbacks, totals = [], [], [], 0, []
        for index in range(RUNS):
            for recorder in (timings, facet_timings):
                if recorder is not None:
                    recorder.clear()
            started = perf_counter()
            answer = _call(shape, calls[index % len(calls)])
            elapsed.append((perf_counter() - started) * 1000)
            if shape != "autocomplete":
                fallbacks += bool(answer.fallback)
                totals.append(answer.total)
            if timings:
                engine_side.append((elapsed[-1], timings[-1]))
            if facet_timings:
                facets.append(sum(item["ms"] for item in facet_timings))
        figures = {"label": SHAPES[shape], "ms": _stats(elapsed), "sql_queries": len(queries)}
        if totals:
            figures["hits_total"] = {"min": min(totals), "max": max(totals)}
        if fallbacks:
            figures["fallbacks"] = fallbacks
        if facets:
            figures["facets_ms"] = _stats(facets)
        if engine_side:
            figures["client_ms"] = _stats([item["ms"] for _, item in engine_side])
            with_took = [(total, item) for total, item in engine_side if item["took"] is not None]
            if with_took:
                figures["took_ms"] = _stats([item["took"] for _, item in with_took])
                # search() as a whole minus the engine's own `took`; and the client call minus `took` (HTTP, JSON).
                figures["overhead_ms"] = _stats([total - item["took"] for total, item in with_took])
                figures["transport_ms"] = _stats([item["ms"] - item["took"] for _, item in with_took])
        shapes[shape] = figures
        print(f"    … {engine}: {figures['label']} — p50 {figures['ms']['p50']} мс, p95 {figures['ms']['p95']} мс")
    return {"engine": engine, "shapes": shapes}


def _run_database(workload: dict) -> dict:
    from search import rows
    from search.engines.database import DatabaseEngine

    started = perf_counter()
    built = rows.rebuild()  # `manage.py search_index rebuild` of the engine's search table
    rebuild_seconds = perf_counter() - started
    print(f"    … database: поисковая таблица перестроена за {rebuild_seconds:.1f} с ({built['rows']} строк)")
    facet_timings: list[dict] = []
    with override_settings(SEARCH_ENGINE="database", SEARCH_URL=""), _timed(DatabaseEngine, "_facets", facet_timings):
        figures = _run_engine("database", workload, facet_timings=facet_timings)
    figures["rebuild_seconds"] = round(rebuild_seconds, 2)
    figures["rebuild_documents"] = built["rows"]
    return figures


def _run_distributed(engine: str, url: str, workload: dict, note: str) -> dict:
    from search import documents
    from search.engines.distributed import distributed_engine
    from search.indexing import rebuild

    if engine == "elasticsearch":
        from elasticsearch import Elasticsearch as client_class
    else:
        from opensearchpy import OpenSearch as client_class

    prefix = f"bench-{engine}-{uuid.uuid4().hex[:8]}"
    overrides = {
        "SEARCH_URL": url,
        "SEARCH_ENGINE": engine,
        "SEARCH_INDEX_PREFIX": prefix,
        "SEARCH_TIMEOUT_SECONDS": SEARCH_TIMEOUT_SECONDS,
    }
    with override_settings(**overrides):
        backend = distributed_engine()
        bulk_timings: list[dict] = []
        started = perf_counter()
        with _timed(client_class, "bulk", bulk_timings):
            built = rebuild(backend)
        rebuild_seconds = perf_counter() - started
        print(f"    … {engine}: индекс перестроен за {rebuild_seconds:.1f} с ({built['documents']} документов)")
        try:
            timings: list[dict] = []
            with _timed(client_class, "search", timings):
                figures = _run_engine(engine, workload, timings)
        finally:
            for name in backend.client.indices.get(index=documents.index_pattern()):
                backend.client.indices.delete(index=name)
    figures["rebuild_seconds"] = round(rebuild_seconds, 2)
    # The bulk requests themselves (the server indexing, HTTP); the rest is reading the databank and
    # building the documents in Python.
    figures["rebuild_bulk_seconds"] = round(sum(item["ms"] for item in bulk_timings) / 1000, 2)
    figures["rebuild_documents"] = built["documents"]
    if note:
        figures["server"] = note
    return figures


@contextmanager
def _timed(cls, attribute: str, timings: list):
    """Wrap a method for the duration of the block: its wall time and, for search responses, the engine's `took`.
    The benchmark measures the code as it is; nothing of the engines is changed."""
    original = getattr(cls, attribute)

    def timed(self, *args, **kwargs):
        started = perf_counter()
        response = original(self, *args, **kwargs)
        elapsed = (perf_counter() - started) * 1000
        body = getattr(response, "body", response)
        took = body.get("took") if isinstance(body, dict) else None
        timings.append({"ms": elapsed, "took": float(took) if isinstance(took, int | float) else None})
        return response

    setattr(cls, attribute, timed)
    try:
        yield
    finally:
        setattr(cls, attribute, original)


# ------------------------------------------------------------------------------------------ figures


def _stats(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "mean": round(statistics.fmean(ordered), 2),
        "min": round(ordered[0], 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def _database_info() -> dict:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {"vendor": vendor, "version": version, "name": connection.settings_dict["NAME"]}


def _machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cell(figures: dict, key: str) -> str:
    value = figures.get(key)
    return f"{value['p50']:.1f} / {value['p95']:.1f}" if value else "—"


def _print_engine(size: int, engine: str, figures: dict) -> None:
    extra = ""
    if "rebuild_seconds" in figures:
        bulk = f"из них bulk-запросы {figures['rebuild_bulk_seconds']} с, " if "rebuild_bulk_seconds" in figures else ""
        extra = (
            f", перестроение индекса {figures['rebuild_seconds']} с ({bulk}{figures['rebuild_documents']} документов)"
        )
    print(f"\n[{size}] {engine}{extra}" + (f" — {figures['server']}" if figures.get("server") else ""))
    print(
        f"  {'форма запроса, мс (p50 / p95)':<38} {'search()':>17} {'took движка':>17} "
        f"{'search() − took':>17} {'клиент − took':>17} {'подсчёт фасет':>17} {'SQL':>4}"
    )
    for shape in figures["shapes"].values():
        if "skipped" in shape:
            continue
        line = (
            f"  {shape['label']:<38} {_cell(shape, 'ms'):>17} {_cell(shape, 'took_ms'):>17} "
            f"{_cell(shape, 'overhead_ms'):>17} {_cell(shape, 'transport_ms'):>17} {_cell(shape, 'facets_ms'):>17} "
            f"{shape['sql_queries']:>4}"
        )
        if shape.get("fallbacks"):
            line += f"  (ответов из БД вместо движка: {shape['fallbacks']})"
        print(line)


def _print_size(size: dict) -> None:
    print(
        f"\nРазмер {size['size']} синтетических услуг ({size['services_published']} опубликованных всего, "
        f"{size['service_at_locations_published']} услуг по адресам), "
        f"генерация {size['generate_seconds']} с"
    )
    for engine, figures in size["engines"].items():
        _print_engine(size["size"], engine, figures)
    for engine, reason in size["skipped"].items():
        print(f"  {engine}: пропущен — {reason}")
