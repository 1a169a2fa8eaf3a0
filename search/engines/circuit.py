"""A circuit breaker in front of the distributed search engine (OpenSearch/Elasticsearch).

A cluster that accepts connections but never answers costs SEARCH_TIMEOUT_SECONDS per request. After
SEARCH_BREAKER_FAILURES consecutive failures (timeouts, refused or reset connections, 5xx/429, no index: whatever the
engine reports as `SearchEngineUnavailable`) the circuit opens: for SEARCH_BREAKER_COOLDOWN_SECONDS no request goes
to the cluster, `CircuitOpen` is raised at once and the callers answer from the database (`search.services`: the
services search and Wagtail's page search share the breaker). Then one request — and only one, whichever thread
comes first — tries the cluster again (half-open): an answer closes the circuit, a failure opens it for another
cool-down. Any answer of the cluster, even an error one (a rejected request is a bug, not an outage), counts as
reachable and resets the count.

The state is kept per process (each gunicorn worker process has its own breaker, shared by its threads): with W
worker processes of T threads, at most W × (N + T − 1) searches wait for the timeout before every process answers
from the database (the N failures, and the searches already under way when the N-th came back), and W searches per
cool-down probe the cluster. Nothing is shared across processes or hosts, so nothing is needed besides the process.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from core import metrics

from .errors import SearchEngineError, SearchEngineNotConfigured, SearchEngineUnavailable

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitOpen(SearchEngineUnavailable):
    """The circuit is open: the cluster was not asked (it failed too often in a row a moment ago)."""


class CircuitBreaker:
    def __init__(self, name: str, clock=time.monotonic, engine: str = ""):
        self.name = name
        self.engine = engine or name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    # ------------------------------------------------------------------ settings, read on every call

    @staticmethod
    def threshold() -> int:
        return max(1, int(settings.SEARCH_BREAKER_FAILURES))

    @staticmethod
    def cooldown() -> float:
        return float(settings.SEARCH_BREAKER_COOLDOWN_SECONDS)

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == OPEN and self._clock() - self._opened_at >= self.cooldown():
                return HALF_OPEN  # the next call probes
            return self._state

    def retry_in(self) -> float:
        """Seconds until the next probe (0 when the circuit is not open)."""
        with self._lock:
            if self._state != OPEN:
                return 0.0
            return max(0.0, self.cooldown() - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether this call may go to the cluster. A True in the half-open state reserves the one probe: the caller
        must then report `success()`, `failure()` or `release()`."""
        with self._lock:
            if self._state == CLOSED:
                return True
            if self._state == OPEN and self._clock() - self._opened_at >= self.cooldown():
                self._state = HALF_OPEN
            if self._state == HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            was = self._state
            self._state, self._failures, self._probing = CLOSED, 0, False
        if was != CLOSED:
            metrics.SEARCH_CIRCUIT_OPEN.labels(engine=self.engine).set(0)
            logger.warning("Search engine %s answers again: the circuit is closed", self.name)

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._probing = False
            opens = self._state == HALF_OPEN or (self._state == CLOSED and self._failures >= self.threshold())
            if opens:
                self._state, self._opened_at = OPEN, self._clock()
            failures = self._failures
        if opens:
            metrics.SEARCH_CIRCUIT_OPEN.labels(engine=self.engine).set(1)
            logger.warning(
                "Search engine %s failed %s time(s) in a row: the circuit is open, searches answer from the "
                "database for %s s without trying it",
                self.name,
                failures,
                self.cooldown(),
            )

    def release(self) -> None:
        """The call ended with an error that says nothing about the cluster: free the probe, change nothing else."""
        with self._lock:
            self._probing = False

    @contextmanager
    def guard(self):
        """Run the block only when the circuit lets it, and record how it went. Raises CircuitOpen otherwise."""
        if not self.allow():
            raise CircuitOpen(f"Search engine {self.name}: circuit open, not tried (retry in {self.retry_in():.0f} s)")
        try:
            yield
        except BaseException as error:
            self.record_error(error)
            raise
        else:
            self.success()

    def record_error(self, error: BaseException) -> None:
        """Record how a call that raised `error` (already translated by the engine) went: an unreachable cluster is
        a failure, an error answer of the cluster (a rejected request is a bug, not an outage) counts as reachable,
        anything else says nothing about the cluster and only frees the probe."""
        if isinstance(error, SearchEngineUnavailable):
            self.failure()
        elif isinstance(error, SearchEngineNotConfigured):
            self.release()
        elif isinstance(error, SearchEngineError):
            self.success()
        else:
            self.release()


_thread = threading.local()


def thread_waited_recently() -> bool:
    """Whether this thread has just waited for a failing cluster (see `thread_waited`)."""
    return time.monotonic() < getattr(_thread, "quiet_until", 0.0)


def thread_waited() -> None:
    """This thread has just waited for a failing cluster: for SEARCH_TIMEOUT_SECONDS its searches answer from the
    database without asking it (one page that searches several times waits once, not once per search)."""
    _thread.quiet_until = time.monotonic() + float(settings.SEARCH_TIMEOUT_SECONDS)


_breakers: dict[tuple[str, str], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(engine_name: str, url: str | None = None) -> CircuitBreaker:
    """The process's breaker of one cluster (engine name and SEARCH_URL)."""
    key = (engine_name, url if url is not None else settings.SEARCH_URL)
    with _breakers_lock:
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(f"{engine_name} at {_without_password(key[1])}", engine=engine_name)
        return _breakers[key]


def _without_password(url: str) -> str:
    """The cluster's address as the logs may show it: without the user and password a URL may carry."""
    parts = urlsplit(url or "")
    if not parts.password and not parts.username:
        return url
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))


def reset() -> None:
    """Forget every breaker (tests; a new process starts with none)."""
    with _breakers_lock:
        _breakers.clear()
    _thread.quiet_until = 0.0
