"""Recovery of the database task queue (django-tasks-db) after a worker dies mid-task.

A worker claims a task by marking it RUNNING; if the process is killed (SIGKILL, out of memory, power loss) the row
stays RUNNING for ever and the task is lost. `manage.py requeue_stale_tasks` puts such tasks back to READY, so the
next worker runs them again; a task that has already been claimed MAX_ATTEMPTS times is marked FAILED instead. It
finds them two ways:
- by the worker: `--worker-id ID` returns every task RUNNING under that worker id at once, whatever its age. The
  worker unit (deploy/systemd/families-worker.service) runs it before it starts `db_worker --worker-id` with the same
  id, so a killed worker's task is back in the queue when systemd restarts the worker (seconds);
- by time: a task RUNNING longer than its bound (`time_limit`: TASK_TIME_LIMITS, else TASK_TIME_LIMIT_SECONDS) plus
  REQUEUE_MARGIN is returned (a worker that does not come back: the host is gone). The timer
  families-requeue-stale-tasks.timer runs it every 2 minutes, so such a task waits at most its bound + 3 minutes.
/readyz counts the tasks RUNNING longer than their bound as stuck (`stuck_tasks`).

Running a task twice must therefore be harmless: the tasks of this project are idempotent in effect (the e-mail
outbox locks a message and skips it once it is sent; re-indexing writes the same document again).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

MAX_ATTEMPTS = 5
# A task RUNNING this much longer than its bound is put back by the timer (the bound says «stuck», the margin leaves
# a task that ends just in time alone).
REQUEUE_MARGIN = timedelta(minutes=1)


def time_limit(task_path: str) -> timedelta:
    """The longest the task may run: TASK_TIME_LIMITS[task_path], else TASK_TIME_LIMIT_SECONDS."""
    return timedelta(seconds=settings.TASK_TIME_LIMITS.get(task_path, settings.TASK_TIME_LIMIT_SECONDS))


def _running_longer_than_bound(now, margin: timedelta = timedelta(0)) -> Q:
    """RUNNING tasks started before now − (their bound + margin)."""
    special = list(settings.TASK_TIME_LIMITS)
    default = timedelta(seconds=settings.TASK_TIME_LIMIT_SECONDS)
    condition = ~Q(task_path__in=special) & Q(started_at__lt=now - default - margin)
    for path in special:
        condition |= Q(task_path=path, started_at__lt=now - time_limit(path) - margin)
    return Q(status=TaskResultStatus.RUNNING) & condition


def stuck_tasks():
    """Tasks RUNNING longer than their bound (the worker died, or the task hangs on a dependency)."""
    return DBTaskResult.objects.filter(_running_longer_than_bound(timezone.now()))


@transaction.atomic
def requeue_stale_tasks(older_than: timedelta | None = None, *, worker_id: str | None = None) -> dict:
    """Put back the tasks RUNNING longer than `older_than` (by default: their bound + REQUEUE_MARGIN) and, with
    `worker_id`, every task RUNNING under that worker id (that worker is known to be gone)."""
    now = timezone.now()
    if older_than is None:
        condition = _running_longer_than_bound(now, REQUEUE_MARGIN)
    else:
        condition = Q(status=TaskResultStatus.RUNNING, started_at__lt=now - older_than)
    stale = list(DBTaskResult.objects.select_for_update().filter(condition))
    if worker_id:
        seen = {task.pk for task in stale}
        running = DBTaskResult.objects.select_for_update().filter(status=TaskResultStatus.RUNNING)
        # The last id in worker_ids is the worker that holds the task now (JSON lookups differ per database).
        stale += [task for task in running if task.pk not in seen and task.worker_ids[-1:] == [worker_id]]
    result = {"requeued": 0, "failed": 0}
    for task in stale:
        if len(task.worker_ids) >= MAX_ATTEMPTS:
            task.status = TaskResultStatus.FAILED
            task.finished_at = timezone.now()
            task.exception_class_path = "core.taskqueue.WorkerLost"
            task.traceback = f"Обработчик задачи пропал {len(task.worker_ids)} раз(а); задача больше не повторяется."
            task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            result["failed"] += 1
        else:
            task.status = TaskResultStatus.READY
            task.save(update_fields=["status"])
            result["requeued"] += 1
    return result
