"""Read-only cross-origin use of the public API: CORS preflight (OPTIONS) and HEAD on every API URL.

django-ninja answers only the methods an operation declares (GET here), so OPTIONS and HEAD got 405. Every
URL pattern of the API is wrapped: a preflight for GET or HEAD from any origin gets 204 with the CORS headers,
a preflight for anything else (POST, PUT, DELETE…) gets 405 without them, so the browser refuses the request;
HEAD is answered as GET without a body. Credentials are never allowed (the API has no cookies or logins).
"""

from __future__ import annotations

import json
from functools import wraps

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver

READ_METHODS = ("GET", "HEAD", "OPTIONS")
ALLOWED_METHODS = ", ".join(READ_METHODS)
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSED_HEADERS = "ETag, Last-Modified, Retry-After"
PREFLIGHT_MAX_AGE = 86400  # seconds a browser may keep the preflight answer (browsers cap it lower)
READ_ONLY_MESSAGE = "Открытый API только для чтения: разрешены методы GET, HEAD и OPTIONS."


def cors(response: HttpResponse) -> HttpResponse:
    """The CORS headers of every API answer: any origin, read methods, never credentials."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def options_response(request) -> HttpResponse:
    """A preflight (or plain OPTIONS) answer; 405 in Russian when the browser asks for a writing method."""
    asked = request.headers.get("Access-Control-Request-Method", "").strip().upper()
    if asked and asked not in READ_METHODS:
        body = json.dumps({"detail": READ_ONLY_MESSAGE}, ensure_ascii=False).encode()
        response = HttpResponse(body, status=405, content_type="application/json; charset=utf-8")
        response["Allow"] = ALLOWED_METHODS
        return response
    response = cors(HttpResponse(status=204))
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    response["Allow"] = ALLOWED_METHODS
    return response


def read_only_cors(view):
    """Wrap one ninja view: OPTIONS answered here, HEAD as GET without a body, the rest unchanged."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return options_response(request)
        if request.method == "HEAD":
            request.method = "GET"
            try:
                response = view(request, *args, **kwargs)
            finally:
                request.method = "HEAD"
            if not getattr(response, "streaming", False):
                response["Content-Length"] = str(len(response.content))
                response.content = b""
            return response
        return view(request, *args, **kwargs)

    return wrapper


def wrap_patterns(patterns: list) -> list:
    """Apply `read_only_cors` to every view of a URL configuration (in place, nested includes too)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrap_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and not getattr(pattern.callback, "_read_only_cors", False):
            pattern.callback = read_only_cors(pattern.callback)
            pattern.callback._read_only_cors = True
    return patterns
