"""The search cluster's check of /readyz (core/health.py), registered by SearchConfig.ready."""

from __future__ import annotations

from core.health import DEGRADED, OK

from .engines.distributed import distributed_engine


def check_search() -> dict:
    engine = distributed_engine()
    if engine is None:
        return {"status": OK, "engine": "database"}
    breaker = engine.breaker
    if breaker.retry_in() > 0:
        # The searches of this process do not try the cluster now: neither does the probe (it answers at once).
        return {
            "status": DEGRADED,
            "engine": engine.name,
            "detail": "circuit open",
            "retry_in_s": round(breaker.retry_in(), 1),
            "fallback": "database",
        }
    try:
        with engine.errors():
            alive = engine.client.ping()
    except Exception as error:
        alive, detail = False, type(error).__name__
    else:
        detail = "" if alive else "no answer"
    if alive:
        return {"status": OK, "engine": engine.name}
    # The database engine takes over (search.services falls back): slower and simpler, not down.
    return {"status": DEGRADED, "engine": engine.name, "detail": detail, "fallback": "database"}
