"""The one settings module. Everything that differs between machines comes from the environment.

Local use needs no variables at all (SQLite file, database search, DEBUG on through `make run`).
Production (DEBUG off) refuses to start without SECRET_KEY and ALLOWED_HOSTS; the list: docs/configuration.md.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.db_timeouts import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see docs/configuration.md).")
    # Local development only: check --deploy flags this key as insecure on purpose.
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"
# Key rotation: the previous SECRET_KEY(s), comma-separated, still accepted for signatures made with them
# (password-reset links, signed cookies) until they expire; docs/operations.md «Key rotation».
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (see docs/configuration.md).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "website",
    "directory",
    "search",
    "referrals",
    "demo",  # demo data and generators (`make run`, benchmarks); nothing else imports it
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "ninja",  # the public API; its Swagger UI is served from the site's static files, not a CDN
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "csp",
]

MIDDLEWARE = [
    "core.request_log.RequestIdMiddleware",  # X-Request-ID on every log line and into tasks (core/request_log.py)
    "core.metrics.MetricsMiddleware",  # first, so it times the whole request (core/metrics.py)
    "django.middleware.security.SecurityMiddleware",
    "core.csp.SiteCSPMiddleware",  # Content-Security-Policy: core/csp.py
    "core.null_characters.RejectNullCharactersMiddleware",  # 400 for NUL in path, query or form data
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "website.kiosk.middleware.KioskBoundaryMiddleware",
    "core.page_cache.PublicPageCacheMiddleware",  # anonymous public pages: core/page_cache.py
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "referrals.middleware.CabinetSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "website.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "website.context_processors.site_context",
                "referrals.context_processors.cabinet",
            ],
        },
    },
]

WSGI_APPLICATION = "website.wsgi.application"

# Database: SQLite file by default, PostgreSQL (psycopg 3) whenever DATABASE_URL points to it. Every call is bounded
# (core/db_timeouts.py).
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# Seconds a connection is kept open for the next request (it is checked before reuse).
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60)
# PostgreSQL: a server that has not completed the connection after this many seconds (down, or accepting and never
# answering) fails the request with the Russian 503 page and Retry-After instead of hanging it.
DB_CONNECT_TIMEOUT_SECONDS = env_float("DB_CONNECT_TIMEOUT_SECONDS", 5)
# PostgreSQL cancels any statement that runs longer (the request answers the 503 page); see the next one.
DB_STATEMENT_TIMEOUT_SECONDS = env_float("DB_STATEMENT_TIMEOUT_SECONDS", 15)
# The statement timeout of the code that says it needs longer (core.db_timeouts.long_statements): the HSDS and
# spreadsheet imports, the coordinator's reports, the admin's reports, `migrate`.
DB_LONG_STATEMENT_TIMEOUT_SECONDS = env_float("DB_LONG_STATEMENT_TIMEOUT_SECONDS", 600)
# SQLite (WAL, immediate transactions): how long a write waits for another connection's write transaction (an
# import, the worker) before «database is locked».
SQLITE_BUSY_TIMEOUT_SECONDS = env_float("SQLITE_BUSY_TIMEOUT_SECONDS", 30)
DATABASE_BOUNDS = {
    "conn_max_age": DB_CONN_MAX_AGE,
    "connect_timeout": DB_CONNECT_TIMEOUT_SECONDS,
    "statement_timeout": DB_STATEMENT_TIMEOUT_SECONDS,
    "sqlite_timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
}
DATABASES = {"default": database_settings(DATABASE_URL, **DATABASE_BOUNDS)}
# A read replica of it (PostgreSQL streaming replication) for the coordinator's reports: only the code in
# core.db_router.reads_from_replica() reads there; writes and everything else stay on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL, **DATABASE_BOUNDS)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_router.ReportsReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Russian first; every UI string goes through gettext so that English can follow.
LANGUAGE_CODE = "ru"
# Languages of the site by settings alone: SITE_LANGUAGES lists the codes (Russian is always first and the default).
# Tuvan (tyv) is unknown to Django, so its name is added here; the interface strings are in website/locale/.
LANGUAGE_NAMES = {"ru": _("Русский"), "en": _("English"), "tyv": _("Тыва дыл"), "tt": _("Татарча")}
LANG_INFO.setdefault("tyv", {"bidi": False, "code": "tyv", "name": "Tuvan", "name_local": "Тыва дыл"})
LANGUAGES = [
    (code, LANGUAGE_NAMES.get(code, code))
    for code in dict.fromkeys(["ru", *env_list("SITE_LANGUAGES", "ru,en,tyv,tt")])
]
LOCALE_PATHS = [BASE_DIR / "website" / "locale"]  # one catalogue for templates/ and every app (makemessages)
USE_I18N = True
USE_TZ = True
# The region's own clock: «open now» is decided in it. Tyva (the demo region) is UTC+7.
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Krasnoyarsk")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads on a full disk leave no half-written file (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "core.uploads.TemporaryFileUploadHandler",
]
STORAGES = {
    "default": {"BACKEND": "core.uploads.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media (editors' images and documents) on S3-compatible object storage when MEDIA_S3_BUCKET is set (several app
# servers then share it; Yandex Object Storage, MinIO, Ceph…), MEDIA_ROOT otherwise. The bucket stays private:
# objects are written without an ACL (never public-read) and linked by signed URLs that expire; documents are
# streamed by Wagtail's permission-checked view. Referral attachments never go there (encrypted in the database).
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
# Endpoint of the S3 API (empty: AWS), e.g. https://storage.yandexcloud.net; custom domain: unsigned public links.
MEDIA_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL", "")
MEDIA_S3_CUSTOM_DOMAIN = os.environ.get("MEDIA_S3_CUSTOM_DOMAIN", "")
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": MEDIA_S3_ENDPOINT_URL or None,
            # Secrets only from the environment (or the instance's role when both are empty).
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            # Key prefix inside the bucket (one bucket for several sites).
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            "addressing_style": os.environ.get("MEDIA_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            # Lifetime of a signed link to an image (a cached page must not outlive its links).
            "querystring_expire": env_int("MEDIA_S3_URL_EXPIRE_SECONDS", 24 * 3600),
            "custom_domain": MEDIA_S3_CUSTOM_DOMAIN or None,
            "file_overwrite": False,
        },
    }
    WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Where the browser loads media from, for the Content-Security-Policy (img-src).
MEDIA_ORIGINS = (
    [
        f"https://{MEDIA_S3_CUSTOM_DOMAIN}"
        if MEDIA_S3_CUSTOM_DOMAIN
        else "{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_S3_ENDPOINT_URL))
        if MEDIA_S3_ENDPOINT_URL
        else "https://*.amazonaws.com"
    ]
    if MEDIA_S3_BUCKET
    else []
)

# Cache: in Redis when REDIS_URL is set (several app servers share it), in the process otherwise (one server, the
# embedded default). The site outlives Redis (core/cache.py): a call gives up after REDIS_TIMEOUT_SECONDS (to
# connect, and to read or write), Redis unreachable is an empty cache that keeps nothing, and it is not asked again
# for REDIS_RETRY_SECONDS.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds a call to Redis may take to connect, and then to each read or write.
REDIS_TIMEOUT_SECONDS = env_float("REDIS_TIMEOUT_SECONDS", 2)
# After a failed call the process does not ask Redis again for this many seconds (one call then tries).
REDIS_RETRY_SECONDS = env_float("REDIS_RETRY_SECONDS", 10)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "families"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "retry_seconds": REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, with or without Redis: every app server reads them, they survive a restart of
# either, and a sign-in keeps working while Redis is down (a workspace request writes its session anyway, to track
# the idle time, so a cache in front of it would save one read by primary key).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# E-mail
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# An SMTP server that accepts and never answers: each connection, read and write gives up after this many seconds
# (the message stays in the outbox for the next attempt: referrals/notifications.py).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers and cookies. Production defaults are strict; local DEBUG stays on plain http.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline script or style anywhere; the one exception is in core/csp.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],  # the nonce only marks JSON-LD data blocks; no inline script runs
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The balancer probes the app server over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "Помощь семьям с детьми")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Pages are translated per page (wagtail.contrib.simple_translation); Russian pages keep their unprefixed URLs,
# the other languages live under /en/, /tyv/, /tt/.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Nothing in the admin calls other hosts (the CSP would block it anyway): no Gravatar, no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "odt", "xlsx", "ods", "txt"]

# Public search. Empty SEARCH_URL = the embedded database engine; otherwise the URL of an OpenSearch
# (default) or Elasticsearch (SEARCH_ENGINE=elasticsearch) cluster, e.g. http://127.0.0.1:9200.
SEARCH_URL = os.environ.get("SEARCH_URL", "")
SEARCH_ENGINE = os.environ.get("SEARCH_ENGINE", "opensearch" if SEARCH_URL else "database")
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "families")
SEARCH_TIMEOUT_SECONDS = float(os.environ.get("SEARCH_TIMEOUT_SECONDS", "3"))
# Circuit breaker (search/engines/circuit.py, per process): after this many failures of the cluster in a row, searches
# answer from the database without trying it for SEARCH_BREAKER_COOLDOWN_SECONDS; then one search tries it again.
SEARCH_BREAKER_FAILURES = env_int("SEARCH_BREAKER_FAILURES", 3)
SEARCH_BREAKER_COOLDOWN_SECONDS = float(os.environ.get("SEARCH_BREAKER_COOLDOWN_SECONDS", "30"))
# Bulk requests of a rebuild or a re-index task: a busy cluster may take longer than a family should wait.
SEARCH_INDEX_TIMEOUT_SECONDS = float(os.environ.get("SEARCH_INDEX_TIMEOUT_SECONDS", "120"))
# Wagtail's own search (campaign pages, admin) uses the same cluster when there is one, in indices named
# SEARCH_INDEX_PREFIX-wagtail-<app>_<model> (django-modelsearch reads INDEX_PREFIX; it has no INDEX setting), so two
# sites on one cluster keep their pages apart. The «database» backend is kept up to date next to it (every backend
# is updated on a publication; `manage.py update_index` fills both): every Wagtail search — the campaign pages of the
# results page, the admin's search boxes — answers from it when the cluster fails or the circuit is open, and index
# writes are skipped at once while it is open (search/wagtail_backends.py: Wagtail's own backends behind the breaker).
WAGTAILSEARCH_BACKENDS = (
    {
        "default": {
            "BACKEND": "search.wagtail_backends."
            + ("ElasticsearchBackend" if SEARCH_ENGINE == "elasticsearch" else "OpenSearchBackend"),
            "URLS": [SEARCH_URL],
            "INDEX_PREFIX": f"{SEARCH_INDEX_PREFIX}-wagtail-",
            "TIMEOUT": SEARCH_TIMEOUT_SECONDS,
        },
        "database": {"BACKEND": "wagtail.search.backends.database"},
    }
    if SEARCH_URL
    else {"default": {"BACKEND": "wagtail.search.backends.database"}}
)

# Background tasks (django-tasks, as Wagtail ships it). Immediate by default (tests, simple setups);
# `make run` and production use the database backend with `manage.py db_worker`:
# TASKS_BACKEND=django_tasks_db.DatabaseBackend.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}
# /metrics (Prometheus) answers these addresses, or a request with «Authorization: Bearer METRICS_TOKEN».
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /readyz reports the queue as degraded when a task has waited longer than this (no worker running?).
READYZ_TASK_STALE_SECONDS = int(os.environ.get("READYZ_TASK_STALE_SECONDS", "600"))
# The longest a background task may run, seconds: a task RUNNING longer is stuck (/readyz) and one minute later
# `requeue_stale_tasks` (every 2 minutes) puts it back in the queue (core/taskqueue.py). Per task where longer.
TASK_TIME_LIMIT_SECONDS = env_int("TASK_TIME_LIMIT_SECONDS", 300)
TASK_TIME_LIMITS = {"search.tasks.reindex_everything": 1800}  # a whole databank, bulk requests of up to 120 s

# The region the databank describes; used for labels and default map centre.
DIRECTORY_REGION_NAME = os.environ.get("DIRECTORY_REGION_NAME", "Республика Тыва")
# Bounding box of the region (south, west, north, east, decimal degrees): coordinates outside it are refused by
# the spreadsheet import. Default: the Republic of Tyva with a margin. DIRECTORY_REGION_BOUNDS="49.5,88.5,54,99.5".
DIRECTORY_REGION_BOUNDS = tuple(
    float(value) for value in os.environ.get("DIRECTORY_REGION_BOUNDS", "49.5,88.5,54,99.5").split(",")
)
DIRECTORY_PAGE_SIZE = env_int("DIRECTORY_PAGE_SIZE", 20)
# Records not verified for this many days are listed for re-verification.
DIRECTORY_VERIFICATION_MAX_AGE_DAYS = env_int("DIRECTORY_VERIFICATION_MAX_AGE_DAYS", 365)
# Map link for an address (opened by the family's own device; the site itself loads no map assets).
DIRECTORY_MAP_LINK = os.environ.get(
    "DIRECTORY_MAP_LINK", "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
)
# Public API (/api/v1/): requests per minute per client address (0 = no limit), cache lifetime of answers.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120)
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
# Whole anonymous public pages kept in the cache, seconds (0: off); any publication or databank edit invalidates.
# On by default only with Redis: the invalidation counter must be shared by every process (gunicorn workers, the
# task worker, scheduled commands); with the in-process cache a publication would reach only its own process.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 300 if REDIS_URL else 0)
# Printed guide (/guide/): PDF booklets rendered per client per minute (cached booklets are not counted).
GUIDE_RATE_LIMIT = env_int("GUIDE_RATE_LIMIT", 10)

# Kiosks (touchscreen terminals, /kiosk/<code>/): the visible countdown before an idle reset, heartbeat
# interval, how many services of the kiosk's district it keeps offline, and what a kiosk page may never open.
KIOSK_COUNTDOWN_SECONDS = env_int("KIOSK_COUNTDOWN_SECONDS", 10)
KIOSK_HEARTBEAT_SECONDS = env_int("KIOSK_HEARTBEAT_SECONDS", 60)
KIOSK_OFFLINE_SERVICES = env_int("KIOSK_OFFLINE_SERVICES", 40)
KIOSK_SOFTWARE_VERSION = "kiosk-1.0.0"
KIOSK_FORBIDDEN_PREFIXES = ["/cabinet/", "/admin/"]

# Public site: the neutral page the «Быстрый выход» button replaces a page about violence with.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://yandex.ru/pogoda")

# Referral network («Кабинет»). Personal data is encrypted with these keys (key rotation: docs/security.md).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set when DEBUG is off (see docs/configuration.md)."
        )
    from referrals.crypto import derive_dev_key

    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [derive_dev_key(SECRET_KEY)]
    FIELD_HASH_KEY = FIELD_HASH_KEY or "local-development-hash-key:" + SECRET_KEY
# Idle workspace sessions end after this many minutes.
CABINET_IDLE_MINUTES = env_int("CABINET_IDLE_MINUTES", 15)
# A partner's access to a referral's personal fields ends this many days after the referral is closed.
REFERRAL_PARTNER_ACCESS_DAYS = env_int("REFERRAL_PARTNER_ACCESS_DAYS", 30)
REFERRAL_ATTACHMENT_MAX_BYTES = env_int("REFERRAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Closed cases are anonymised by `purge_closed_cases` after this many days unless --older-than says otherwise.
CASE_RETENTION_DAYS = env_int("CASE_RETENTION_DAYS", 5 * 365)
# Support levels, caseload limits, code lists and deadlines are the region profile's data (referrals/profiles.py,
# edited in the admin; shipped profiles in referrals/region_profiles/).

# Second factor and lockout for the workspace (referrals/lockout.py).
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
# Sign-in lockout: an account is locked after this many failures (password or code) from any addresses.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Sign-in lockout: an address is locked after this many failures under any usernames (higher than the account's:
# an office behind one NAT address shares it).
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 15)
# Sign-in lockout: a failure counts this many minutes after the last failure of its username and address.
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_HANDLER = "referrals.lockout.CabinetAxesHandler"
AXES_CLIENT_IP_CALLABLE = "referrals.lockout.axes_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts during a lockout do not extend it
AXES_LOCKOUT_CALLABLE = "referrals.lockout.lockout_response"  # templates/referrals/locked_out.html, 429
# Proxies reached over TCP whose X-Forwarded-For entry is trusted as the client's address (a balancer in front of
# nginx); nginx on gunicorn's unix socket needs no entry (referrals.security.client_address).
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES")

# Logs go to stderr (journald under systemd). LOG_FORMAT=json (production): one JSON object a line with time, level,
# logger, message, request_id, path, method, status, duration_ms, user_id, task, task_id — never a query string, a
# name or any other personal data; otherwise a readable line with the request id in brackets (core/request_log.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.request_log.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "core.request_log.JsonFormatter"},
        "text": {"()": "core.request_log.ReadableFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Per-task chatter of Wagtail's background tasks is not useful in the console. One line per request
    # (website.requests) and per task start/finish (website.tasks) only in JSON logs: runserver prints its own
    # request lines, and load_demo would print thousands of task lines.
    "loggers": {
        **{
            name: {"level": "WARNING"}
            for name in ("wagtail", "django_tasks", "modelsearch", "opensearch", "elastic_transport", "elasticsearch")
        },
        **{
            name: {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}
            for name in ("website.requests", "website.tasks")
        },
    },
}
