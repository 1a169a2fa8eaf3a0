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
    multiprocess,
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


class ScrapeTimeCollector:
    """Gauges read at scrape time (from the database): each app registers its own with `register_gauge`, so this
    module imports no app (the referral module registers its overdue referrals in its AppConfig.ready)."""

    def __init__(self):
        self.gauges: dict[str, tuple[str, list[str], object]] = {}

    def describe(self):  # registration must not touch the database (it happens at import)
        for name, (_help, labels, _read) in self.gauges.items():
            yield GaugeMetricFamily(name, "", labels=labels)

    def collect(self):
        for name, (help_text, labels, read) in self.gauges.items():
            family = GaugeMetricFamily(name, help_text, labels=labels)
            for label_values, value in read():
                family.add_metric(list(label_values), value)
            yield family


SCRAPE_TIME = ScrapeTimeCollector()


def register_gauge(name: str, help_text: str, read, labels: tuple[str, ...] = ()) -> None:
    """A gauge read at scrape time: `read()` returns [(label values, value), …]. Registered once per name."""
    SCRAPE_TIME.gauges[name] = (help_text, list(labels), read)


def _task_queue_depth():
    # inside: the task queue's model; core.metrics is imported by apps' ready() and must load before the registry
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    states = [TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
    counts = dict(
        DBTaskResult.objects.filter(status__in=states).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return [((state.value.lower(),), counts.get(state.value, 0)) for state in states]


register_gauge("task_queue_depth", "Background tasks waiting, running and failed.", _task_queue_depth, ("state",))
REGISTRY.register(SCRAPE_TIME)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(SCRAPE_TIME)
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
