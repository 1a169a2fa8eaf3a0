"""Liveness and readiness for the load balancer and the monitoring.

/healthz answers as long as the process serves requests: it touches nothing else, so a database outage does not
make the supervisor restart healthy app servers. /readyz checks each dependency and says how it is:
- «ok», «degraded» (works, but worse: the search engine is down or its circuit is open and the database engine
  answers instead, the task queue is backed up or a task is RUNNING longer than its bound, the report replica is
  unreachable, or the cache (Redis) is unreachable and pages are computed from the database, core/cache.py),
  «down» (the site cannot serve: the database is unreachable);
- HTTP 200 while nothing is down, 503 otherwise, so a balancer stops sending traffic only when it must.
Neither endpoint shows anything personal or secret: names of the checks and short reasons only.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .cache import reachable
from .db_router import REPLICA, replica_configured

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def _timed(check, failure: str) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a check reports, it never raises
        result = {"status": failure, "detail": type(error).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    with connection.cursor() as cursor:
        # A table, not just «SELECT 1»: an SQLite file that vanished would be recreated empty and still answer.
        cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
        cursor.fetchone()
    return {"status": OK, "engine": connection.vendor}


def check_cache() -> dict:
    key = "readyz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        # The site answers without it (core/cache.py): pages from the database, slower.
        detail = "unreachable" if not reachable(cache) else "cache did not return the probe"
        return {"status": DEGRADED, "detail": detail, "fallback": "database"}
    return {"status": OK, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def check_replica() -> dict:
    """The report replica (DATABASE_REPLICA_URL): without it only the coordinator's reports fail."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
        cursor.fetchone()
    return {"status": OK}


def check_tasks() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    if "django_tasks_db" not in backend:
        return {"status": OK, "backend": backend.rsplit(".", 1)[-1]}
    # inside: the task queue's model; core.health is imported by apps' ready() and must load before the registry
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .taskqueue import stuck_tasks

    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    waiting = ready.count()
    stale_after = timezone.now() - timedelta(seconds=settings.READYZ_TASK_STALE_SECONDS)
    stale = ready.filter(enqueued_at__lt=stale_after).count()
    failed_recently = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    # RUNNING longer than the task's bound (core/taskqueue.py): its worker died, or it hangs on a dependency.
    stuck = stuck_tasks().count()
    status = DEGRADED if stale or stuck else OK
    return {"status": status, "waiting": waiting, "stale": stale, "stuck": stuck, "failed_last_hour": failed_recently}


# Each check with the status it gets when it fails outright: without the database the site cannot serve; without
# the cache, the search engine or the task queue it serves, worse. Apps add theirs with `register_check` (search
# registers its cluster's, search/health.py).
CHECKS = {
    "database": (check_database, DOWN),
    "cache": (check_cache, DEGRADED),
    "tasks": (check_tasks, DEGRADED),
}


def register_check(name: str, check, failure: str = DEGRADED) -> None:
    """Add a dependency check to /readyz: `check()` returns a dict with a «status»; if it raises, `failure`."""
    CHECKS[name] = (check, failure)


@never_cache
def healthz(request):
    return JsonResponse({"status": OK})


@never_cache
def readyz(request):
    checks = {}
    for name, (check, failure) in CHECKS.items():
        if name == "tasks" and checks["database"]["status"] == DOWN:
            # The task queue lives in the database: say why it cannot answer, without waiting for the database a
            # second time (a host that never answers costs DB_CONNECT_TIMEOUT_SECONDS per try).
            checks["tasks"] = {"status": DEGRADED, "detail": "database down"}
            continue
        checks[name] = _timed(check, failure)
    if replica_configured():
        checks["replica"] = _timed(check_replica, DEGRADED)
    statuses = {result["status"] for result in checks.values()}
    overall = DOWN if DOWN in statuses else DEGRADED if DEGRADED in statuses else OK
    return JsonResponse({"status": overall, "checks": checks}, status=503 if overall == DOWN else 200)
