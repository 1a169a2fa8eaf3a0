"""Writes for kiosks: heartbeats and anonymous usage counters (no personal data, no typed text)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Kiosk, KioskDailyUsage

logger = logging.getLogger(__name__)

COUNTERS = ("category_taps", "searches", "zero_result_searches", "qr_shown", "slips_printed")
MAX_VERSION_LENGTH = 40


def record_heartbeat(kiosk: Kiosk, *, version: str = "") -> None:
    """The kiosk is alive: remember when, and which version of the kiosk shell it runs."""
    fields = {"last_seen_at": timezone.now()}
    version = (version or "").replace("\x00", "").strip()[:MAX_VERSION_LENGTH]  # PostgreSQL text holds no NUL
    if version:
        fields["software_version"] = version
    try:
        with transaction.atomic():
            Kiosk.objects.filter(pk=kiosk.pk).update(**fields)
    except DatabaseError:  # a busy database never turns a kiosk screen into an error page
        logger.warning("Kiosk heartbeat of %s not recorded", kiosk.code, exc_info=True)


def count(kiosk: Kiosk, *counters: str) -> None:
    """Add one to each named daily counter of the kiosk (one row per kiosk per local day). Best effort: a
    failed count is logged, the screen is still shown."""
    unknown = set(counters) - set(COUNTERS)
    if unknown:
        raise ValueError(f"Unknown kiosk counters: {sorted(unknown)}")
    if not counters:
        return
    try:
        with transaction.atomic():
            _increment(kiosk, counters)
    except DatabaseError:
        logger.warning("Kiosk usage of %s not counted: %s", kiosk.code, counters, exc_info=True)


def _increment(kiosk: Kiosk, counters) -> None:
    today = timezone.localdate()
    increments = {name: F(name) + 1 for name in counters}
    if KioskDailyUsage.objects.filter(kiosk=kiosk, date=today).update(**increments):
        return
    try:
        with transaction.atomic():
            KioskDailyUsage.objects.create(kiosk=kiosk, date=today, **dict.fromkeys(counters, 1))
    except IntegrityError:  # another request created today's row first
        KioskDailyUsage.objects.filter(kiosk=kiosk, date=today).update(**increments)
