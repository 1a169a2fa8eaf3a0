"""Reports read from a replica of the database when there is one (DATABASE_REPLICA_URL).

The router sends nothing anywhere by itself: only the code inside `reads_from_replica()` (a context manager and a
decorator — the coordinator's figures and quarterly analysis, the «Меры: пора проверить» report) reads from the
``replica`` alias; writes, migrations and every other read stay on ``default``. Report figures a few seconds behind
the primary are fine; a workspace page that has just saved something must read it back, so it never reads from the
replica. Without DATABASE_REPLICA_URL there is no ``replica`` alias and everything goes to ``default``.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.conf import settings

REPLICA = "replica"

_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reads_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def report_database() -> str:
    """The alias report queries read from: for querysets evaluated later, outside `reads_from_replica()`."""
    return REPLICA if replica_configured() else "default"


@contextlib.contextmanager
def reads_from_replica():
    # A generator context manager: used as a decorator it starts afresh on every call, so concurrent requests in
    # threads (gunicorn gthread) never share the contextvar token, as one shared decorator instance would.
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


class ReportsReplicaRouter:
    def db_for_read(self, model, **hints):
        if _on_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return "default"  # an object read from the replica is saved on the primary
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica gets its schema from replication
