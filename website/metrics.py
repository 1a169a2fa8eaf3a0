"""Prometheus metrics at /metrics: request latency by view, search latency by engine, fallbacks and the state of the
circuit breaker, the task queue, overdue referrals.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, cleaned at start) so the
figures of all workers are added up; without it each process reports its own (runserver, one worker).
The endpoint answers only the addresses in METRICS_ALLOWED_IPS or a request bearing METRICS_TOKEN; anyone else
gets 404. Labels carry view names and engine names, never a query, a path with an id, or anything personal.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10)

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by view (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_LATENCY = Histogram(
    "search_duration_seconds",
    "Time of one search by the engine that answered.",
    ["engine"],
    buckets=LATENCY_BUCKETS,
)
SEARCH_FALLBACKS = Counter(
    "search_fallback",
    "Searches the database engine answered because the configured engine failed.",
    ["engine"],
)

# Per process (search.engines.circuit); with several workers the highest of the live ones: 1 while any worker's
# circuit is open. The label is the engine's name, never the cluster's address (it may hold a password).
SEARCH_CIRCUIT_OPEN = Gauge(
    "search_circuit_open",
    "1 while the circuit breaker of the search cluster is open: searches answer from the database without trying it.",
    ["engine"],
    multiprocess_mode="livemax",
)


def observe_search(engine: str, seconds: float, *, fallback_from: str = "") -> None:
    SEARCH_LATENCY.labels(engine=engine).observe(seconds)
    if fallback_from:
        SEARCH_FALLBACKS.labels(engine=fallback_from).inc()


class MetricsMiddleware:
    """The latency of every request, labelled by the URL name so that ids in paths do not multiply series."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUEST_LATENCY.labels(view=view, method=request.method, status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


class WorkflowCollector:
    """Figures read from the database at scrape time: the task queue and overdue referrals."""

    def describe(self):  # registration must not touch the database (it happens at import)
        yield GaugeMetricFamily("task_queue_depth", "", labels=["state"])
        yield GaugeMetricFamily("referrals_overdue", "")

    def collect(self):
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from referrals.selectors import overdue_count

        depth = GaugeMetricFamily("task_queue_depth", "Background tasks waiting, running and failed.", labels=["state"])
        states = [TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
        counts = dict(
            DBTaskResult.objects.filter(status__in=states).values_list("status").annotate(n=Count("pk")).order_by()
        )
        for state in states:
            depth.add_metric([state.value.lower()], counts.get(state.value, 0))
        yield depth
        overdue = GaugeMetricFamily("referrals_overdue", "Referrals past their response or completion date.")
        overdue.add_metric([], overdue_count())
        yield overdue


REGISTRY.register(WorkflowCollector())


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(WorkflowCollector())
    return registry


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization", "") == f"Bearer {token}":
        return True
    return request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS


def metrics_view(request):
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
