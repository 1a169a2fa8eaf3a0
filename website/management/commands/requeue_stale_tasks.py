from datetime import timedelta

from django.core.management.base import BaseCommand

from website.taskqueue import requeue_stale_tasks


class Command(BaseCommand):
    help = (
        "Вернуть в очередь фоновые задачи, «зависшие» в состоянии RUNNING после гибели обработчика (db_worker). "
        "Порог должен быть больше самой долгой задачи."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes", type=float, default=30, help="Задача выполняется дольше стольких минут (30)."
        )

    def handle(self, *args, older_than_minutes, **options):
        result = requeue_stale_tasks(timedelta(minutes=older_than_minutes))
        self.stdout.write(f"Возвращено в очередь: {result['requeued']}; признано неудачными: {result['failed']}.")
