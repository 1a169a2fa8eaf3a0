"""Kiosk screens: parse the request, call selectors or the search service, render templates/kiosk/.

Every screen works without JavaScript; kiosk.js adds the idle reset, the on-screen keyboard, suggestions,
the heartbeat and the offline notice.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from directory import selectors as directory_selectors
from search import selectors as search_selectors
from search import services as search_services

from . import preferences, selectors, services

PER_PAGE = 6
MAX_PAGE = 100
SUGGESTIONS = 6
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def kiosk_view(view):
    """Loads the enabled kiosk, renders in its language and marks the response as a kiosk response."""

    @wraps(view)
    def wrapper(request, code, *args, **kwargs):
        kiosk = selectors.kiosk_get(code)
        prefs = preferences.read(request, kiosk)
        request.kiosk, request.kiosk_prefs = kiosk, prefs
        with translation.override(prefs.lang):
            response = view(request, kiosk, *args, **kwargs)
        preferences.set_cookie(response, preferences.DEVICE_COOKIE, kiosk.code, kiosk_code=kiosk.code, http_only=True)
        response["Referrer-Policy"] = "same-origin"
        response["Content-Security-Policy"] = CSP
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _render(request, kiosk, template, context, *, back=None, status=200):
    prefs = request.kiosk_prefs
    code = kiosk.code
    base = {
        "kiosk": kiosk,
        "prefs": prefs,
        "lang": prefs.lang,
        "back_url": back,
        "start_url": reverse("kiosk:start", args=[code]),
        "results_url": reverse("kiosk:results", args=[code]),
        "countdown": selectors.countdown_seconds(kiosk),
        "software_version": settings.KIOSK_SOFTWARE_VERSION,
        "hotline_items": selectors.unique_hotlines(directory_selectors.hotline_list(), limit=3),
        "current_path": request.get_full_path(),
    }
    return render(request, template, {**base, **context}, status=status)


def _page(request) -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except (TypeError, ValueError):
        return 1


@require_GET
@kiosk_view
def start(request, kiosk):
    services.record_heartbeat(kiosk)
    return _render(request, kiosk, "kiosk/start.html", {"screen": "start"})


@require_GET
@kiosk_view
def categories(request, kiosk):
    context = {
        "screen": "categories",
        "category_tiles": directory_selectors.category_tiles(),
        "kinds": directory_selectors.kinds_of_help(),
    }
    return _render(request, kiosk, "kiosk/categories.html", context, back=reverse("kiosk:start", args=[kiosk.code]))


@require_GET
@kiosk_view
def situations(request, kiosk):
    context = {"screen": "situations", "situations": selectors.life_situations()}
    return _render(request, kiosk, "kiosk/situations.html", context, back=reverse("kiosk:start", args=[kiosk.code]))


@require_GET
@kiosk_view
def hotlines(request, kiosk):
    context = {"screen": "hotlines", "all_hotlines": selectors.unique_hotlines(directory_selectors.hotline_list())}
    return _render(request, kiosk, "kiosk/hotlines.html", context, back=reverse("kiosk:start", args=[kiosk.code]))


@require_GET
@kiosk_view
def results(request, kiosk):
    query = request.GET.get("q", "").strip()[:200]
    filters, heading = {}, ""
    category_code = request.GET.get("category", "")
    situation_id = request.GET.get("situation", "")
    if category_code:
        category = directory_selectors.Category.objects.filter(code=category_code, is_public=True).first()
        if category is None:
            raise Http404(_("Нет такой категории помощи"))
        filters["category"] = [category.code]
        heading = category.short_name or category.name
    elif situation_id:
        if not situation_id.isdigit():
            raise Http404(_("Нет такой жизненной ситуации"))
        situation = selectors.life_situation_get(int(situation_id))
        filters["category"] = [c.code for c in situation.categories.all()]
        heading = situation.title
    elif not query:  # «Службы рядом»: the help families come for, nearest first
        filters["category"] = selectors.nearby_category_codes()
    page = _page(request)
    found = search_services.search(
        query=query,
        filters=filters,
        near=selectors.kiosk_point(kiosk),
        sort="distance",  # a kiosk stands somewhere: what is found, nearest to it first
        page=page,
        per_page=PER_PAGE,
    )
    if page == 1 and request.GET.get("tap") == "1":
        services.count(kiosk, "category_taps")
    if page == 1 and query:
        strict_total = found.strict_total if found.relaxed_words else found.total  # a relaxed search found nothing
        services.count(kiosk, *(["searches"] if strict_total else ["searches", "zero_result_searches"]))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("tap", None)
    context = {
        "screen": "results",
        "query": query,
        "heading": heading,
        "results": found,
        "querystring": params.urlencode(),
        "crisis_contacts": directory_selectors.crisis_contacts() if found.crisis else [],
    }
    back = reverse("kiosk:categories" if category_code else "kiosk:start", args=[kiosk.code])
    if situation_id:
        back = reverse("kiosk:situations", args=[kiosk.code])
    return _render(request, kiosk, "kiosk/results.html", context, back=back)


def _service_context(request, kiosk, pk):
    service = directory_selectors.service_get(pk=pk)
    now = timezone.localtime()
    holiday = directory_selectors.is_holiday(now.date())
    near = selectors.kiosk_point(kiosk)
    places = [
        directory_selectors.place_view(sal.location, now=now, holiday=holiday, near=near, note=sal.note)
        for sal in service.service_at_locations.all()
    ]
    places.sort(key=lambda p: (p["distance_km"] is None, p["distance_km"] or 0))
    return {
        "service": service,
        "organization": service.organization,
        "places": places,
        "phones": list(service.phones.all()) or list(service.organization.phones.all()),
        "page_url": request.build_absolute_uri(service.get_absolute_url()),
    }


@require_GET
@kiosk_view
def service(request, kiosk, pk):
    context = {"screen": "service", **_service_context(request, kiosk, pk)}
    services.count(kiosk, "qr_shown")
    back = request.GET.get("back", "")
    if not _is_kiosk_url(back, kiosk, request):
        back = reverse("kiosk:results", args=[kiosk.code]) + "?near=1"
    return _render(request, kiosk, "kiosk/service.html", context, back=back)


@require_GET
@kiosk_view
def slip(request, kiosk, pk):
    if not kiosk.has_printer:
        raise Http404(_("У этого терминала нет принтера"))
    context = {"screen": "slip", **_service_context(request, kiosk, pk)}
    services.count(kiosk, "slips_printed")
    return _render(request, kiosk, "kiosk/slip.html", context, back=reverse("kiosk:service", args=[kiosk.code, pk]))


@require_GET
@kiosk_view
def offline(request, kiosk):
    return _render(request, kiosk, "kiosk/offline.html", {"screen": "offline"}, back=None)


def _is_kiosk_url(url: str, kiosk, request) -> bool:
    return (
        bool(url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)
        and url.startswith(f"/kiosk/{kiosk.code}/")
    )


@require_GET
@never_cache
@kiosk_view
def set_preferences(request, kiosk):
    """Language, font scale and contrast switches: plain links, so they work without JavaScript."""
    values = preferences.parse(request.GET)
    if not values:
        return HttpResponseBadRequest(_("Неизвестная настройка экрана."), content_type="text/plain; charset=utf-8")
    target = request.GET.get("next", "")
    if not _is_kiosk_url(target, kiosk, request):
        target = reverse("kiosk:start", args=[kiosk.code])
    response = redirect(target)
    for name, value in values.items():
        preferences.set_cookie(response, name, value, kiosk_code=kiosk.code)
    return response


@require_GET
@never_cache
def reset(request, code):
    """Back to a clean start screen: every cookie the kiosk set is removed."""
    kiosk = selectors.kiosk_get(code)
    response = redirect("kiosk:start", code=kiosk.code)
    preferences.clear_cookies(response, kiosk_code=kiosk.code)
    return response


@require_GET
@kiosk_view
def suggest(request, kiosk):
    """Autocomplete for the on-screen keyboard, with every link kept inside the kiosk."""
    found = search_selectors.autocomplete(request.GET.get("q", ""), limit=SUGGESTIONS)
    results_url = reverse("kiosk:results", args=[kiosk.code])
    categories, items = [], []
    for item in found["categories"]:
        code = item["url"].rsplit("category=", 1)[-1]
        categories.append(
            {"label": item["label"], "kind": _("вид помощи"), "url": f"{results_url}?category={code}&tap=1"}
        )
    for item in found["services"]:
        pk = item["url"].rstrip("/").rsplit("/", 1)[-1]
        items.append(
            {"label": item["label"], "kind": _("услуга"), "url": reverse("kiosk:service", args=[kiosk.code, pk])}
        )
    for item in found["organizations"]:
        items.append(
            {
                "label": item["label"],
                "kind": _("организация"),
                "url": f"{results_url}?{urlencode({'q': item['label']})}",
            }
        )
    items = (categories[:2] + items + categories[2:])[:SUGGESTIONS]  # a mix: two kinds of help, then services
    return JsonResponse({"query": found["query"], "items": items}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # anonymous, no session and no state but a timestamp: nothing to forge
@require_POST
def heartbeat(request, code):
    kiosk = selectors.kiosk_get(code)
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": _("Неверный формат сигнала терминала.")}, status=400)
    version = payload.get("version", "") if isinstance(payload, dict) else ""
    services.record_heartbeat(kiosk, version=str(version))
    return JsonResponse({"ok": True, "interval": settings.KIOSK_HEARTBEAT_SECONDS})


@require_GET
@never_cache
def offline_manifest(request, code):
    kiosk = selectors.kiosk_get(code)
    return JsonResponse({"version": settings.KIOSK_SOFTWARE_VERSION, "urls": selectors.offline_urls(kiosk)})


@require_GET
@never_cache
def service_worker(request, code):
    kiosk = selectors.kiosk_get(code)
    body = render(
        request,
        "kiosk/sw.js",
        {"kiosk": kiosk, "version": settings.KIOSK_SOFTWARE_VERSION},
        content_type="application/javascript; charset=utf-8",
    )
    body["Service-Worker-Allowed"] = f"/kiosk/{kiosk.code}/"
    return body
