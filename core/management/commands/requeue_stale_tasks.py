from datetime import timedelta

from django.core.management.base import BaseCommand

from core.taskqueue import requeue_stale_tasks


class Command(BaseCommand):
    help = (
        "Вернуть в очередь фоновые задачи, «зависшие» в состоянии RUNNING после гибели обработчика (db_worker): "
        "выполняющиеся дольше своего предела (TASK_TIME_LIMIT_SECONDS, TASK_TIME_LIMITS) плюс минута, и — с "
        "--worker-id — все задачи этого обработчика (его юнит запускает команду перед стартом)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=float,
            default=None,
            help="Один порог для всех задач, минут (по умолчанию — предел каждой задачи плюс минута).",
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="Вернуть сразу все задачи RUNNING этого обработчика (db_worker --worker-id): он не работает.",
        )

    def handle(self, *args, older_than_minutes, worker_id, **options):
        older_than = timedelta(minutes=older_than_minutes) if older_than_minutes is not None else None
        result = requeue_stale_tasks(older_than, worker_id=worker_id or None)
        self.stdout.write(f"Возвращено в очередь: {result['requeued']}; признано неудачными: {result['failed']}.")
