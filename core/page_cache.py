"""Whole-response cache of anonymous public pages, invalidated by a global generation counter.

What is cached: `GET` responses with status 200 of the public site — Wagtail pages, the directory's results,
service and organisation pages, the sitemap, and the kiosk screens without side effects (categories, situations,
hotlines, offline) — for `PUBLIC_PAGE_CACHE_SECONDS` (0 turns the cache off). The key is the scheme, host, full
path with its query string, the active language and the cookies that change the rendering (the «версия для
слабовидящих» cookie, the kiosk's display preferences).

What is never cached: the workspace (/cabinet/), the admin, the API, health and metrics endpoints, forms (the
request for help), anything with a request cookie this module does not know (a session — every signed-in user has
one —, pending messages…), responses that set a cookie (except the kiosk's device marker, which is the same for
every visitor of a kiosk page and is set again on every hit), responses that used the CSRF token, responses
marked private / no-cache / no-store by their view, streaming responses.

The CSP nonce: the middleware sits inside django-csp's, so the Content-Security-Policy header is always written
per response, never cached. A page that used the nonce (the JSON-LD blocks) is stored with the nonce replaced by
a placeholder; a hit asks django-csp for a fresh nonce (which puts it in the header) and writes it into the body,
so each response carries its own nonce and the body matches the header.

Invalidation: every entry stores the generation it was made in; `bump()` increments the generation, so every
entry becomes stale at once. `bump()` is called (at once and again after the transaction commits, so that a page
rendered from the old rows between the two cannot survive) by Wagtail's publish / unpublish / move / delete of a
page and by every save or delete of the other content that public pages show (website/page_cache_signals.py),
and by `search.sync` after every write of the databank — row by row, in the imports or in bulk — together with
the search table and the re-index.

Redis unreachable (core/cache.py): pages are neither read from nor written to the cache, every page is
rendered from the database; `current_generation()` then answers a generation nothing was kept under, so the values
kept in the processes are read from the database too; a bump that could not be written is made when Redis answers
again.

HTTP caching: a cacheable response carries `Cache-Control: public, no-cache` (browsers and proxies may keep it
but must revalidate) and an `ETag`; a revalidation with a matching `If-None-Match` gets a 304 from the cache.
"""

from __future__ import annotations

import hashlib
import itertools
import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .cache import reachable

GENERATION_KEY = "public-page-cache:generation"
KEY_PREFIX = "public-page-cache:page:"
NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"
# Request cookies that change the rendering: part of the key. Any other cookie (but these harmless ones) bypasses.
# The apps that set such cookies register them (`register_cookies`, from their AppConfig.ready).
KEY_COOKIES: list[str] = []
IGNORED_COOKIES: list[str] = [settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME]
# A response may set only these cookies and still be cached (they are replayed on a hit).
REPLAYED_COOKIES: list[str] = []
LANGUAGE_PREFIX = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
# Never cached, with or without a language prefix.
EXCLUDED = re.compile(
    rf"^/(?:(?:{LANGUAGE_PREFIX})/)?"
    r"(?:admin|cabinet|api|documents|feedback|healthz|readyz|metrics|help|a11y|guide|search|static|media)(?:/|$)"
)
KIOSK = re.compile(r"^/kiosk/")
KIOSK_CACHED = re.compile(r"^/kiosk/[a-z0-9-]+/(?:help|situations|hotlines|offline)/$")
# Headers the view set are replayed (the kiosk's own Content-Security-Policy among them); cookies separately.
STORED_HEADERS_SKIPPED = {"set-cookie"}


def register_cookies(*, key=(), ignored=(), replayed=()) -> None:
    """Cookies an app sets: `key` ones change the rendering (part of the cache key), `ignored` ones neither bypass
    the cache nor key it, `replayed` ones a cached response may set (they are set again on a hit)."""
    for names, into in ((key, KEY_COOKIES), (ignored, IGNORED_COOKIES), (replayed, REPLAYED_COOKIES)):
        into.extend(name for name in names if name not in into)


def seconds() -> int:
    return max(0, int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) or 0))


# Generations handed out while the cache cannot be read: negative, each used once, so nothing kept under one of
# them is ever trusted again (core/kept.py, the search engine's kept counts).
_unreadable = itertools.count(-1, -1)
# A bump this process could not write (Redis unreachable): made as soon as the cache answers again, so that a page
# cached before the outage does not outlive an edit made during it.
_bump_lost = False


def current_generation() -> int:
    """The generation of the cached pages and of the values kept in the process. When the cache cannot be read
    (Redis unreachable, core/cache.py) a generation nothing was ever kept under: every kept value is read again
    from the database, as if just edited."""
    return _generation(cache.get(GENERATION_KEY))


def _generation(value) -> int:
    global _bump_lost
    if not reachable(cache):
        return next(_unreadable)
    if _bump_lost:
        _bump_lost = False
        _increment()
        if not reachable(cache):
            return next(_unreadable)
        value = cache.get(GENERATION_KEY)
    return int(value or 0)


def _increment() -> None:
    global _bump_lost
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no counter yet (or evicted): start one above anything an entry may hold
        cache.add(GENERATION_KEY, 1, timeout=None)
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            if reachable(cache):
                raise
    if not reachable(cache):
        _bump_lost = True


def bump(**kwargs) -> None:
    """Make every cached page stale. Usable as a signal receiver."""
    _increment()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(_increment)


def path_is_cacheable(path: str) -> bool:
    if EXCLUDED.match(path):
        return False
    if KIOSK.match(path):
        return bool(KIOSK_CACHED.match(path))
    return True


def request_is_cacheable(request) -> bool:
    if request.method != "GET" or not seconds():
        return False
    if not path_is_cacheable(request.path_info):
        return False
    return all(name in KEY_COOKIES or name in IGNORED_COOKIES for name in request.COOKIES)


def cache_key(request) -> str:
    parts = [
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language() or "",
        *(f"{name}={request.COOKIES.get(name, '')}" for name in KEY_COOKIES),
    ]
    return KEY_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def response_is_cacheable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if any(name not in REPLAYED_COOKIES for name in response.cookies):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache", "max-age=0")):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and getattr(user, "is_authenticated", False))


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _mark_public(response, etag: str | None) -> None:
    response["Cache-Control"] = "public, no-cache"
    if etag:
        response["ETag"] = etag
    patch_vary_headers(response, ["Cookie"])


def _store(key: str, generation: int, request, response) -> str | None:
    content = response.content
    nonce = getattr(request, "_csp_nonce", None)
    uses_nonce = isinstance(nonce, str) and nonce.encode() in content
    if uses_nonce:
        content = content.replace(nonce.encode(), NONCE_PLACEHOLDER)
    headers = [(name, value) for name, value in response.items() if name.lower() not in STORED_HEADERS_SKIPPED]
    entry = {
        "generation": generation,
        "content": content,
        "headers": headers,
        "cookies": response.cookies,
        "nonce": uses_nonce,
        # A page with a nonce is sent whole every time (its body changes with the nonce of each response).
        "etag": None if uses_nonce else _etag(content),
    }
    cache.set(key, entry, seconds())
    return entry["etag"]


def _replay(request, entry) -> HttpResponse:
    if entry["etag"] and request.headers.get("If-None-Match") == entry["etag"]:
        response = HttpResponseNotModified()
    else:
        content = entry["content"]
        if entry["nonce"]:
            content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce).encode())
        response = HttpResponse(content)
        for name, value in entry["headers"]:
            response[name] = value
    response.cookies = entry["cookies"]  # a fresh copy: the cache unpickles every read
    _mark_public(response, entry["etag"])
    response["X-Page-Cache"] = "hit"
    return response


class PublicPageCacheMiddleware:
    """See the module docstring. Place it after LocaleMiddleware and inside the CSP middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_is_cacheable(request):
            return self.get_response(request)
        key = cache_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        if not reachable(cache):  # Redis unreachable: the page from the database, nothing stored
            return self.get_response(request)
        generation = _generation(found.get(GENERATION_KEY))
        entry = found.get(key)
        if entry is not None and entry.get("generation") == generation:
            return _replay(request, entry)
        response = self.get_response(request)
        if response_is_cacheable(request, response):
            _mark_public(response, _store(key, generation, request, response))
            response["X-Page-Cache"] = "miss"
        return response
