"""Public directory views: parse the request, call a selector or the search service, render."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from search import services as search_services
from search.gaps import record_search

from . import selectors
from .filters import DirectoryFilterSet
from .forms import NearForm

MAX_PAGE = 500


def _page_number(request) -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except (TypeError, ValueError):
        return 1


def search_results(request):
    query = request.GET.get("q", "")
    near_form = NearForm(request.GET or None)
    near = near_form.point()
    filterset = DirectoryFilterSet(request.GET or None, queryset=selectors.public_service_at_locations())
    results = search_services.search(
        query=query,
        filters=request.GET,
        near=near,
        sort=request.GET.get("sort", ""),
        page=_page_number(request),
    )
    if results.page > results.num_pages:
        raise Http404("Нет такой страницы результатов")
    if results.page == 1:
        # A relaxed search still counts as one that found nothing for what was typed: the gaps editors look at.
        if results.relaxed_words:
            record_search(query=query, filters=request.GET, total=results.strict_total or 0)
        else:
            record_search(query=results.query_run or query, filters=request.GET, total=results.total)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "directory/results.html",
        {
            "query": query,
            "results": results,
            "filterset": filterset,
            "facets": results.facets,
            "near_form": near_form,
            "near": near,
            "querystring": params.urlencode(),
            "pages": search_services.search_pages(query, engine_failed=results.fallback) if query else [],
            "relax": selectors.relax_suggestions(request.GET, results.facets, near) if not results.total else [],
            "nearby_municipalities": selectors.nearby_municipalities(request.GET.getlist("municipality"))
            if not results.total
            else [],
            "kinds_of_help": list(selectors.kinds_of_help().filter(is_public=True)) if not results.total else [],
            "crisis_contacts": selectors.crisis_contacts() if results.crisis else [],
        },
    )


def service_detail(request, pk, printable=False):
    service = selectors.service_get(pk=pk)
    now = timezone.localtime()
    holiday = selectors.is_holiday(now.date())
    near = NearForm(request.GET or None).point()
    places = [
        selectors.place_view(sal.location, now=now, holiday=holiday, near=near, note=sal.note)
        for sal in service.service_at_locations.all()
    ]
    if near is not None:
        places.sort(key=lambda p: (p["distance_km"] is None, p["distance_km"] or 0))
    return render(
        request,
        "directory/service_print.html" if printable else "directory/service_detail.html",
        {
            "service": service,
            "organization": service.organization,
            "places": places,
            "page_url": request.build_absolute_uri(service.get_absolute_url()),
        },
    )


def organization_detail(request, pk, printable=False):
    organization = selectors.organization_get(pk=pk)
    services = list(organization.services.all())
    if not services:
        # An organisation with nothing published is not part of the public databank.
        raise Http404("Организация не найдена")
    now = timezone.localtime()
    holiday = selectors.is_holiday(now.date())
    places = [selectors.place_view(location, now=now, holiday=holiday) for location in organization.locations.all()]
    return render(
        request,
        "directory/organization_print.html" if printable else "directory/organization_detail.html",
        {
            "organization": organization,
            "services": services,
            "places": places,
            "page_url": request.build_absolute_uri(organization.get_absolute_url()),
        },
    )
