"""Public pages under load: gunicorn as deployed (deploy/systemd/families-web.service: 2 workers × 4 threads),
DEBUG off, PostgreSQL with 50,000 synthetic services, `wrk` on loopback.

    make bench                                                                      # with the other benchmarks
    .venv/bin/pytest tests/benchmarks/test_public_load.py -s -q                      # alone
    LOAD_SECONDS=60 LOAD_CONNECTIONS=32 .venv/bin/pytest tests/benchmarks/test_public_load.py -s -q

Environment: `LOAD_SECONDS` (default 20, per scenario), `LOAD_CONNECTIONS` (16), `LOAD_THREADS` (wrk threads, 2),
`LOAD_SCENARIOS` (comma-separated subset of home,results,service,cached), `BENCH_PUBLIC_SERVICES` (50000),
`DATABASE_URL` (the PostgreSQL server; the databank goes into its own database `bench_public`, filled once and
reused — see public_stack.py), `BENCH_RESULTS_DIR` (JSON results; default tests/benchmarks/results/, git-ignored).

Scenarios, each for LOAD_SECONDS after a short warm-up, every request with `X-Forwarded-Proto: https` as nginx
sends it (the app's HTTPS redirect stays on):

* home — `/`;
* results — `/services/` with a text, one or two filters and a settlement with a radius: 30 different
  combinations rotated by a Lua script (the search runs on every request: the public page cache, when the app has
  one, is turned off for this server with PUBLIC_PAGE_CACHE_SECONDS=0);
* service — 200 different published service pages, rotated (cache off as well);
* cached — the same anonymous results page again and again, with the public page cache as configured by default
  (a second gunicorn); without such a setting in the app the figure is that of an uncached page, and the table
  says so.

wrk's latency percentiles (p50/p95/p99), requests per second, non-2xx answers (counted by the Lua script) and
socket errors are printed as a table and written as JSON. Nothing is asserted about speed; any non-2xx answer or
socket error fails the test after the report.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.benchmarks import public_stack as stack

SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "16"))
THREADS = int(os.environ.get("LOAD_THREADS", "2"))
WARMUP_SECONDS = 3
SCENARIOS = [s for s in os.environ.get("LOAD_SCENARIOS", "home,results,service,cached").split(",") if s]
CACHE_SETTING = "PUBLIC_PAGE_CACHE_SECONDS"

# text + filters + a settlement and a radius (the settlements and codes of the demo geography and reference data)
RESULTS_QUERIES = [
    ("психолог", {"category": "psy", "municipality": "kyzyl"}, "kyzyl", 25),
    ("пособие многодетным", {"target_group": "large"}, "ak-dovurak", 50),
    ("логопед", {"category": "ped", "free": "on"}, "shagonar", 25),
    ("детский сад", {"delivery": "in_person"}, "chadan", 50),
    ("юридическая консультация", {"category": "law"}, "turan", 100),
    ("кризисный центр", {"target_group": "newborn"}, "kaa-khem", 25),
    ("лагерь", {"free": "on"}, "samagaltai", 100),
    ("инвалидность", {"target_group": "disabled_child", "accessible": "on"}, "kyzyl", 50),
    ("центр занятости", {"category": "soc"}, "erzin", 100),
    ("социальный контракт", {"target_group": "low_income"}, "toora-khem", 50),
]
RADII = [10, 25, 50]
CACHED_PATH = "/services/?" + urlencode({"q": "психолог", "category": "psy", "near": "kyzyl", "radius": 25})

LUA = r"""
-- Rotates through the paths below; counts non-2xx answers; prints a JSON line at the end.
local paths = {%(paths)s}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  i = (id * 7) %% #paths
  non2xx = 0
  statuses = {}
end

function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["X-Forwarded-Proto"] = "https", ["Accept-Language"] = "ru"})
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local codes = {}
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    for status, n in pairs(thread:get("statuses")) do codes[#codes + 1] = '"' .. status .. '":' .. n end
  end
  local e = summary.errors
  io.write(string.format(
    'JSON:{"requests":%%d,"duration_us":%%d,"bytes":%%d,"non2xx":%%d,"statuses":{%%s},' ..
    '"connect":%%d,"read":%%d,"write":%%d,"timeout":%%d,"http_errors":%%d,' ..
    '"p50_us":%%d,"p90_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.0f}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(codes, ","),
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def wrk_or_skip() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
        message = "wrk could not be installed with apt-get (Debian package wrk)"
    else:
        message = "wrk is not installed and this is not root with apt-get: install the Debian package wrk"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def results_paths() -> list[str]:
    paths = []
    for index in range(30):
        text, filters, near, radius = RESULTS_QUERIES[index % len(RESULTS_QUERIES)]
        radius = RADII[(index // len(RESULTS_QUERIES)) % len(RADII)] if index >= len(RESULTS_QUERIES) else radius
        params = {"q": text, **filters, "near": near, "radius": radius}
        if index >= 2 * len(RESULTS_QUERIES):
            params["sort"] = "distance"
        paths.append("/services/?" + urlencode(params))
    return paths


def lua_script(paths: list[str], folder: Path, name: str) -> Path:
    for path in paths:
        assert '"' not in path and "\\" not in path and path.isascii(), path
    path = folder / f"{name}.lua"
    path.write_text(LUA % {"paths": ", ".join(f'"{p}"' for p in paths)})
    return path


def prime(base: str, paths: list[str], times: int) -> None:
    """Sequential requests before the load: every worker has imported, connected and (when the page cache is
    on) stored the page, so the measured run does not start with a burst of identical misses."""
    import urllib.request

    for _ in range(times):
        for path in paths[:50]:
            request = urllib.request.Request(base + path, headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
                response.read()


def run_wrk(wrk: str, base: str, script: Path, seconds: float, connections: int = CONNECTIONS) -> dict:
    command = [
        wrk, "--latency", "-t", str(THREADS), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
        "-s", str(script), base,
    ]  # fmt: skip
    before = stack.load_average()
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.split("JSON:", 1)[1].splitlines()[0])
    figures["load_average_before"], figures["load_average_after"] = before, stack.load_average()
    figures["wrk_output"] = result.stdout.split("JSON:", 1)[0]
    return figures


def summarise(name: str, paths: list[str], figures: dict, note: str = "") -> dict:
    seconds = figures["duration_us"] / 1e6
    socket_errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    return {
        "scenario": name,
        "urls": len(paths),
        "example": paths[0],
        "seconds": round(seconds, 1),
        "requests": figures["requests"],
        "rps": round(figures["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(figures["p50_us"] / 1000, 1),
        "p95_ms": round(figures["p95_us"] / 1000, 1),
        "p99_ms": round(figures["p99_us"] / 1000, 1),
        "max_ms": round(figures["max_us"] / 1000, 1),
        "non2xx": figures["non2xx"],
        "statuses": figures["statuses"],
        "socket_errors": socket_errors,
        "kb_per_response": round(figures["bytes"] / max(figures["requests"], 1) / 1024, 1),
        "load_average": f"{figures['load_average_before']} → {figures['load_average_after']}",
        "note": note,
    }


def print_table(rows: list[dict], header: str) -> None:
    print(f"\n{header}")
    print(
        f"{'scenario':<10}{'URLs':>6}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx':>9}{'sock err':>9}{'KB/resp':>9}  load average"
    )
    for r in rows:
        print(
            f"{r['scenario']:<10}{r['urls']:>6}{r['requests']:>10}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}"
            f"{r['p99_ms']:>9}{r['non2xx']:>9}{r['socket_errors']:>9}{r['kb_per_response']:>9}  {r['load_average']}"
        )
        if r["note"]:
            print(f"{'':<10}{r['note']}")


def report(name: str, rows: list[dict], facts: str, *, connections: int, seconds: float, **extra) -> None:
    """Writes the run's JSON beside the others (docs/performance.md reads them) and fails on any non-2xx or socket
    error: a page that failed under load is a finding, not a figure."""
    result = {
        "benchmark": name.replace("-", "_"),
        "machine": stack.machine(),
        "services": stack.SERVICES,
        "database": facts,
        "gunicorn": " ".join(stack.gunicorn_command("127.0.0.1:PORT")[1:]),
        "wrk": {"threads": THREADS, "connections": connections, "seconds": seconds},
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=stack.ROOT, capture_output=True, text=True
        ).stdout.strip(),
        **extra,
        "rows": rows,
    }
    print(f"JSON: {stack.write_result(name, result)}")
    failures = [r for r in rows if r["non2xx"] or r["socket_errors"]]
    assert not failures, [(r["scenario"], r["statuses"], r["socket_errors"]) for r in failures]


def cache_setting_present() -> bool:
    return CACHE_SETTING in (stack.APP / "website" / "settings.py").read_text()


def test_public_pages_under_load(tmp_path):
    wrk = wrk_or_skip()
    url, facts = stack.ensure_databank()
    services = stack.sample_ids(
        url,
        "SELECT id FROM directory_service WHERE status = 'published' ORDER BY md5(id::text) LIMIT %s",
        200,
    )
    assert len(services) == 200, "too few published services in the databank"
    random.Random(stack.SEED).shuffle(services)
    scenarios = {
        "home": ["/"],
        "results": results_paths(),
        "service": [f"/services/{pk}/" for pk in services],
    }
    static_root = tmp_path / "static"
    caching = cache_setting_present()
    uncached_env = stack.server_env(url, static_root, **({CACHE_SETTING: "0"} if caching else {}))
    stack.collectstatic(uncached_env)
    rows = []
    with stack.gunicorn(uncached_env, tmp_path) as (bind, log):
        base = f"http://{bind}"
        for name, paths in scenarios.items():
            if name not in SCENARIOS:
                continue
            script = lua_script(paths, tmp_path, name)
            prime(base, paths, 1)
            run_wrk(wrk, base, script, WARMUP_SECONDS)  # every worker imports, connects and warms its caches
            figures = run_wrk(wrk, base, script, SECONDS)
            rows.append(summarise(name, paths, figures, "page cache off" if caching else ""))
            print(figures["wrk_output"])
    if "cached" in SCENARIOS:
        cached_env = stack.server_env(url, static_root)
        with stack.gunicorn(cached_env, tmp_path) as (bind, log):
            base = f"http://{bind}"
            script = lua_script([CACHED_PATH], tmp_path, "cached")
            prime(base, [CACHED_PATH], 10)
            run_wrk(wrk, base, script, WARMUP_SECONDS)
            figures = run_wrk(wrk, base, script, SECONDS)
            cache = "Redis" if cached_env.get("REDIS_URL") else "in-process"
            note = (
                f"page cache as configured by default ({CACHE_SETTING}, {cache} cache)"
                if caching
                else f"NOT cached: the app has no {CACHE_SETTING} setting yet — an uncached page repeated"
            )
            rows.append(summarise("cached", [CACHED_PATH], figures, note))
            print(figures["wrk_output"])

    header = (
        f"Public pages under load: {stack.SERVICES} synthetic services on PostgreSQL ({facts}), gunicorn as in "
        f"families-web.service, wrk {THREADS} threads × {CONNECTIONS} connections, {SECONDS:g} s per scenario"
    )
    print_table(rows, header)
    report(
        "public-load",
        rows,
        facts,
        connections=CONNECTIONS,
        seconds=SECONDS,
        page_cache_setting=CACHE_SETTING if caching else None,
        app_root=str(stack.APP),
    )
