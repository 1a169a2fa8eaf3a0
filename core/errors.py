"""Server errors that are not bugs get their own answer instead of the generic 500 page.

Django turns any exception of a view or a middleware into a call of ``handler500`` from inside the ``except``
block, so the exception is still at hand here:

- the database is unreachable or restarting (``OperationalError``/``InterfaceError``): 503 with ``Retry-After``;
  the transaction of the request has been rolled back, and the next request reconnects by itself
  (``CONN_HEALTH_CHECKS``), so the app recovers without a restart;
- the disk is full (``ENOSPC`` while an upload is written to the temporary directory or the media storage, or the
  database reports it): 507 «нет места» — the upload is not saved, nothing half-written is kept.

The pages are static templates rendered without the request context: they must not touch the database.
"""

from __future__ import annotations

import errno
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def is_disk_full(exc: BaseException | None) -> bool:
    """ENOSPC/EDQUOT from the file system, or the database saying its disk is full (PostgreSQL, SQLite)."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, DatabaseError | OSError):
            text = str(exc).lower()
            if "no space left on device" in text or "database or disk is full" in text:
                return True
            if type(exc).__name__ == "DiskFull":  # psycopg.errors.DiskFull (SQLSTATE 53100)
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request, template_name="500.html"):
    exc = sys.exc_info()[1]
    if is_disk_full(exc):
        return _static_page("507.html", status=507)
    if is_database_unavailable(exc):
        response = _static_page("503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name=template_name)


def _static_page(template_name: str, *, status: int):
    body = loader.get_template(template_name).render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
