"""Tasks a dead worker left RUNNING (core/taskqueue.py): stuck once past their bound (/readyz says so), back in
the queue one minute later (the timer runs every 2 minutes), or at once by the id of the worker being restarted.

Rows of the real queue table (django-tasks-db) on the test database, left as a killed `db_worker` leaves them:
RUNNING, a start time, the worker ids. tests/reliability/test_worker_killed.py kills a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # django_tasks follows the change
    settings.TASK_TIME_LIMIT_SECONDS = 300
    settings.TASK_TIME_LIMITS = {"search.tasks.reindex_everything": 1800}
    yield DBTaskResult
    DBTaskResult.objects.all().delete()


def left_running(task, *, minutes: float, workers: list[str]):
    """A task claimed `minutes` ago by the last of `workers`, whose process then died."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    result = task.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=minutes),
        worker_ids=workers,
    )
    return DBTaskResult.objects.get(pk=result.id)


def statuses(queue) -> dict[str, str]:
    return {str(row.pk): row.status for row in queue.objects.all()}


def requeue(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("requeue_stale_tasks", *args, stdout=out)
    return out.getvalue()


def test_a_task_past_its_bound_is_stuck_and_back_in_the_queue_a_minute_later(client, queue):
    from core.taskqueue import stuck_tasks
    from referrals.tasks import deliver_outbox
    from search.tasks import reindex_everything

    young = left_running(deliver_outbox, minutes=4, workers=["w1"])
    past_bound = left_running(deliver_outbox, minutes=5.5, workers=["w1"])
    long_gone = left_running(deliver_outbox, minutes=6.5, workers=["w1"])
    long_task = left_running(reindex_everything, minutes=20, workers=["w1"])  # its bound is 30 minutes

    assert {str(task.pk) for task in stuck_tasks()} == {str(past_bound.pk), str(long_gone.pk)}
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["tasks"] == {**body["checks"]["tasks"], "status": "degraded", "stuck": 2, "stale": 0}

    assert "Возвращено в очередь: 1; признано неудачными: 0." in requeue()
    assert statuses(queue) == {
        str(young.pk): "RUNNING",
        str(past_bound.pk): "RUNNING",  # stuck, but within the minute of margin
        str(long_gone.pk): "READY",
        str(long_task.pk): "RUNNING",
    }


def test_the_restarted_worker_gets_its_tasks_back_at_once(queue):
    from referrals.tasks import deliver_outbox

    mine = left_running(deliver_outbox, minutes=0.1, workers=["worker-b", "worker-a"])
    was_mine = left_running(deliver_outbox, minutes=0.1, workers=["worker-a", "worker-b"])  # now another's
    assert "Возвращено в очередь: 1" in requeue("--worker-id", "worker-a")
    assert statuses(queue) == {str(mine.pk): "READY", str(was_mine.pk): "RUNNING"}


def test_a_task_lost_too_often_fails_instead(queue):
    from core.taskqueue import MAX_ATTEMPTS
    from referrals.tasks import deliver_outbox

    task = left_running(deliver_outbox, minutes=10, workers=[f"w{n}" for n in range(MAX_ATTEMPTS)])
    assert "признано неудачными: 1." in requeue()
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path == "core.taskqueue.WorkerLost"


def test_one_threshold_for_every_task_as_before(queue):
    from search.tasks import reindex_everything

    task = left_running(reindex_everything, minutes=3, workers=["w1"])
    assert "Возвращено в очередь: 0" in requeue("--older-than-minutes", "5")
    assert "Возвращено в очередь: 1" in requeue("--older-than-minutes", "2")
    task.refresh_from_db()
    assert task.status == "READY"
