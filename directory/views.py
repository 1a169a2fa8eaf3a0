"""Public directory views: a service and an organisation (and their printable pages): call a selector, render.

The results page that searches the databank is search's (`search.views.results`)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .forms import NearForm


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
