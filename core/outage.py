"""A dependency that did not answer, as this process remembers it: after a failure nobody asks it again until a
moment has passed; then one caller — one thread — tries, and the others are told «not yet» until that try has
succeeded or failed. Used by the Redis cache (core/cache.py) and the PostgreSQL backend
(core/db_backends/postgresql), each with its own `Outages` keyed by the server's address."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable


class Outages:
    def __init__(self) -> None:
        self._until: dict[Hashable, float] = {}  # server → monotonic time until which nobody asks it
        self._lock = threading.Lock()

    def down(self, server: Hashable) -> bool:
        """Whether `server` failed and has not answered since (asks nothing)."""
        return server in self._until

    def may_try(self, server: Hashable, probe_seconds: float) -> bool:
        """Whether a call may go to `server` now. Once the pause has passed exactly one caller gets True: the
        others keep away for `probe_seconds` (what the try can cost at most)."""
        until = self._until.get(server)
        if until is None:
            return True
        now = time.monotonic()
        if now < until:
            return False
        with self._lock:
            if self._until.get(server) != until:
                return False  # another thread is trying
            self._until[server] = now + probe_seconds
        return True

    def failed(self, server: Hashable, pause_seconds: float) -> bool:
        """Nobody asks `server` for `pause_seconds`. True when it was counted as answering until now."""
        with self._lock:
            first = server not in self._until
            self._until[server] = time.monotonic() + pause_seconds
        return first

    def succeeded(self, server: Hashable) -> bool:
        """`server` answers. True when it was counted as down until now."""
        if server not in self._until:
            return False
        with self._lock:
            return self._until.pop(server, None) is not None
