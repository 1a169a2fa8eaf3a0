"""Writes to the databank: every rule that changes state lives here (models stay thin)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from search.text import index_text

from .models import Location, Schedule, Service
from .validators import find_schedule_overlaps


def search_texts(*, service: Service, related_categories, target_groups) -> tuple[str, str]:
    """The lemmatised name and full text of a service: the database engine's columns and the index's lemma
    fields are both made by `lemma_texts`, so that the two engines match the same words."""
    organization = service.organization
    provider_type = organization.provider_type if organization.provider_type_id else None
    return lemma_texts(
        name=service.name,
        organization_names=(organization.name, organization.short_name),
        provider_type_name=provider_type.name if provider_type else "",
        category_names=[(c.name, c.short_name) for c in related_categories],
        target_group_names=[t.name for t in target_groups],
        description=service.description,
        eligibility=service.eligibility,
    )


def lemma_texts(
    *,
    name: str,
    organization_names: tuple[str, str],
    provider_type_name: str,
    category_names: list[tuple[str, str]],
    target_group_names: list[str],
    description: str,
    eligibility: str,
) -> tuple[str, str]:
    """`search_texts` over plain values (the index rebuild reads them without model instances)."""
    full_text = index_text(
        name,
        *organization_names,
        provider_type_name,
        " ".join(full for full, _ in category_names),
        " ".join(short for _, short in category_names),
        " ".join(target_group_names),
        description,
        eligibility,
    )
    return index_text(name), full_text


def service_refresh_search_text(*, service: Service, search_rows: bool = True) -> None:
    """Recompute the lemmatised columns the database search engine matches against (and, with `search_rows`,
    the engine's search table rows of the service, which copy them)."""
    categories = list(service.categories.all())
    related = list(categories)
    for category in categories:
        parent = category.parent
        while parent is not None:
            related.append(parent)
            parent = parent.parent
        related.extend(category.kinds.all())
    name_text, full_text = search_texts(
        service=service, related_categories=related, target_groups=list(service.target_groups.all())
    )
    Service.objects.filter(pk=service.pk).update(search_name=name_text, search_text=full_text)
    if search_rows:
        from search import rows

        rows.refresh_services([service.pk])


def services_refresh_search_text(*, services: Iterable[Service]) -> int:
    from search import rows

    refreshed = []
    for service in services:
        service_refresh_search_text(service=service, search_rows=False)
        refreshed.append(service.pk)
    rows.refresh_services(refreshed)  # in batches
    return len(refreshed)


def service_verify(*, service: Service, by) -> Service:
    service.verified_at = timezone.now()
    service.verified_by = by
    service.save(update_fields=["verified_at", "verified_by", "updated_at"])
    return service


def service_set_status(*, service: Service, status: str) -> Service:
    service.status = status
    service.full_clean()
    service.save(update_fields=["status", "updated_at"])
    return service


@transaction.atomic
def location_set_schedule(*, location: Location, intervals: Iterable[tuple[int, time, time]]) -> list[Schedule]:
    """Replace a place's regular hours, refusing overlapping or reversed intervals."""
    intervals = list(intervals)
    rows = [Schedule(location=location, weekday=w, opens_at=a, closes_at=b) for w, a, b in intervals]
    for row in rows:
        row.full_clean(exclude=["location"])
    check_schedule_overlaps(intervals)
    location.schedules.all().delete()
    return Schedule.objects.bulk_create(rows)


def check_schedule_overlaps(intervals: Iterable[tuple[int, time, time]]) -> None:
    from .models import Weekday

    overlapping = find_schedule_overlaps(intervals)
    if overlapping:
        days = ", ".join(str(Weekday(day).label) for day in overlapping)
        raise ValidationError(_("Часы работы пересекаются: %(days)s.") % {"days": days})
