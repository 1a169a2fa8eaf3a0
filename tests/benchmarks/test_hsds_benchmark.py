"""HSDS import of 50,000 services and the search index rebuild, timed.

    make bench                                                                    # with the other benchmarks
    .venv/bin/pytest tests/benchmarks/test_hsds_benchmark.py -s -q                 # alone

The 50,000-service databank of the public load benchmark (PostgreSQL database `bench_public`, filled once and
reused: see public_stack.py) is exported with `manage.py hsds_export` (CSV tabular package), then imported with
`manage.py hsds_import` into an empty database (`bench_hsds_import`, created and migrated here; the migration
is not timed), then `manage.py search_index rebuild` runs on it with the configured search engine. The commands
run as in production: the production settings module with DEBUG off and the task queue in the database.

Targets (issue 9): import ≤ 120 s, rebuild ≤ 60 s. Nothing is asserted about time; the import must succeed
with no error and bring every service. Environment: `BENCH_PUBLIC_SERVICES` (50000), `DATABASE_URL` (the
PostgreSQL server), `BENCH_RESULTS_DIR`.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import time

from tests.benchmarks import public_stack as stack

IMPORT_DB = os.environ.get("BENCH_HSDS_DB", "bench_hsds_import")


def timed(env: dict, *args: str, check: bool = True) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = stack.load_average()
    started = time.perf_counter()
    result = subprocess.run(
        [stack.PYTHON, "manage.py", *args], cwd=stack.APP, env=env, capture_output=True, text=True, timeout=7200
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    errors = [line for line in result.stderr.splitlines() if line.strip() and " INFO " not in line]
    return {
        "command": " ".join(args),
        "wall_s": round(wall, 1),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
        "returncode": result.returncode,
        "output": (lines[-1] if lines else "") if result.returncode == 0 else (errors[-1:] or lines[-1:] or [""])[0],
        "load_average": f"{load} → {stack.load_average()}",
    }


def test_hsds_import_and_rebuild_at_scale(tmp_path):
    import psycopg

    source_url, facts = stack.ensure_databank()
    admin, _ = stack.database_urls()
    target_url = source_url.rsplit("/", 1)[0] + "/" + IMPORT_DB
    source_env = stack.server_env(source_url, tmp_path / "static")
    target_env = stack.server_env(target_url, tmp_path / "static")
    with psycopg.connect(source_url) as connection:
        services = connection.execute("SELECT count(*) FROM directory_service").fetchone()[0]
        published = connection.execute("SELECT count(*) FROM directory_service WHERE status = 'published'").fetchone()[
            0
        ]

    package = tmp_path / "package"
    rows = [timed(source_env, "hsds_export", str(package), "--no-validate")]
    size = sum(path.stat().st_size for path in package.iterdir())
    with (package / "services.csv").open(newline="") as handle:
        exported = sum(1 for _row in csv.DictReader(handle))

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{IMPORT_DB}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{IMPORT_DB}"')
    try:
        migrate = timed(target_env, "migrate", "--noinput")
        with psycopg.connect(target_url) as connection:
            before = connection.execute("SELECT count(*) FROM directory_service").fetchone()[0]
        rows.append(timed(target_env, "hsds_import", str(package)))
        with psycopg.connect(target_url, autocommit=True) as connection:
            imported = connection.execute("SELECT count(*) FROM directory_service").fetchone()[0]
            connection.execute("VACUUM ANALYZE")
        rows.append(timed(target_env, "search_index", "rebuild", check=False))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{IMPORT_DB}" WITH (FORCE)')

    targets = {"hsds_export": None, "hsds_import": 120, "search_index": 60}
    print(
        f"\nHSDS at scale: databank of {services} services ({published} published; {stack.SERVICES} synthetic), "
        f"{exported} exported, package {size / 1024 / 1024:.1f} MB, PostgreSQL, {stack.APP}"
    )
    print(f"{'command':<26}{'wall s':>9}{'CPU s':>8}{'target':>9}  load average → after; output")
    for row in rows:
        target = targets[row["command"].split()[0]]
        row["target_s"] = target
        print(
            f"{row['command'][:25]:<26}{row['wall_s']:>9}{row['cpu_s']:>8}{target or '—':>9}  "
            f"{row['load_average']}; {row['output'][:150]}"
        )
    print(f"(migrate of the empty database, not timed above: {migrate['wall_s']} s)")
    result = {
        "benchmark": "hsds",
        "machine": stack.machine(),
        "services_in_databank": services,
        "published": published,
        "package_bytes": size,
        "exported_services": exported,
        "imported_services": imported,
        "database": facts,
        "app_root": str(stack.APP),
        "migrate_s": migrate["wall_s"],
        "rows": rows,
    }
    print(f"JSON: {stack.write_result('hsds', result)}")
    assert before == 0 and imported == exported, (before, imported, exported)
