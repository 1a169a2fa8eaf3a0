"""The public results page and autocomplete: parse the request, call the search service, render."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from directory import selectors as directory_selectors
from directory.filters import DirectoryFilterSet
from directory.forms import NearForm

from . import selectors, services
from .gaps import record_search

MAX_ITEMS = 6
MAX_PAGE = 500


def _page_number(request) -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except (TypeError, ValueError):
        return 1


def results(request):
    query = request.GET.get("q", "")
    near_form = NearForm(request.GET or None)
    near = near_form.point()
    filterset = DirectoryFilterSet(request.GET or None, queryset=directory_selectors.public_service_at_locations())
    found = services.search(
        query=query,
        filters=request.GET,
        near=near,
        sort=request.GET.get("sort", ""),
        page=_page_number(request),
    )
    if found.page > found.num_pages:
        raise Http404("Нет такой страницы результатов")
    if found.page == 1:
        # A relaxed search still counts as one that found nothing for what was typed: the gaps editors look at.
        if found.relaxed_words:
            record_search(query=query, filters=request.GET, total=found.strict_total or 0)
        else:
            record_search(query=found.query_run or query, filters=request.GET, total=found.total)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "directory/results.html",
        {
            "query": query,
            "results": found,
            "filterset": filterset,
            "facets": found.facets,
            "near_form": near_form,
            "near": near,
            "querystring": params.urlencode(),
            "pages": services.search_pages(query, engine_failed=found.fallback) if query else [],
            "relax": selectors.relax_suggestions(request.GET, found.facets, near) if not found.total else [],
            "nearby_municipalities": directory_selectors.nearby_municipalities(request.GET.getlist("municipality"))
            if not found.total
            else [],
            "kinds_of_help": list(directory_selectors.kinds_of_help().filter(is_public=True))
            if not found.total
            else [],
            "crisis_contacts": directory_selectors.crisis_contacts() if found.crisis else [],
        },
    )


@require_GET
@cache_control(public=True, max_age=300)
def autocomplete(request):
    """Services, organisations and categories for a typed prefix, in one round trip (JSON)."""
    prefix = request.GET.get("q", "")
    return JsonResponse(selectors.autocomplete(prefix, limit=MAX_ITEMS), json_dumps_params={"ensure_ascii": False})
