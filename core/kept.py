"""Values public pages show whatever the request (the hotline panel, the demo notice, the site and its operator),
kept in the process instead of read on every page.

A kept value lives until the public page cache's generation (core/page_cache.py) moves — every edit of the
pages, settings, snippets and the databank bumps it — and never longer than `SECONDS`: without a shared cache each
process has its own generation, so an edit made in another process shows here within that time. While the shared
cache cannot be read (Redis unreachable), the generation is one nothing was kept under: every value is loaded from
the database on every call, since an edit made meanwhile could not say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from . import page_cache

T = TypeVar("T")

SECONDS = 60.0
# name -> (generation, monotonic deadline, value). Whole tuples are swapped in: safe across threads without a lock
# (two threads missing at once both load, which is harmless).
_kept: dict[str, tuple[int, float, object]] = {}


def kept(name: str, loader: Callable[[], T]) -> T:
    """`loader()`'s value, read again after a bump of the page cache or `SECONDS`. The value is shared by every
    request of the process: callers must not change it."""
    # Read before loading: a bump during the load (an edit committing) leaves the value stored under the older
    # generation, so it is read again on the next call.
    generation = page_cache.current_generation()
    now = time.monotonic()
    entry = _kept.get(name)
    if entry is not None and entry[0] == generation and now < entry[1]:
        return entry[2]  # type: ignore[return-value]
    value = loader()
    _kept[name] = (generation, now + SECONDS, value)
    return value


def forget() -> None:
    """Drop every kept value (tests: a rolled-back test's rows must not show in the next one)."""
    _kept.clear()
