from django.apps import AppConfig

from .request_log import connect_task_signals


class CoreConfig(AppConfig):
    """The infrastructure at the bottom of the import graph: metrics, request ids and logs, the database router and
    timeouts, the caches, backups, health, the task-queue helpers, CSP, uploads and error pages. It imports no app
    of the project; apps register what they add (gauges, health checks, page-cache cookies) in their `ready()`."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        # inside: core.sites imports Wagtail's Site model, which an app module may import only once the registry is
        # ready (standard Django)
        from . import sites

        # The request id follows a request into the background tasks it enqueued (core/request_log.py).
        connect_task_signals()
        # Wagtail's Site lookup reads the sites kept in the process (core/sites.py).
        sites.install()
