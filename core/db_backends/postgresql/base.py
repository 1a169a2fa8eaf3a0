"""Django's PostgreSQL backend that does not wait twice for a server that did not answer.

`connect_timeout` (DB_CONNECT_TIMEOUT_SECONDS) bounds one connection attempt. A request that meets a database host
that accepts and never answers may try more than once (the view, then its session for the log line, then the
next middleware…), and every thread of every process pays the full timeout each time. Here, after an attempt that
timed out, the process does not try that server again for the same number of seconds: the attempts in between
fail at once with the same OperationalError (the 503 page of core/errors.py). Then one attempt — one thread —
tries again; the others keep failing at once until it has succeeded or failed. A refused connection (a server
restarting) fails at once by itself and changes nothing here.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

from core.outage import Outages

_outages = Outages()  # per (host, port, database)


class DatabaseWrapper(base.DatabaseWrapper):
    def _server(self, conn_params: dict) -> tuple:
        return (conn_params.get("host"), conn_params.get("port"), conn_params.get("dbname"))

    def _timeout(self, conn_params: dict) -> float:
        try:
            return float(conn_params.get("connect_timeout") or 0)
        except (TypeError, ValueError):
            return 0.0

    def get_new_connection(self, conn_params):
        server, timeout = self._server(conn_params), self._timeout(conn_params)
        if not _outages.may_try(server, timeout + 1):
            raise self.Database.OperationalError(
                "connection timeout expired a moment ago: the server is not asked again yet"
            )
        started = time.monotonic()
        try:
            connection = super().get_new_connection(conn_params)
        except self.Database.OperationalError:
            if timeout and time.monotonic() - started >= timeout - 0.5:
                _outages.failed(server, timeout)
            else:
                _outages.succeeded(server)  # refused at once: a server restarting, not one that hangs
            raise
        _outages.succeeded(server)
        return connection
