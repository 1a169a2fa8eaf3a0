"""The public printed guide: `/guide/` shows the form; with parameters it answers the PDF booklet.

Rendering takes seconds, so a booklet is cached by its parameters, the site address, the day and the data
stamp (any edit or publication makes a new one), and a client may have at most GUIDE_RATE_LIMIT booklets
rendered a minute (cached ones are not counted).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import render as guide_render
from . import selectors
from .forms import GuideForm

CACHE_SECONDS = 6 * 3600
NOTHING_TO_PRINT = (
    "По выбранным условиям в банке данных нет опубликованных услуг. Выберите другой район или вид помощи."
)
TOO_MANY = "Слишком много справочников за минуту. Повторите попытку через минуту."


def guide_cache_key(selection: selectors.Selection, base_url: str) -> str:
    parts = [selection.key, base_url, timezone.localdate().isoformat(), selectors.data_stamp()]
    return "guide-pdf:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _allow_render(request) -> bool:
    limit = settings.GUIDE_RATE_LIMIT
    if not limit:
        return True
    key = f"guide-rate:{request.META.get('REMOTE_ADDR', '')}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=70)
    try:
        return cache.incr(key) <= limit
    except ValueError:
        cache.set(key, 1, timeout=70)
        return True


def file_name(selection: selectors.Selection) -> str:
    parts = [p for p in selection.key.split("|")[:-1] if p] or ["guide"]
    return f"spravochnik-{'-'.join(parts)}-{selection.size}.pdf"


@require_safe
def guide(request):
    if not request.GET:
        return render(request, "website/guide/form.html", {"form": GuideForm()})
    form = GuideForm(request.GET)
    if not form.is_valid():
        return render(request, "website/guide/form.html", {"form": form}, status=400)
    selection = form.selection()
    base_url = request.build_absolute_uri("/")
    key = guide_cache_key(selection, base_url)
    pdf = cache.get(key)
    if pdf is None:
        if not _allow_render(request):
            response = render(request, "website/guide/form.html", {"form": form, "message": TOO_MANY}, status=429)
            response["Retry-After"] = "60"
            return response
        pdf, count = guide_render.guide_pdf(selection, base_url=base_url)
        if not count:
            context = {"form": form, "message": NOTHING_TO_PRINT}
            return render(request, "website/guide/form.html", context, status=404)
        cache.set(key, pdf, CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, file_name(selection))
    response["Cache-Control"] = "public, max-age=3600"
    return response
