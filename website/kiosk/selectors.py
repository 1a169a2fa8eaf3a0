"""Reads for kiosks: the kiosk itself, its status, the screens' data and what it keeps for offline use."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from directory import selectors as directory_selectors
from directory.models import Category
from search.engines.base import GeoPoint
from website.models import LifeSituationPage

from .models import Kiosk, KioskDailyUsage

ONLINE_WINDOW = timedelta(minutes=3)  # three missed heartbeats (one a minute) and the kiosk counts as offline


def kiosk_get(code: str) -> Kiosk:
    return get_object_or_404(Kiosk.objects.select_related("municipality"), code=code, is_enabled=True)


def is_online(kiosk: Kiosk, *, now=None) -> bool:
    now = now or timezone.now()
    return kiosk.last_seen_at is not None and now - kiosk.last_seen_at <= ONLINE_WINDOW


def kiosk_point(kiosk: Kiosk) -> GeoPoint:
    """«Nearest» on a kiosk always means nearest to the kiosk."""
    return GeoPoint(latitude=float(kiosk.latitude), longitude=float(kiosk.longitude), label=kiosk.place)


# «Службы рядом»: the groups of help (directory/reference_data.py, MEASURE_GROUPS) a family at a kiosk comes for,
# nearest first among them. Left out: the analysis of a family's situation by the authorities (A1), the safety of
# the home (A3: fire-safety talks, smoke detectors), addiction (A5), housing (A7), employment (A8), education and
# leisure (A13), a child's temporary placement (A15) and the supportive environment (A16): they are still found by
# «Виды помощи» and by a search.
NEARBY_CATEGORIES = ("A2", "A4", "A6", "A9", "A10", "A11", "A12", "A14")
EMERGENCY_NUMBER = "112"  # the hotline bar always ends with it


def nearby_category_codes() -> list[str]:
    """The public categories of «Службы рядом» that the databank has (one query)."""
    codes = set(Category.objects.filter(code__in=NEARBY_CATEGORIES, is_public=True).values_list("code", flat=True))
    return [code for code in NEARBY_CATEGORIES if code in codes]


def unique_hotlines(items: list[dict], *, limit: int | None = None) -> list[dict]:
    """Hotlines with each number once (numbers are stored in E.164, short ones as dialled: 112): a number already
    listed, or the emergency number the bar and the hotline screen show anyway, is left out, and so is a hotline
    left without a number."""
    seen = {EMERGENCY_NUMBER}
    unique = []
    for item in items:
        phones = [phone for phone in item["phones"] if phone.number not in seen]
        seen.update(phone.number for phone in phones)
        if phones:
            unique.append({**item, "phones": phones})
        if limit is not None and len(unique) >= limit:
            break
    return unique


def countdown_seconds(kiosk: Kiosk) -> int:
    """The visible countdown before a reset: 10 seconds, or half the timeout when the timeout is shorter."""
    return max(1, min(settings.KIOSK_COUNTDOWN_SECONDS, kiosk.idle_timeout_seconds // 2))


def life_situations():
    pages = LifeSituationPage.objects.live().public().filter(locale__language_code=settings.LANGUAGE_CODE)
    return pages.order_by("path").prefetch_related("categories")  # the kiosk translates the Russian pages itself


def life_situation_get(pk: int):
    return get_object_or_404(life_situations(), pk=pk)


def offline_urls(kiosk: Kiosk, *, limit: int | None = None) -> list[str]:
    """The screens a kiosk keeps for offline use: the shell and the services of its own district."""
    limit = limit or settings.KIOSK_OFFLINE_SERVICES
    code = kiosk.code
    urls = [
        reverse("kiosk:start", args=[code]),
        reverse("kiosk:categories", args=[code]),
        reverse("kiosk:situations", args=[code]),
        reverse("kiosk:hotlines", args=[code]),
        reverse("kiosk:offline", args=[code]),
        reverse("kiosk:results", args=[code]) + "?near=1",
    ]
    urls += [
        reverse("kiosk:results", args=[code]) + f"?category={c.code}" for c in directory_selectors.category_tiles()
    ]
    service_ids = (
        directory_selectors.public_service_at_locations()
        .filter(location__municipality_id=kiosk.municipality_id)
        .order_by("service__name")
        .values_list("service_id", flat=True)
        .distinct()[:limit]
    )
    urls += [reverse("kiosk:service", args=[code, pk]) for pk in service_ids]
    return urls


def usage_totals(kiosk: Kiosk, *, days: int = 30) -> dict:
    since = timezone.localdate() - timedelta(days=days - 1)
    totals = KioskDailyUsage.objects.filter(kiosk=kiosk, date__gte=since).aggregate(
        category_taps=Sum("category_taps"),
        searches=Sum("searches"),
        zero_result_searches=Sum("zero_result_searches"),
        qr_shown=Sum("qr_shown"),
        slips_printed=Sum("slips_printed"),
    )
    return {key: value or 0 for key, value in totals.items()}
