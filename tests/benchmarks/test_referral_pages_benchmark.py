"""Referral workspace benchmark: the partner inbox, the curator desk and the case lists at 100,000 referrals.

Not part of the normal suite (pyproject's `norecursedirs` skips tests/benchmarks). Run it with

    make bench                                                            # = pytest tests/benchmarks -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_referrals \\
        .venv/bin/pytest tests/benchmarks/test_referral_pages_benchmark.py -s -q
    BENCH_REFERRALS=5000 BENCH_RUNS=20 .venv/bin/pytest tests/benchmarks/test_referral_pages_benchmark.py -s -q

Environment:

* `BENCH_REFERRALS` — referrals to generate (default 100,000; families = 3/10 of that);
* `BENCH_RUNS` — measured requests per page (default 50), after `BENCH_WARMUP` (default 5);
* `BENCH_SEED` — seed of `manage.py generate_referrals` (default 2026);
* `BENCH_RESULT` — where to write the JSON results (default tests/benchmarks/results/referral-pages-<date>.json,
  git-ignored);
* `DATABASE_URL` — PostgreSQL instead of SQLite (pytest-django creates and drops the test_… database).

The data are generated with `manage.py generate_referrals` into the test database (on top of the demo databank),
then `VACUUM ANALYZE`d (as autovacuum would after the bulk load).
Every page is fetched through the real view with Django's test client, signed in the way the
workspace tests sign in (password session plus a verified TOTP device: both factors, no bypass): the wall time
of the whole request (middleware, policy, queries, template) and its number of SQL queries. On PostgreSQL the
`EXPLAIN ANALYZE` of the inbox's hot queries is printed and saved. The one hard assertion is the issue's query
budget (≤ 15 SQL queries for the partner inbox); timings are printed next to the target (p95 ≤ 80 ms), because
the shared 2-core development machine makes them noisy — see docs/performance.md.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

REFERRALS = int(os.environ.get("BENCH_REFERRALS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
RESULTS_DIR = Path(__file__).parent / "results"
INBOX_P95_MS = 80
INBOX_MAX_QUERIES = 15


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@pytest.fixture(scope="module")
def scale_data(django_db_setup, django_db_blocker):
    """100,000 referrals in the test database (kept between tests of the module; dropped with the database)."""
    with django_db_blocker.unblock():
        started = perf_counter()
        out = io.StringIO()
        call_command(
            "generate_referrals",
            "--families",
            str(max(1, REFERRALS * 3 // 10)),
            "--referrals",
            str(REFERRALS),
            "--seed",
            str(SEED),
            "--clear",
            "--force",
            stdout=out,
        )
        seconds = perf_counter() - started
        text = out.getvalue()
        result = json.loads(text[text.index("{\n") :])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: visibility map, statistics
        result["total_seconds"] = round(seconds, 1)
        print(
            f"\ngenerate_referrals: {result['referrals']} referrals, {result['families']} families in {seconds:.1f} s"
        )
        print(f"  phases: {result['seconds']}")
        yield result


def _users():
    from referrals.models import FamilyCase, Membership, Referral
    from referrals.states import State

    busiest = (
        Referral.objects.filter(case__registration_number__startswith="ГЕН-")
        .exclude(status=State.DRAFT)
        .values("organization")
        .annotate(n=Count("pk"))
        .order_by("-n")[:1]
    )[0]
    intake = Membership.objects.get(
        role="partner_intake", user__username__startswith="gen-", organization_id=busiest["organization"]
    ).user
    curator_row = (
        FamilyCase.objects.filter(registration_number__startswith="ГЕН-")
        .values("curator")
        .annotate(n=Count("pk"))
        .order_by("-n")[:1]
    )[0]
    from django.contrib.auth import get_user_model

    curator = get_user_model().objects.get(pk=curator_row["curator"])
    head = Membership.objects.get(
        role="head", organization_id=FamilyCase.objects.filter(curator=curator).values("organization")[:1]
    ).user
    return {"intake": intake, "curator": curator, "head": head}, busiest["n"], curator_row["n"]


PAGES = [
    ("partner inbox: new", "intake", "/cabinet/inbox/?tab=new"),
    ("partner inbox: overdue", "intake", "/cabinet/inbox/?tab=overdue"),
    ("partner inbox: in progress", "intake", "/cabinet/inbox/?tab=progress"),
    ("partner inbox: closed", "intake", "/cabinet/inbox/?tab=closed"),
    ("partner inbox: closed, page 10", "intake", "/cabinet/inbox/?tab=closed&page=10"),
    ("partner home (tab counts)", "intake", "/cabinet/"),
    ("curator desk", "curator", "/cabinet/"),
    ("curator case list", "curator", "/cabinet/cases/"),
    ("head: desk of the organisation", "head", "/cabinet/"),
    ("head: case list", "head", "/cabinet/cases/"),
    ("head: case list, page 20", "head", "/cabinet/cases/?page=20"),
    ("notifications (intake)", "intake", "/cabinet/notifications/"),
]


def _explain(intake) -> list[dict]:
    """EXPLAIN ANALYZE of the inbox's hot statements, as the view builds them."""
    from referrals import selectors

    plans = []
    for tab in ("new", "closed"):
        ids, _counts = selectors.partner_inbox(intake, tab)
        plans.append({"query": f"inbox ids, tab={tab}, first page", "plan": ids[:50].explain(analyze=True)})
    from referrals.models import Referral
    from referrals.selectors import REFERRAL_LIST_DEFERRED, REFERRAL_LIST_RELATED, _overdue_first

    page = list(ids[:50])
    rows = _overdue_first(Referral.objects.filter(pk__in=page)).select_related(*REFERRAL_LIST_RELATED)
    plans.append({"query": "inbox rows of the page", "plan": rows.defer(*REFERRAL_LIST_DEFERRED).explain(analyze=True)})
    plans.append({"query": "inbox tab counts (one aggregate)", "plan": _explain_counts(intake)})
    return plans


def _explain_counts(intake) -> str:
    from django.db.models import Q
    from django.utils import timezone

    from referrals import policy
    from referrals.models import Referral
    from referrals.selectors import INBOX_TABS
    from referrals.states import State

    today = timezone.localdate()
    overdue = Q(status=State.SENT, respond_by__lt=today) | (
        Q(status__in=[State.ACCEPTED, State.IN_PROGRESS]) & Q(needed_by__lt=today)
    )
    queryset = (
        Referral.objects.filter(policy.partner_referrals_q(intake))
        .values("organization_id")
        .annotate(**{name: Count("pk", filter=q) for name, q in {**INBOX_TABS, "overdue": overdue}.items()})
        .order_by()
    )
    return queryset.explain(analyze=True)


@pytest.mark.django_db
def test_referral_pages_at_scale(scale_data, client):
    from tests.referrals.conftest import cabinet_login

    users, inbox_rows, curator_cases = _users()
    rows = []
    for name, who, url in PAGES:
        cabinet_login(client, users[who])
        for _ in range(WARMUP):
            assert client.get(url).status_code == 200, (name, url)
        times, queries = [], set()
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                started = perf_counter()
                response = client.get(url)
                times.append((perf_counter() - started) * 1000)
            assert response.status_code == 200
            queries.add(len(ctx.captured_queries))
        rows.append(
            {
                "page": name,
                "url": url,
                "user": who,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "max_ms": round(max(times), 1),
                "sql_queries": max(queries),
                "bytes": len(response.content),
            }
        )
    plans = _explain(users["intake"]) if connection.vendor == "postgresql" else []
    load = os.getloadavg()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "database": f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}",
            "load_average_after": [round(x, 2) for x in load],
        },
        "data": scale_data,
        "inbox_rows_of_the_partner": inbox_rows,
        "cases_of_the_curator": curator_cases,
        "runs": RUNS,
        "pages": rows,
        "targets": {"partner inbox p95 ms": INBOX_P95_MS, "partner inbox SQL queries": INBOX_MAX_QUERIES},
        "explain": plans,
    }
    print(f"\n{REFERRALS} referrals, {connection.vendor}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"partner's referrals (not drafts): {inbox_rows}; curator's cases: {curator_cases}")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4} {'KB':>6}")
    for row in rows:
        print(
            f"{row['page']:34} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['max_ms']:8.1f} "
            f"{row['sql_queries']:4d} {row['bytes'] / 1024:6.1f}"
        )
    for plan in plans:
        print(f"\nEXPLAIN ANALYZE — {plan['query']}\n{plan['plan']}")
    path = Path(os.environ.get("BENCH_RESULT", "")) if os.environ.get("BENCH_RESULT") else None
    if path is None:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"referral-pages-{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"\nresults: {path}")
    for row in rows:
        if row["page"].startswith("partner inbox"):
            assert row["sql_queries"] <= INBOX_MAX_QUERIES, row
