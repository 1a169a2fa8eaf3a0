from django.apps import AppConfig

from core import page_cache

from . import accessibility, page_cache_signals
from .kiosk.preferences import DEVICE_COOKIE, PREFERENCE_COOKIES


class WebsiteConfig(AppConfig):
    name = "website"

    def ready(self):
        # Publication and content edits make the cached public pages stale (core/page_cache.py).
        page_cache_signals.connect()
        # The cookies that change how a public page renders are part of its cache key; the kiosk's device cookie
        # is neither a reason to bypass the cache nor a key, and is replayed on a hit.
        page_cache.register_cookies(
            key=(accessibility.COOKIE, *PREFERENCE_COOKIES), ignored=(DEVICE_COOKIE,), replayed=(DEVICE_COOKIE,)
        )
