"""Test settings, except the cache and sessions: exactly as website/settings.py makes them from REDIS_URL (the test
settings keep a per-process cache otherwise; sessions are in the database either way)."""

from website import settings as production
from website.settings_test import *  # noqa: F403

CACHES = production.CACHES
SESSION_ENGINE = production.SESSION_ENGINE
