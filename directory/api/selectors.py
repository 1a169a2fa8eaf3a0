"""What the API reads: published services, their organisations and places, through the search service when a
query, filters or a point are given. Serialisation reuses the HSDS export, so the API never shows more than it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import Avg, Q

from directory.hsds import export
from directory.hsds import mapping as m
from directory.models import Category, Location, Organization, Service, ServiceAtLocation
from directory.selectors import category_descendant_ids, public_service_at_locations, public_services
from search import services as search_services
from search.engines.base import GeoPoint

SEARCH_LIMIT = 1000  # the most hits one API query takes from the search service


def search_sal_ids(query: str, filters: dict, near: GeoPoint | None) -> list[int]:
    """Ids of published service-at-location rows, in the search service's order."""
    results = search_services.search(query=query, filters=filters, near=near, sort="", page=1, per_page=SEARCH_LIMIT)
    return [hit.pk for hit in results.hits]


def taxonomy_key(taxonomy_id: str) -> str | None:
    """A taxonomy id of the export -> its key in `mapping.TAXONOMIES` (None when unknown)."""
    return next((key for key in m.TAXONOMIES if m.taxonomy_id(key) == taxonomy_id), None)


def _term_q(term_id: str) -> Q | None:
    """A taxonomy term id of the export -> the services whose HSDS record (with its organisation and places)
    holds that term; None when no published term has that id."""
    term = next((t for t in taxonomy_tables()["taxonomy_term"] if t["id"] == term_id), None)
    if term is None:
        return None
    key, code = taxonomy_key(term["taxonomy_id"]), term.get("code", "")
    if key in Category.Scheme.values:
        category = Category.objects.get(scheme=key, code=code)
        return Q(categories__in=category_descendant_ids([category.pk]))
    places = "service_at_locations__location__"
    return {
        "target_group": lambda: Q(target_groups__code=code, target_groups__is_public=True),
        "delivery": lambda: Q(**{m.DELIVERY_TERMS[code][0]: True}),
        "cost": lambda: Q(cost=code),
        "feature": lambda: {
            "hotline": Q(is_hotline=True),
            "wheelchair_accessible": Q(**{places + "wheelchair_accessible": True}),
            "open_24_7": Q(**{places + "is_24_7": True}),
            "confidential_address": Q(**{places + "is_confidential": True}),
        }[code],
        "provider_type": lambda: Q(organization__provider_type__code=code),
        "agency": lambda: Q(organization__agency__code=code),
        "municipality": lambda: Q(**{places + "municipality__code": code}),
    }[key]()


def _taxonomy_q(taxonomy_id: str) -> Q | None:
    """A taxonomy id -> the services whose HSDS record holds any term of it; None when the taxonomy is unknown."""
    key = taxonomy_key(taxonomy_id)
    if key is None:
        return None
    if key in Category.Scheme.values:
        return Q(categories__scheme=key, categories__is_public=True)
    places = "service_at_locations__location__"
    any_delivery = Q()
    for field, _name in m.DELIVERY_TERMS.values():
        any_delivery |= Q(**{field: True})
    return {
        "target_group": Q(target_groups__is_public=True),
        "delivery": any_delivery,
        "cost": Q(),  # every service has a cost term
        "feature": Q(is_hotline=True)
        | Q(**{places + "wheelchair_accessible": True})
        | Q(**{places + "is_24_7": True})
        | Q(**{places + "is_confidential": True}),
        "provider_type": Q(organization__provider_type__isnull=False),
        "agency": Q(organization__agency__isnull=False),
        "municipality": Q(service_at_locations__isnull=False),
    }[key]


def services_queryset(
    *,
    sal_ids=None,
    organization_id: UUID | None = None,
    term: str | None = None,
    taxonomy: str | None = None,
    modified_after: datetime | None = None,
):
    queryset = public_services()
    if sal_ids is not None:
        queryset = queryset.filter(service_at_locations__pk__in=sal_ids).distinct()
    if organization_id:
        queryset = queryset.filter(organization__uuid=organization_id)
    for value, to_q in ((term, _term_q), (taxonomy, _taxonomy_q)):
        if value:
            condition = to_q(value)
            if condition is None:
                return queryset.none()
            queryset = queryset.filter(pk__in=Service.objects.filter(condition).values("pk"))
    if modified_after:
        queryset = queryset.filter(updated_at__gt=modified_after)
    return queryset


def ordered(pks: list[int], order: list[int] | None) -> list[int]:
    if order is None:
        return pks
    wanted = set(pks)
    result, seen = [], set()
    for pk in order:
        if pk in wanted and pk not in seen:
            result.append(pk)
            seen.add(pk)
    return result


def service_order_from_sals(sal_ids: list[int]) -> list[int]:
    by_sal = dict(ServiceAtLocation.objects.filter(pk__in=sal_ids).values_list("pk", "service_id"))
    return [by_sal[pk] for pk in sal_ids if pk in by_sal]


def serialise(services: list[Service], *, organizations=()) -> dict:
    """HSDS nested objects for these services (and these organisations with their places)."""
    exporter = export.Exporter()
    exporter.taxonomies()
    service_rows = list(export.exported_services().filter(pk__in=[s.pk for s in services]))
    position = {s.pk: i for i, s in enumerate(services)}
    service_rows.sort(key=lambda s: position[s.pk])
    org_ids = {s.organization_id for s in service_rows} | {o.pk for o in organizations}
    for org in export.exported_organizations().filter(pk__in=org_ids):
        exporter.organization(org)
    for service in service_rows:
        exporter.service(service)
    return export.nest({table: exporter.tables.get(table, []) for table in m.TABLES})


def taxonomy_tables() -> dict:
    exporter = export.Exporter()
    exporter.taxonomies()
    return exporter.tables


def public_organizations():
    return Organization.objects.filter(pk__in=public_services().values("organization_id"))


def sal_queryset(
    *,
    sal_ids=None,
    modified_after=None,
    service_id=None,
    location_id=None,
    organization_id=None,
    term=None,
    taxonomy=None,
    postcode="",
):
    queryset = public_service_at_locations()
    if term or taxonomy:
        queryset = queryset.filter(service__in=services_queryset(term=term, taxonomy=taxonomy).values("pk"))
    if postcode:
        # a confidential place's postal code is never matched: it would tell where the shelter is
        queryset = queryset.filter(location__postal_code=postcode, location__is_confidential=False)
    if sal_ids is not None:
        queryset = queryset.filter(pk__in=sal_ids)
    if modified_after:
        queryset = queryset.filter(service__updated_at__gt=modified_after)
    if service_id:
        queryset = queryset.filter(service__uuid=service_id)
    if location_id:
        queryset = queryset.filter(location__uuid=location_id)
    if organization_id:
        queryset = queryset.filter(service__organization__uuid=organization_id)
    return queryset


def postcode_centroid(postcode: str) -> tuple[float, float] | None:
    """The mean point of the published, non-confidential places with this postal code (None when none has
    coordinates): the databank holds no postcode gazetteer, its own places are the only reference."""
    point = Location.objects.filter(
        postal_code=postcode,
        is_confidential=False,
        latitude__isnull=False,
        service_at_locations__in=public_service_at_locations(),
    ).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if point["lat"] is None:
        return None
    return float(point["lat"]), float(point["lon"])
