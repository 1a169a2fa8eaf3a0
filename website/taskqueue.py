"""Recovery of the database task queue (django-tasks-db) after a worker dies mid-task.

A worker claims a task by marking it RUNNING; if the process is killed (SIGKILL, out of memory, power loss) the row
stays RUNNING for ever and the task is lost. `manage.py requeue_stale_tasks` (run it when the worker starts and
every few minutes next to it) puts tasks RUNNING for longer than the longest task may take back to READY, so the
next worker runs them again; a task that has already been claimed MAX_ATTEMPTS times is marked FAILED instead.

Running a task twice must therefore be harmless: the tasks of this project are idempotent in effect (the e-mail
outbox locks a message and skips it once it is sent; re-indexing writes the same document again).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

MAX_ATTEMPTS = 5


@transaction.atomic
def requeue_stale_tasks(older_than: timedelta) -> dict:
    cutoff = timezone.now() - older_than
    stale = DBTaskResult.objects.select_for_update().filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    result = {"requeued": 0, "failed": 0}
    for task in stale:
        if len(task.worker_ids) >= MAX_ATTEMPTS:
            task.status = TaskResultStatus.FAILED
            task.finished_at = timezone.now()
            task.exception_class_path = "website.taskqueue.WorkerLost"
            task.traceback = f"Обработчик задачи пропал {len(task.worker_ids)} раз(а); задача больше не повторяется."
            task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            result["failed"] += 1
        else:
            task.status = TaskResultStatus.READY
            task.save(update_fields=["status"])
            result["requeued"] += 1
    return result
