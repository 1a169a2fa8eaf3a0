"""The public results page under load while the search cluster black-holes (issue #23): gunicorn as deployed
(deploy/systemd/families-web.service: 2 workers × 4 threads), DEBUG off, PostgreSQL with the 50,000-service databank
of public_stack.py, SEARCH_URL pointing at a TCP server on loopback that accepts every connection and never answers
(tests/faults/search_blackhole.py), the search timeout and circuit breaker as configured by default
(SEARCH_TIMEOUT_SECONDS 3, SEARCH_BREAKER_FAILURES 3, SEARCH_BREAKER_COOLDOWN_SECONDS 30).

    make bench                                                                  # 60 s (BLACKHOLE_LOAD_SECONDS)
    LOAD_SECONDS=5 .venv/bin/pytest tests/benchmarks/test_search_blackhole_load.py -s -q      # a short run

`wrk` with 20 connections (BLACKHOLE_CONNECTIONS) for BLACKHOLE_LOAD_SECONDS, else LOAD_SECONDS, else 60 seconds on
the 30 result URLs of test_public_load.py (text, filters, a settlement and a radius; the public page cache off, so
that every request searches). Nothing warms the results page first: the measured window holds the failures that open
each process's circuit (the one of the worker's start-up search included) and the probes after each cool-down.

First the same load with no cluster configured (the database engine; BLACKHOLE_BASELINE=0 skips it), so that the
fault's figures can be read against the page's own cost under 20 connections on this machine.

Printed: requests, non-2xx, socket errors, p50/p95/p99/max against SEARCH_TIMEOUT_SECONDS + 1 s, and how many
connections the black hole accepted (the searches that tried the cluster) — never asserted as a timing. Any non-2xx
answer or socket error fails the test after the report.
"""

from __future__ import annotations

import os

from tests.benchmarks import public_stack as stack
from tests.benchmarks.test_public_load import (
    THREADS,
    lua_script,
    print_table,
    report,
    results_paths,
    run_wrk,
    summarise,
    wrk_or_skip,
)
from tests.faults.search_blackhole import search_blackhole

SECONDS = float(os.environ.get("BLACKHOLE_LOAD_SECONDS") or os.environ.get("LOAD_SECONDS") or 60)
CONNECTIONS = int(os.environ.get("BLACKHOLE_CONNECTIONS", "20"))
TIMEOUT = 3.0  # SEARCH_TIMEOUT_SECONDS as deployed (website/settings.py)


def test_results_page_under_load_while_the_search_engine_black_holes(tmp_path):
    wrk = wrk_or_skip()
    url, facts = stack.ensure_databank()
    paths = results_paths()
    script = lua_script(paths, tmp_path, "results-blackhole")
    rows = []
    # The same load without any fault first (BLACKHOLE_BASELINE=0 skips it): the page's own cost under 20
    # connections, which the fault's figures are read against.
    if os.environ.get("BLACKHOLE_BASELINE", "1") != "0":
        env = stack.server_env(url, tmp_path / "static", SEARCH_URL="", PUBLIC_PAGE_CACHE_SECONDS="0")
        stack.collectstatic(env)
        with stack.gunicorn(env, tmp_path) as (bind, log):
            figures = run_wrk(wrk, f"http://{bind}", script, SECONDS, connections=CONNECTIONS)
        rows.append(summarise("no fault", paths, figures, "the database engine, no cluster configured"))
    with search_blackhole() as hole:
        env = stack.server_env(
            url,
            tmp_path / "static",
            SEARCH_URL=hole.url,
            SEARCH_ENGINE="opensearch",
            SEARCH_INDEX_PREFIX="bench-blackhole",
            SEARCH_TIMEOUT_SECONDS=f"{TIMEOUT:g}",
            PUBLIC_PAGE_CACHE_SECONDS="0",
        )
        stack.collectstatic(env)
        with stack.gunicorn(env, tmp_path) as (bind, log):
            at_start = hole.connections  # each worker's start-up search (website/process.py) tried once
            figures = run_wrk(wrk, f"http://{bind}", script, SECONDS, connections=CONNECTIONS)
            tried = hole.connections - at_start
        print(figures["wrk_output"])
    row = summarise("blackhole", paths, figures, f"{tried} searches tried the cluster ({at_start} at start-up)")
    rows.append(row)
    bound_ms = (TIMEOUT + 1) * 1000
    header = (
        f"Results page while the search engine black-holes: {stack.SERVICES} services on PostgreSQL ({facts}), "
        f"gunicorn as in families-web.service, wrk {THREADS} threads × {CONNECTIONS} connections, {SECONDS:g} s"
    )
    print_table(rows, header)
    fives = sum(n for status, n in row["statuses"].items() if str(status).startswith("5"))
    print(
        f"5xx: {fives}; non-2xx: {row['non2xx']}; socket errors: {row['socket_errors']}; "
        f"p95 {row['p95_ms']} ms against the timeout + 1 s = {bound_ms:g} ms "
        f"({'within' if row['p95_ms'] <= bound_ms else 'OVER'}); max {row['max_ms']} ms; "
        f"black hole connections during the load: {tried} of {row['requests']} requests"
    )
    report(
        "search-blackhole-load",
        rows,
        facts,
        connections=CONNECTIONS,
        seconds=SECONDS,
        search_timeout_seconds=TIMEOUT,
        bound_ms=bound_ms,
        blackhole_connections={"start_up": at_start, "during_load": tried},
    )
    # A run in which no page came back measured nothing (a window shorter than one page on a busy machine).
    assert all(r["requests"] for r in rows), "no request completed: run longer (LOAD_SECONDS) or on a quieter machine"
