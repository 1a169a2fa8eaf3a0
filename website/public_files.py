"""Files browsers and crawlers ask for at fixed addresses: /robots.txt and /favicon.ico. Plain views, no
template: they answer even when a page template or the database has trouble."""

from functools import cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Never indexed: the restricted workspace, the admin, the kiosks' screens, the feedback links of families
# (personal tokens) and the service endpoints. The public API (/api/) and the directory stay open.
DISALLOWED = [
    "/admin/",
    "/cabinet/",
    "/kiosk/",
    "/feedback/",
    "/metrics",
    "/healthz",
    "/readyz",
]


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@cache
def _favicon() -> bytes:
    path = finders.find("favicon.ico")
    if not path:
        raise Http404("favicon.ico")
    with open(path, "rb") as file:
        return file.read()


@require_safe
@cache_control(max_age=604800, public=True)
def favicon_ico(request):
    return HttpResponse(_favicon(), content_type="image/vnd.microsoft.icon")
