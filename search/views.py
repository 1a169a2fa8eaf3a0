"""Autocomplete: services, organisations and categories for a typed prefix, in one round trip (JSON)."""

from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import selectors

MAX_ITEMS = 6


@require_GET
@cache_control(public=True, max_age=300)
def autocomplete(request):
    prefix = request.GET.get("q", "")
    return JsonResponse(selectors.autocomplete(prefix, limit=MAX_ITEMS), json_dumps_params={"ensure_ascii": False})
