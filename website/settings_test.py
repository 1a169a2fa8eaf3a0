"""Test overrides, in one place. Tests use PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# A fixed test key (Fernet.generate_key() output); never used anywhere else.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "lBzcb1Hvh2TXMpGmmmtxSQM3Zyvrfv9xvxxWqg9UPtE=")
os.environ.setdefault("FIELD_HASH_KEY", "test-only-hash-key")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SEARCH_URL = ""
SEARCH_ENGINE = "database"
SEARCH_INDEX_PREFIX = "test"
# Old vocabularies are read again by the search that finds them old, not by a thread of its own: a thread's
# connection would not see a test's uncommitted rows (tests/search/test_vocabulary.py turns it on).
SEARCH_REFRESH_IN_BACKGROUND = False
WAGTAILADMIN_BASE_URL = "http://testserver"
# The whole-page cache would make tests see each other's pages: off unless the environment asks (benchmarks);
# tests/website/test_page_cache.py turns it on.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "0"))
# The test database on SQLite is in memory (shared cache), and every test runs inside a transaction: begun
# IMMEDIATE, that transaction holds the write lock, and SQLite's backup API (tests that copy the test database for
# another process, core/backup) waits for it for ever. The tests keep SQLite's default deferred transactions;
# the site's settings (WAL, IMMEDIATE, busy timeout) are tested on a file by tests/faults/test_sqlite_concurrency.py.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "DEFERRED"  # noqa: F405
