"""Writes for kiosks: heartbeats and anonymous usage counters (no personal data, no typed text)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Kiosk, KioskDailyUsage

COUNTERS = ("category_taps", "searches", "zero_result_searches", "qr_shown", "slips_printed")
MAX_VERSION_LENGTH = 40


def record_heartbeat(kiosk: Kiosk, *, version: str = "") -> None:
    """The kiosk is alive: remember when, and which version of the kiosk shell it runs."""
    fields = {"last_seen_at": timezone.now()}
    version = (version or "").strip()[:MAX_VERSION_LENGTH]
    if version:
        fields["software_version"] = version
    Kiosk.objects.filter(pk=kiosk.pk).update(**fields)


def count(kiosk: Kiosk, *counters: str) -> None:
    """Add one to each named daily counter of the kiosk (one row per kiosk per local day)."""
    unknown = set(counters) - set(COUNTERS)
    if unknown:
        raise ValueError(f"Unknown kiosk counters: {sorted(unknown)}")
    if not counters:
        return
    today = timezone.localdate()
    increments = {name: F(name) + 1 for name in counters}
    if KioskDailyUsage.objects.filter(kiosk=kiosk, date=today).update(**increments):
        return
    try:
        with transaction.atomic():
            KioskDailyUsage.objects.create(kiosk=kiosk, date=today, **dict.fromkeys(counters, 1))
    except IntegrityError:  # another request created today's row first
        KioskDailyUsage.objects.filter(kiosk=kiosk, date=today).update(**increments)
