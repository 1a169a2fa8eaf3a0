"""The kiosk boundary: no referral-workspace or admin URL answers a request that comes from a kiosk.

A request comes from a kiosk when it carries the kiosk device cookie (set by every kiosk page) or when its
Referer is a kiosk page (kiosk pages send `Referrer-Policy: same-origin`). The service worker of the kiosk
refuses such requests as well, and kiosk pages never link outside /kiosk/<code>/.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseNotFound
from django.utils.translation import gettext as _

from .preferences import DEVICE_COOKIE


def from_kiosk(request) -> bool:
    if request.COOKIES.get(DEVICE_COOKIE):
        return True
    referer = request.headers.get("Referer", "")
    return bool(referer) and urlsplit(referer).path.startswith("/kiosk/")


class KioskBoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(tuple(settings.KIOSK_FORBIDDEN_PREFIXES)) and from_kiosk(request):
            return HttpResponseNotFound(
                _("Эта страница недоступна с информационного терминала."), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
