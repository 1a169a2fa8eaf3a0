"""A request id on every log line, carried from a request into the background tasks it enqueues, and JSON logs.

- `RequestIdMiddleware` (first in MIDDLEWARE) takes nginx's ``X-Request-ID`` when it is well-formed (nginx's
  ``$request_id`` is 32 hex digits) or makes a new id, returns it in the response's ``X-Request-ID`` and keeps it
  in a context variable for the whole request; at the end it writes one line (logger ``website.requests``) with
  the method, the path (never the query string: searches may name people), the status, the duration and the user
  id (a number, never a name).
- `enqueue(task, *args, **kwargs)` enqueues a django-tasks task with the current request id in a reserved keyword
  argument (``_request_id``). It is stored with the task (the database queue keeps it in the task row, so a retry
  after `requeue_stale_tasks` keeps it too); when the task starts — in the request (immediate backend) or in
  `manage.py db_worker` — a `task_started` receiver takes it out of the arguments before the task function is
  called and puts it in the context variable, so every line the task logs carries the request's id, with the
  task's name and id. Tasks enqueued by plain ``task.enqueue()`` (Wagtail's own) simply carry none.
- `RequestContextFilter` puts ``request_id``, ``path``, ``method``, ``user_id``, ``task`` and ``task_id`` on every
  record; `JsonFormatter` writes one JSON object a line (``LOG_FORMAT=json``, set in production), the default
  readable format shows the request id in brackets.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django_tasks.signals import task_finished as finished_signal
from django_tasks.signals import task_started as started_signal

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_KWARG = "_request_id"
# nginx's $request_id (32 hex digits), a UUID, or any similar token; nothing that could smuggle text into logs.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,127}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Where the line comes from: {"path", "method", "user_id"} in a request, {"task", "task_id"} in a task.
log_context_var: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_context", default=None)

request_logger = logging.getLogger("website.requests")
task_logger = logging.getLogger("website.tasks")

CONTEXT_FIELDS = ("request_id", "path", "method", "user_id", "task", "task_id")
# Fields a line may carry in `extra=` that the JSON output keeps (everything else of a record is left out).
EXTRA_FIELDS = ("status", "duration_ms", "task_status")


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def well_formed(value: str | None) -> bool:
    return bool(value) and bool(_WELL_FORMED.match(value))


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER)
        request_id = incoming if well_formed(incoming) else new_request_id()
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        context = {"path": request.path, "method": request.method, "user_id": None}
        context_token = log_context_var.set(context)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                context["user_id"] = user.pk
            response[REQUEST_ID_HEADER] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            log_context_var.reset(context_token)
            request_id_var.reset(id_token)


def enqueue(task, *args, **kwargs):
    """``task.enqueue(*args, **kwargs)``, carrying the current request id (if any) to whoever runs the task."""
    request_id = current_request_id()
    if request_id:
        kwargs[REQUEST_ID_KWARG] = request_id
    return task.enqueue(*args, **kwargs)


# Context tokens of running tasks by task id: a task run by the immediate backend runs inside the request that
# enqueued it, whose context must come back when the task ends.
_running: dict[str, tuple] = {}


def task_started(sender, task_result, **kwargs) -> None:
    # The same dict is then unpacked into the task function's call (immediate backend and db_worker alike).
    request_id = task_result.kwargs.pop(REQUEST_ID_KWARG, None)
    if not well_formed(request_id):
        request_id = None
    tokens = (
        request_id_var.set(request_id),
        log_context_var.set({"task": task_result.task.module_path, "task_id": str(task_result.id)}),
        time.perf_counter(),
    )
    _running[str(task_result.id)] = tokens
    task_logger.info("task started %s", task_result.task.module_path)


def task_finished(sender, task_result, **kwargs) -> None:
    tokens = _running.pop(str(task_result.id), None)
    duration = round((time.perf_counter() - tokens[2]) * 1000, 1) if tokens else None
    task_logger.info(
        "task finished %s %s",
        task_result.task.module_path,
        task_result.status,
        extra={"task_status": str(task_result.status), "duration_ms": duration},
    )
    if tokens:
        try:
            log_context_var.reset(tokens[1])
            request_id_var.reset(tokens[0])
        except ValueError:  # finished in another context than it started: just clear
            log_context_var.set(None)
            request_id_var.set(None)


def connect_task_signals() -> None:
    started_signal.connect(task_started, dispatch_uid="core.request_log.task_started")
    finished_signal.connect(task_finished, dispatch_uid="core.request_log.task_finished")


class RequestContextFilter(logging.Filter):
    """Puts the request id and where the line comes from on every record (attach it to the handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context_var.get() or {}
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        for field in CONTEXT_FIELDS[1:]:
            if not hasattr(record, field):
                setattr(record, field, context.get(field))
        return True


class ReadableFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id") or record.request_id is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message and the context fields that are set."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS + EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
