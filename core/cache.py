"""The cache in Redis (REDIS_URL), which the site outlives.

Django's Redis backend raises when Redis is unreachable, and everything that reads the cache on the way to a public
page (the page cache, Wagtail's site root paths, the kept values, the rate limits) turned that into a 500. Here
Redis unreachable — refused, reset, or accepting and never answering (`socket_connect_timeout`/`socket_timeout`,
REDIS_TIMEOUT_SECONDS) — is an empty cache that keeps nothing: reads find nothing, writes are dropped, `incr`
finds no counter. So every page is computed from the database, slower but right.

After a failure the process does not ask Redis again for `retry_seconds` (REDIS_RETRY_SECONDS): a Redis that
never answers costs one timeout per process per interval, not one per call. Then one call — one thread, the
others keep answering without the cache meanwhile — tries again; the first call that succeeds closes the outage.

`reachable(cache)` says whether the process currently counts Redis as reachable: the page cache
(core/page_cache.py) reads it to tell «no generation yet» from «the generation could not be read», and /readyz
reports the cache as degraded.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.outage import Outages

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
DEFAULT_RETRY_SECONDS = 10.0

# Per server address, shared by the threads of the process (each thread has its own backend object).
_outages = Outages()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        # One try costs at most a connect and a read timeout: other threads keep away while it runs.
        self.probe_seconds = float(options.get("socket_connect_timeout") or 0) + float(
            options.get("socket_timeout") or 0
        )
        super().__init__(server, {**params, "OPTIONS": options})
        self._where = ",".join(self._servers)

    # -------------------------------------------------------------------------------------- the outage

    def available(self) -> bool:
        """Whether a call may go to Redis now (`core.outage`: after the retry interval one caller tries)."""
        return _outages.may_try(self._where, self.probe_seconds + 1)

    def _failed(self, error: BaseException) -> None:
        if _outages.failed(self._where, self.retry_seconds):
            logger.warning(
                "Redis unreachable (%s): the site answers without the cache, next try in %s s",
                type(error).__name__,
                self.retry_seconds,
            )

    def _succeeded(self) -> None:
        if _outages.succeeded(self._where):
            logger.warning("Redis reachable again: the cache is back")

    def _call(self, method, fallback, *args, **kwargs):
        if not self.available():
            return fallback()
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as error:
            self._failed(error)
            return fallback()
        self._succeeded()
        return result

    # ------------------------------------------------------------------------- the cache API, guarded

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, lambda: False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, lambda: None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, lambda: False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, dict, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, lambda: False, key, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found: the cache is unreachable.")

        return self._call(super().incr, missing, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, lambda: list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, lambda: None, keys, version)

    def clear(self):
        return self._call(super().clear, lambda: False)


def reachable(cache) -> bool:
    """Whether `cache` counts as reachable in this process right now: False from a failed call until a call
    succeeds again. It asks nothing (a cache of another kind is always reachable). `cache` may be Django's
    `django.core.cache.cache` proxy."""
    where = getattr(cache, "_where", None)
    return where is None or not _outages.down(where)
