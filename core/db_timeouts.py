"""Bounds on every call to the database (docs/operations.md «Fault tolerance»).

`database_settings()` turns a DATABASE_URL into the settings of one alias:

- PostgreSQL: `connect_timeout` (a host that accepts the connection and never answers makes the request fail after
  it, with the 503 page of core/errors.py, instead of hanging past gunicorn's timeout; for the same time after
  such an attempt the process fails at once instead of waiting again: core/db_backends/postgresql/base.py), a
  statement timeout for
  every statement (`options=-c statement_timeout=…`: a query that runs longer is cancelled by the server, the
  request gets the same 503 page), `tcp_user_timeout` and TCP keepalives (a host that vanishes under an open
  connection is noticed, not waited for);
- SQLite (the embedded default): WAL journal (readers never wait for the writer), `synchronous=NORMAL`, every
  transaction `BEGIN IMMEDIATE` (a transaction that reads and then writes takes the write lock first, so two of
  them wait for each other instead of failing with «database is locked») and a busy timeout that covers an import
  or the worker writing at the same time.

`long_statements()` lifts the statement timeout for the code that says it needs more: the imports of the databank
(HSDS, spreadsheet) and the report builders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import dj_database_url
from django.conf import settings
from django.db import DatabaseError, connections

DEFAULT_ALIAS = "default"


def database_settings(
    url: str,
    *,
    conn_max_age: int,
    connect_timeout: float,
    statement_timeout: float,
    sqlite_timeout: float,
) -> dict:
    """The settings of one alias for `url` with the bounds of this module (seconds)."""
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    options = config.setdefault("OPTIONS", {})
    engine = config["ENGINE"]
    if engine.endswith("postgresql"):
        # Django's backend, which after a timed-out attempt does not wait for the same server again at once.
        config["ENGINE"] = "core.db_backends.postgresql"
        options.setdefault("connect_timeout", max(1, round(connect_timeout)))
        startup = f"-c statement_timeout={milliseconds(statement_timeout)}"
        # Options of the URL itself (`?options=…`) come last: they win over ours.
        options["options"] = f"{startup} {options['options']}" if options.get("options") else startup
        # Sent data not acknowledged for this long (the host is gone): the connection fails instead of waiting for
        # TCP's own retransmissions (minutes). Keepalives notice a vanished host while a statement is running.
        options.setdefault("tcp_user_timeout", milliseconds(max(connect_timeout, 10)))
        options.setdefault("keepalives", 1)
        options.setdefault("keepalives_idle", 30)
        options.setdefault("keepalives_interval", 10)
        options.setdefault("keepalives_count", 3)
    elif engine.endswith("sqlite3"):
        options.setdefault("timeout", sqlite_timeout)
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    return config


def milliseconds(seconds: float) -> int:
    return int(round(float(seconds) * 1000))


@contextlib.contextmanager
def long_statements(using: str | Callable[[], str] | None = None, seconds: float | None = None):
    """Statements of the block may run `seconds` (default: settings.DB_LONG_STATEMENT_TIMEOUT_SECONDS) instead of
    the usual statement timeout. `using` is an alias, or a function giving it when the block starts
    (`core.db_router.report_database` for reports). Usable as a decorator.

    PostgreSQL only (SQLite has no statement timeout). The setting is the session's (`set_config(…, false)`, so
    it lasts across the transactions of the block) and is reset when the block ends; inside a transaction that is
    rolled back PostgreSQL undoes it by itself. A persistent connection never keeps it."""
    alias = (using() if callable(using) else using) or DEFAULT_ALIAS
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    limit = settings.DB_LONG_STATEMENT_TIMEOUT_SECONDS if seconds is None else seconds
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds(limit)}ms"])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                # Back to the connection's own value (the `-c statement_timeout` it was opened with).
                cursor.execute("RESET statement_timeout")
        except DatabaseError:
            # A failed transaction refuses every statement: its rollback undoes the setting made inside it; one
            # made before it is dropped with the connection.
            if not connection.in_atomic_block:
                connection.close()
