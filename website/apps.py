from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "website"

    def ready(self):
        from . import page_cache_signals, sites
        from .request_log import connect_task_signals

        # Publication and content edits make the cached public pages stale (website/page_cache.py).
        page_cache_signals.connect()
        # The request id follows a request into the background tasks it enqueued (website/request_log.py).
        connect_task_signals()
        # Wagtail's Site lookup reads the sites kept in the process (website/sites.py).
        sites.install()
