"""What the API reads: published services, their organisations and places, through the search service when a
query, filters or a point are given. Serialisation reuses the HSDS export, so the API never shows more than it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from directory.hsds import export
from directory.hsds import mapping as m
from directory.models import Category, Organization, Service, ServiceAtLocation, TargetGroup
from directory.selectors import category_descendant_ids, public_service_at_locations, public_services
from search import services as search_services
from search.engines.base import GeoPoint

SEARCH_LIMIT = 1000  # the most hits one API query takes from the search service


def search_sal_ids(query: str, filters: dict, near: GeoPoint | None) -> list[int]:
    """Ids of published service-at-location rows, in the search service's order."""
    results = search_services.search(query=query, filters=filters, near=near, sort="", page=1, per_page=SEARCH_LIMIT)
    return [hit.pk for hit in results.hits]


def term_filter(term_id: str) -> tuple[str, int] | None:
    """A taxonomy term id of the export -> the category or family category it stands for."""
    for category in Category.objects.filter(is_public=True).only("pk", "scheme", "code"):
        if m.term_id(category.scheme, category.code) == term_id:
            return "categories", category.pk
    for group in TargetGroup.objects.filter(is_public=True).only("pk", "code"):
        if m.term_id("target_group", group.code) == term_id:
            return "target_groups", group.pk
    return None


def services_queryset(
    *,
    sal_ids=None,
    organization_id: UUID | None = None,
    term: str | None = None,
    modified_after: datetime | None = None,
):
    queryset = public_services()
    if sal_ids is not None:
        queryset = queryset.filter(service_at_locations__pk__in=sal_ids).distinct()
    if organization_id:
        queryset = queryset.filter(organization__uuid=organization_id)
    if term:
        found = term_filter(term)
        if found is None:
            return queryset.none()
        field, pk = found
        ids = category_descendant_ids([pk]) if field == "categories" else [pk]
        queryset = queryset.filter(**{f"{field}__in": ids}).distinct()
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


def sal_queryset(*, sal_ids=None, modified_after=None, service_id=None, location_id=None, organization_id=None):
    queryset = public_service_at_locations()
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
