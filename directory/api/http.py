"""HTTP behaviour of the public API: JSON or NDJSON bodies, ETag/Last-Modified with 304, CORS, rate limit."""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from ninja.throttling import BaseThrottle

from directory.models import Organization, Service

from .cors import cors

RATE_LIMIT_MESSAGE = "Слишком много запросов. Повторите попытку через минуту."


def databank_last_modified() -> float | None:
    """The time of the latest change of anything the API publishes (seconds since the epoch)."""
    moments = [
        Service.objects.aggregate(last=Max("updated_at"))["last"],
        Organization.objects.aggregate(last=Max("updated_at"))["last"],
    ]
    moments = [m for m in moments if m is not None]
    return max(moments).timestamp() if moments else None


def respond(request, data, *, ndjson_items: list | None = None) -> HttpResponse:
    """Serialise `data` (or, with ?format=ndjson, one line per item) with validators for conditional GET."""
    if request.GET.get("format") == "ndjson" and ndjson_items is not None:
        body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in ndjson_items).encode()
        content_type = "application/x-ndjson; charset=utf-8"
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
        content_type = "application/json; charset=utf-8"
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    last_modified = databank_last_modified()
    not_modified = False
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        not_modified = etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    elif last_modified is not None and request.headers.get("If-Modified-Since"):
        since = parse_http_date_safe(request.headers["If-Modified-Since"])
        not_modified = since is not None and int(last_modified) <= since
    response = HttpResponse(status=304) if not_modified else HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
    response["Vary"] = "Accept-Encoding"
    return cors(response)


class ClientRateThrottle(BaseThrottle):
    """At most API_RATE_LIMIT requests per minute per client address, counted in the Django cache."""

    def allow_request(self, request) -> bool:
        limit = settings.API_RATE_LIMIT
        if not limit:
            return True
        window = int(time.time() // 60)
        key = f"api-rate:{self.get_ident(request)}:{window}"
        cache.add(key, 0, timeout=70)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=70)
            count = 1
        return count <= limit

    def wait(self) -> float:
        return 60 - time.time() % 60
