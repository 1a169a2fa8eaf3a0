"""The database search engine side by side (issue #22, part 5): in one run, on the same generated databank on
PostgreSQL, the engine of this checkout («new»), the engine of an older commit («old», BENCH_BASELINE_COMMIT, run
from a git worktree of it), plain PostgreSQL full-text search («FTS»), and the results page against /healthz of the
same gunicorn.

    make bench                                                                          # with the others, 50,000
    BENCH_SEARCH_SIZE=5000 .venv/bin/pytest tests/benchmarks/test_search_engines_side_by_side.py -s -q   # quick

What runs where:

* old — `git worktree add --detach` of BENCH_BASELINE_COMMIT (default 2d51065, the last commit before PostgreSQL's
  own full-text search replaced the bit-set index) in a temporary folder; its `manage.py migrate`, `load_demo`,
  `load_demo_kiosk`, `generate_databank --services N --seed S` fill a database of its own
  (`bench_search_old_<commit>_<N>`: the old code's tables are the old migrations') — or, when the migrations, the
  demo and the generator are the same in both checkouts, a copy of the new databank (BENCH_SEARCH_COPY=0: always
  filled by the old checkout); then
  tests/benchmarks/search_engines.py runs in a subprocess with the worktree on PYTHONPATH (the printed
  `search` package path shows it is the worktree's);
* new and FTS — in this process (website.settings_test, as the subprocess), the default connection pointed at
  the databank of this checkout: `bench_public` when N is its size (50,000, shared with the public-page
  benchmarks, kept between runs), else `bench_search_<N>`. FTS is a table of this benchmark's own
  (`bench_plain_fts`: a stored `russian` tsvector of the service's name, A, the organisation's, C, and the
  description, D, with a GIN index), dropped at the end: count + top 20 by `ts_rank` + those 20 loaded as a result
  card needs them; the text only (no filters, facets, synonyms or distance);
* stalls — the first call of each query shape in a fresh process (BENCH_SEARCH_COLD_PROCESSES processes, the
  connection opened before the clock starts) and the first call after an edit of the databank (a description
  saved through the ORM), each against the warm median of the same call; for both engines;
* the page — gunicorn as deployed (public_stack.py: families-web.service, production settings, DEBUG off, public
  page cache off) on the new databank; wrk at 8 connections for LOAD_SECONDS: the 30 result URLs of the public
  load benchmark, then /healthz of the same server.

The query set (the same for all three): 10 text queries, 10 text queries with 2 filters, 10 text queries with a
settlement and a radius sorted by distance (the lists of test_search_benchmark.py and test_public_load.py).
Per query: p50/p95 of BENCH_SEARCH_RUNS calls (default 20, the queries interleaved) after 2 warm-up rounds, and
the SQL statements of one call. One table with the ratios is printed (and JSON in tests/benchmarks/results/).
Nothing is asserted about timings; a non-2xx answer or socket error under load fails the test after the report.

Environment: BENCH_SEARCH_SIZE (50000), BENCH_BASELINE_COMMIT (2d51065), BENCH_SEED (2026), BENCH_SEARCH_RUNS
(20), BENCH_SEARCH_EDITS (6), BENCH_SEARCH_COLD_PROCESSES (3), LOAD_SECONDS (20), BENCH_SEARCH_KEEP=1 (keep the
databases other than bench_public and the worktree's database for the next run; they are dropped by default),
DATABASE_URL (the PostgreSQL server).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.benchmarks import public_stack as stack
from tests.benchmarks import search_engines as probe
from tests.benchmarks import test_public_load as load
from tests.benchmarks import test_search_benchmark as search_bench

SIZE = int(os.environ.get("BENCH_SEARCH_SIZE", "50000"))
BASELINE = os.environ.get("BENCH_BASELINE_COMMIT", "2d51065")
RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "20"))
WARMUP = 2
EDITS = int(os.environ.get("BENCH_SEARCH_EDITS", "6"))
COLD_PROCESSES = int(os.environ.get("BENCH_SEARCH_COLD_PROCESSES", "3"))
PAGE_CONNECTIONS = 8
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
KEEP = os.environ.get("BENCH_SEARCH_KEEP") == "1"
SHAPES = {"text": "текст", "filters": "текст + 2 фильтра", "near": "текст + место, по расстоянию"}
# The issue's targets, printed beside the figures (never asserted).
STALL_TARGET_MS = 100
PAGE_RATIO_TARGET = 0.1
PAGE_P95_TARGET_MS = 300


def workload() -> dict:
    queries = [
        {"shape": "text", "query": q, "filters": {}, "near": None, "sort": ""} for q in search_bench.TEXT_QUERIES
    ]
    queries += [
        {"shape": "filters", "query": q, "filters": filters, "near": None, "sort": ""}
        for q, filters in search_bench.FILTERED_QUERIES
    ]
    queries += [
        {"shape": "near", "query": q, "filters": {}, "near": [place, radius], "sort": "distance"}
        for q, _filters, place, radius in load.RESULTS_QUERIES
    ]
    return {"runs": RUNS, "warmup": WARMUP, "edits": EDITS, "queries": queries}


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def baseline_worktree():
    """A detached git worktree of BENCH_BASELINE_COMMIT in a temporary folder, removed at the end."""
    found = subprocess.run(
        ["git", "rev-parse", "--short", f"{BASELINE}^{{commit}}"], cwd=stack.ROOT, capture_output=True, text=True
    )
    if found.returncode != 0:
        pytest.skip(f"BENCH_BASELINE_COMMIT {BASELINE} is not a commit of this repository: {found.stderr.strip()}")
    commit = found.stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-")) / commit
    added = subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit], cwd=stack.ROOT, capture_output=True, text=True
    )
    assert added.returncode == 0, added.stderr
    try:
        yield commit, folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=stack.ROOT, capture_output=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()


@contextlib.contextmanager
def default_database(url: str, django_db_blocker):
    """This process's default connection on another database for the block (Django's `connection` and every
    module that uses it follow), whatever database pytest-django set up."""
    import dj_database_url
    from django.db import connections
    from django.db.utils import load_backend

    parsed = dj_database_url.parse(url)
    settings_dict = {**connections.settings["default"], **parsed, "OPTIONS": parsed.get("OPTIONS", {})}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    previous = connections["default"]
    with django_db_blocker.unblock():
        connections["default"] = wrapper
        try:
            yield
        finally:
            wrapper.close()
            connections["default"] = previous


# What fills a databank: when none of it differs between the baseline commit and this checkout (the migrations,
# the demo and the generator), the old engine's databank is a copy of the new one (CREATE DATABASE … TEMPLATE,
# seconds instead of minutes) — the same rows the old checkout's commands would write.
DATABANK_PATHS = [
    ":(glob)**/migrations/**",
    "demo/",  # the demo data (demo/data/), its loaders and the generators
]


def same_databank(commit: str) -> bool:
    if os.environ.get("BENCH_SEARCH_COPY", "1") == "0":
        return False
    changed = subprocess.run(["git", "diff", "--quiet", commit, "--", *DATABANK_PATHS], cwd=stack.APP)
    untracked = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", *DATABANK_PATHS],
        cwd=stack.APP,
        capture_output=True,
        text=True,
    )
    return changed.returncode == 0 and untracked.returncode == 0 and not untracked.stdout.strip()


def copy_database(source: str, target: str) -> None:
    admin, _url = stack.database_urls(target)
    stack._admin(admin, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    stack._admin(admin, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def drop_database(name: str) -> None:
    admin, _url = stack.database_urls(name)
    stack._admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def probe_env(app: Path, url: str) -> dict:
    return stack.prepare_env(url, app)


def run_probe(app: Path, url: str, mode: str, workload_path: Path) -> dict:
    result = subprocess.run(
        [stack.PYTHON, str(Path(probe.__file__).resolve()), mode, str(workload_path)],
        cwd=app,
        env=probe_env(app, url),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0 and "RESULT:" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.rsplit("RESULT:", 1)[1].splitlines()[0])


class Remote:
    """The engine of another checkout in a subprocess (search_engines.py serve), with the methods of
    search_engines.Engine."""

    def __init__(self, app: Path, url: str, workload_path: Path, log: Path):
        self.log = log
        self.stderr = log.open("w")
        self.process = subprocess.Popen(
            [stack.PYTHON, str(Path(probe.__file__).resolve()), "serve", str(workload_path)],
            cwd=app,
            env=probe_env(app, url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.where = self._read()

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("RESULT:"):
                return json.loads(line.removeprefix("RESULT:"))
        raise AssertionError("the engine's process ended:\n" + self.log.read_text()[-3000:])

    def _call(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def warmup(self) -> None:
        self._call("warmup")

    def sql(self) -> list[dict]:
        return self._call("sql")

    def round(self) -> list[float]:
        return self._call("round")

    def after_edits(self) -> dict:
        return self._call("after_edits")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def measure(engines: dict, queries: int) -> dict:
    """Warm-up, the SQL of one call per query, then RUNS rounds of every engine (each round: every query once),
    the engines alternating and their order rotating from round to round."""
    for engine in engines.values():
        engine.warmup()
    sql = {name: engine.sql() for name, engine in engines.items()}
    timings = {name: [[] for _ in range(queries)] for name in engines}
    names = list(engines)
    for run in range(RUNS):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            for index, ms in enumerate(engines[name].round()):
                timings[name][index].append(ms)
    return {
        name: {
            "queries": [
                {**sql[name][index], "ms": probe.stats(values), "raw": values}
                for index, values in enumerate(timings[name])
            ]
        }
        for name in engines
    }


def settle(url: str) -> None:
    """After filling databanks: the dirty pages written out, so that no checkpoint falls on one engine's turn."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CHECKPOINT")


def cold_starts(app: Path, url: str, workload_path: Path) -> dict:
    """The first call of each shape in COLD_PROCESSES fresh processes: median first, median warm."""
    runs = [run_probe(app, url, "cold", workload_path)["first"] for _ in range(COLD_PROCESSES)]
    return {
        shape: {
            "query": runs[0][shape]["query"],
            "first_ms": round(statistics.median(run[shape]["first_ms"] for run in runs), 1),
            "warm_ms": round(statistics.median(run[shape]["warm_ms"] for run in runs), 1),
            "extra_ms": [round(run[shape]["first_ms"] - run[shape]["warm_ms"], 1) for run in runs],
        }
        for shape in runs[0]
    }


def published(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT count(DISTINCT s.id), count(*) FROM directory_serviceatlocation sal "
            "JOIN directory_service s ON s.id = sal.service_id WHERE s.status = 'published'"
        ).fetchone()


# ------------------------------------------------------------------------------------------ the test


def test_search_engines_side_by_side(tmp_path, baseline_worktree, django_db_blocker):
    wrk = load.wrk_or_skip()
    stack.postgres_or_skip()
    commit, worktree = baseline_worktree
    new_name = stack.DB_NAME if SIZE == stack.SERVICES else f"bench_search_{SIZE}"
    old_name = f"bench_search_old_{commit}_{SIZE}"
    created = [] if KEEP else [old_name] + ([] if new_name == stack.DB_NAME else [new_name])
    report: dict = {
        "benchmark": "search_engines_side_by_side",
        "machine": stack.machine(),
        "size": SIZE,
        "seed": stack.SEED,
        "baseline_commit": commit,
        "head": _git("rev-parse", "--short", "HEAD"),
        "runs": RUNS,
        "load_average": {"start": stack.load_average()},
    }
    try:
        new_url, report["new_databank"] = stack.ensure_databank(SIZE, stack.SEED, new_name, stack.APP)
        if same_databank(commit) and stack._marker(stack.database_urls(old_name)[1]) != (SIZE, stack.SEED):
            copy_database(new_name, old_name)
            report["old_databank_copied_from"] = new_name
        old_url, report["old_databank"] = stack.ensure_databank(SIZE, stack.SEED, old_name, worktree)
        report["published"] = {"new": published(new_url), "old": published(old_url)}
        print(f"\nОпубликовано (услуг, услуг по адресам): {report['published']}")
        work = workload()
        workload_path = tmp_path / "workload.json"
        workload_path.write_text(json.dumps(work, ensure_ascii=False))

        settle(new_url)
        # stalls: the first calls in fresh processes, the worktree's code on its database and this checkout's on its
        report["old"] = {"cold": cold_starts(worktree, old_url, workload_path)}
        report["new"] = {"cold": cold_starts(stack.APP, new_url, workload_path)}
        # warm: the old engine in a subprocess of the worktree's code, the new one and plain FTS in this process
        old = Remote(worktree, old_url, workload_path, tmp_path / "old-engine.log")
        try:
            report["old"]["where"] = old.where
            assert Path(old.where["search_package"]).resolve().is_relative_to(worktree.resolve()), old.where
            with default_database(new_url, django_db_blocker):
                probe.prepare_process()
                report["new"]["where"] = probe.where()
                try:
                    report["fts"] = {"table": probe.build_plain_fts()}
                    engines = {"new": probe.Engine(work), "old": old, "fts": probe.Engine(work, probe.plain_fts)}
                    for name, figures in measure(engines, len(work["queries"])).items():
                        report[name]["warm"] = figures
                    report["old"]["after_edit"] = old.after_edits()
                    report["new"]["after_edit"] = engines["new"].after_edits()
                finally:
                    probe.drop_plain_fts()
        finally:
            old.close()
        print(f"… old: {report['old']['where']}\n… new: {report['new']['where']}")
        report["page"] = page_throughput(wrk, new_url, tmp_path)
        report["load_average"]["end"] = stack.load_average()
    finally:
        for name in created:
            drop_database(name)
    print_table(report, work)
    for engine in ("old", "new", "fts"):  # the raw timings only in the JSON
        for query in report[engine]["warm"]["queries"]:
            query.pop("raw", None)
    print(f"JSON: {stack.write_result('search-engines', report)}")
    failures = [row for row in report["page"].values() if row["non2xx"] or row["socket_errors"]]
    assert not failures, [(row["scenario"], row["statuses"], row["socket_errors"]) for row in failures]


def page_throughput(wrk: str, url: str, workdir: Path) -> dict:
    """The uncached results page (30 URLs) and /healthz, one after the other on the same gunicorn."""
    env = stack.server_env(url, workdir / "static", PUBLIC_PAGE_CACHE_SECONDS="0")
    stack.collectstatic(env)
    rows = {}
    with stack.gunicorn(env, workdir) as (bind, _log):
        base = f"http://{bind}"
        for name, paths in (("results", load.results_paths()), ("healthz", ["/healthz"])):
            script = load.lua_script(paths, workdir, name)
            load.prime(base, paths, 1)
            load.run_wrk(wrk, base, script, load.WARMUP_SECONDS, PAGE_CONNECTIONS)
            figures = load.run_wrk(wrk, base, script, SECONDS, PAGE_CONNECTIONS)
            rows[name] = load.summarise(name, paths, figures)
    return rows


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=stack.ROOT, capture_output=True, text=True).stdout.strip()


# ------------------------------------------------------------------------------------------ the table


def _pair(figures: dict) -> str:
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "—"


def _pooled(report: dict, engine: str, work: dict, shape: str) -> dict:
    values = [
        value
        for call, figures in zip(work["queries"], report[engine]["warm"]["queries"], strict=True)
        if call["shape"] == shape
        for value in figures["raw"]
    ]
    return probe.stats(values)


def print_table(report: dict, work: dict) -> None:
    new, old, fts = (report[engine]["warm"]["queries"] for engine in ("new", "old", "fts"))
    print(
        f"\nПоиск бок о бок: {SIZE} синтетических услуг, PostgreSQL, new = {report['head']} (этот checkout), "
        f"old = {report['baseline_commit']} (git worktree), FTS = tsvector + GIN, count + top 20 по ts_rank + загрузка"
        f" 20; p50 / p95 мс из {RUNS} вызовов; load average {report['load_average']}"
    )
    header = (
        f"{'запрос':<52}{'new':>15}{'old':>15}{'FTS':>15}{'new/old p95':>12}{'new/FTS p95':>12}"
        f"{'SQL n/o/F':>11}{'найдено n/o/F':>22}"
    )
    print(header)
    for call, n, o, f in zip(work["queries"], new, old, fts, strict=True):
        sql = "/".join(str(figures["sql"]) for figures in (n, o, f))
        found = "/".join(str(figures["total"]) for figures in (n, o, f))
        print(
            f"{probe.label(call)[:51]:<52}{_pair(n['ms']):>15}{_pair(o['ms']):>15}{_pair(f['ms']):>15}"
            f"{_ratio(n['ms']['p95'], o['ms']['p95']):>12}{_ratio(n['ms']['p95'], f['ms']['p95']):>12}"
            f"{sql:>11}{found:>22}"
        )
    print("-" * len(header))
    for shape, title in SHAPES.items():
        n, o, f = (_pooled(report, engine, work, shape) for engine in ("new", "old", "fts"))
        print(
            f"{'всего: ' + title:<52}{_pair(n):>15}{_pair(o):>15}{_pair(f):>15}"
            f"{_ratio(n['p95'], o['p95']):>12}{_ratio(n['p95'], f['p95']):>12}"
            f"   цель: new p95 ≤ FTS p95 — {'да' if n['p95'] <= f['p95'] else 'НЕТ'}"
        )
    print(
        f"\nЗадержка первого поиска, мс сверх тёплого (цель ≤ {STALL_TARGET_MS}): "
        f"{'new: первый / тёплый / сверх':>40}{'old: первый / тёплый / сверх':>40}"
    )
    for shape, title in SHAPES.items():
        n, o = report["new"]["cold"][shape], report["old"]["cold"][shape]
        print(
            f"  новый процесс, {title:<40}{_stall(n['first_ms'], n['warm_ms'], n['extra_ms']):>40}"
            f"{_stall(o['first_ms'], o['warm_ms'], o['extra_ms']):>40}"
        )
    for shape, title in SHAPES.items():
        n, o = report["new"]["after_edit"]["shapes"][shape], report["old"]["after_edit"]["shapes"][shape]
        print(
            f"  после правки,  {title:<40}{_stall(None, n['warm_ms'], n['extra_ms']):>40}"
            f"{_stall(None, o['warm_ms'], o['extra_ms']):>40}"
        )
    edit_new, edit_old = report["new"]["after_edit"]["edit_save_ms"], report["old"]["after_edit"]["edit_save_ms"]
    print(f"  сохранение правки (save() с сигналами), p50 / max: new {_pair_max(edit_new)}, old {_pair_max(edit_old)}")
    results, healthz = report["page"]["results"], report["page"]["healthz"]
    ratio = results["rps"] / healthz["rps"] if healthz["rps"] else 0.0
    print(
        f"\nСтраница результатов без кэша (30 URL) и /healthz, тот же gunicorn, wrk {PAGE_CONNECTIONS} соединений "
        f"по {SECONDS:g} с (new):"
    )
    for row in (results, healthz):
        print(
            f"  {row['scenario']:<10} {row['rps']:>8} запр/с   p50 {row['p50_ms']} мс   p95 {row['p95_ms']} мс   "
            f"p99 {row['p99_ms']} мс   не-2xx {row['non2xx']}   ошибок сокетов {row['socket_errors']}"
        )
    print(
        f"  results / healthz = {ratio:.3f} (1/{1 / ratio if ratio else float('inf'):.0f}); "
        f"цель ≥ {PAGE_RATIO_TARGET} — {'да' if ratio >= PAGE_RATIO_TARGET else 'НЕТ'}; "
        f"p95 {results['p95_ms']} мс, цель ≤ {PAGE_P95_TARGET_MS} — "
        f"{'да' if results['p95_ms'] <= PAGE_P95_TARGET_MS else 'НЕТ'}; "
        f"ошибок {results['non2xx'] + results['socket_errors'] + healthz['non2xx'] + healthz['socket_errors']}"
    )


def _stall(first: float | None, warm: float, extra: list[float]) -> str:
    worst = max(extra) if extra else 0.0
    mark = "" if worst <= STALL_TARGET_MS else " !"
    head = f"{first:.0f} / " if first is not None else ""
    return f"{head}{warm:.0f} / {statistics.median(extra):+.0f} (макс {worst:+.0f}){mark}"


def _pair_max(figures: dict) -> str:
    return f"{figures['p50']:.1f} / {figures['max']:.1f} мс"
