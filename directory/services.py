"""Writes to the databank: every rule that changes state lives here (models stay thin).

Search follows every save through Django's model signals; a write that sends none (`bulk_create`) sends
`directory.signals.databank_changed` itself (both heard by `search/receivers.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals
from .models import Location, Schedule, Service, Weekday
from .validators import find_schedule_overlaps


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
    created = Schedule.objects.bulk_create(rows)
    # bulk_create sends no signals: the place's rows and its new hours
    signals.databank_changed.send(sender=Location, edited=[location])
    return created


def check_schedule_overlaps(intervals: Iterable[tuple[int, time, time]]) -> None:
    overlapping = find_schedule_overlaps(intervals)
    if overlapping:
        days = ", ".join(str(Weekday(day).label) for day in overlapping)
        raise ValidationError(_("Часы работы пересекаются: %(days)s.") % {"days": days})
