"""Reads of the databank for the public site, the admin and other apps. No writes here."""

from __future__ import annotations

import time as clock  # `time` is datetime's here
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from .models import (
    Category,
    Holiday,
    Location,
    Municipality,
    Organization,
    Phone,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
    Weekday,
)

# ---------------------------------------------------------------- taxonomy


def category_descendant_ids(categories) -> set[int]:
    """Ids of the given categories and of everything below them (a kind of help includes its groups)."""
    rows = list(Category.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    kind_groups: dict[int, list[int]] = {}
    for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
        kind_groups.setdefault(kind_id, []).append(group_id)
    result: set[int] = set()
    stack = [c.pk if isinstance(c, Category) else c for c in categories]
    while stack:
        pk = stack.pop()
        if pk in result:
            continue
        result.add(pk)
        stack.extend(children.get(pk, []))
        stack.extend(kind_groups.get(pk, []))
    return result


def category_tiles() -> QuerySet[Category]:
    """Top-level public groups of help for the home page tiles."""
    return Category.objects.filter(parent__isnull=True, is_public=True, scheme=Category.Scheme.MEASURE).exclude(
        code="other"
    )


def kinds_of_help() -> QuerySet[Category]:
    return Category.objects.filter(scheme=Category.Scheme.KIND, parent__isnull=True)


def settlement_choices() -> QuerySet[Settlement]:
    return Settlement.objects.select_related("municipality").order_by("name")


# ---------------------------------------------------------------- public records


def public_services() -> QuerySet[Service]:
    return Service.objects.filter(status=Service.Status.PUBLISHED)


def public_service_at_locations() -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__status=Service.Status.PUBLISHED)


def hotline_list() -> list[dict]:
    """The hotline panel: published hotline services with their numbers (two queries)."""
    services = (
        public_services()
        .filter(is_hotline=True)
        .select_related("organization")
        .prefetch_related(Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")))
        .order_by("pk")
    )
    return [{"service": service, "phones": list(service.phones.all())} for service in services if service.phones.all()]


# Shown in the crisis block whatever the databank holds: the emergency number and the children's helpline.
CRISIS_LINES = [
    (gettext_lazy("Экстренные службы: полиция, скорая помощь"), "112"),
    (
        gettext_lazy("Детский телефон доверия — для детей, подростков и родителей, бесплатно и круглосуточно"),
        "+78002000122",
    ),
]
CRISIS_PROVIDER_TYPES = ("crisis",)
CRISIS_CONTACTS_MAX = 6


def crisis_contacts() -> list[dict]:
    """The crisis block's numbers: 112 and the children's helpline, then the region's crisis centres and shelters
    (a shelter's «front door» phone, never its address) and hotlines from the databank, each number and each
    organisation once (three queries, kept a minute in the process: a search and every key typed in autocomplete
    ask for them; no shared cache, so that a cache server that is down never costs a family the numbers)."""
    language, now = get_language(), clock.monotonic()
    kept = _crisis_kept.get(language)
    if kept is None or kept[0] < now:
        kept = _crisis_kept[language] = (now + CRISIS_CONTACTS_SECONDS, _crisis_contacts())
    return kept[1]


CRISIS_CONTACTS_SECONDS = 60
_crisis_kept: dict[str, tuple[float, list[dict]]] = {}


def _crisis_contacts() -> list[dict]:
    contacts = [{"name": str(name), "number": number} for name, number in CRISIS_LINES]
    seen = {contact["number"] for contact in contacts}
    named: set[str] = set()  # each organisation once: its first number
    rows = (
        public_service_at_locations()
        .filter(Q(service__organization__provider_type__code__in=CRISIS_PROVIDER_TYPES) | Q(service__is_hotline=True))
        .select_related("service__organization", "location")
        .prefetch_related(
            Prefetch("service__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
            Prefetch("location__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
        )
        .order_by("service__is_hotline", "service__organization__name", "pk")
    )
    for row in rows:
        if row.location.is_confidential:
            numbers = [row.location.front_door_phone] if row.location.front_door_phone else []
        else:
            numbers = [phone.number for phone in [*row.service.phones.all(), *row.location.phones.all()]]
        name = row.service.organization.short_name or row.service.organization.name
        for number in numbers[:1]:
            if number and number not in seen and name not in named:
                seen.add(number)
                named.add(name)
                contacts.append({"name": name, "number": number})
        if len(contacts) >= CRISIS_CONTACTS_MAX:
            break
    return contacts


def databank_is_demo() -> bool:
    return Organization.objects.filter(is_demo=True).exists()


def search_querystring(**params) -> str:
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((key, item))
    return urlencode(pairs)


def services_for_categories(categories, *, limit: int = 10) -> list[ServiceAtLocation]:
    if not categories:
        return []
    ids = category_descendant_ids(categories)
    return list(
        hydrate(public_service_at_locations().filter(service__categories__in=ids).distinct().order_by("service__name"))[
            :limit
        ]
    )


def hydrate(queryset: QuerySet[ServiceAtLocation]) -> QuerySet[ServiceAtLocation]:
    """Everything a result card shows, in a fixed number of queries whatever the number of rows."""
    return queryset.select_related(
        "service__organization__provider_type",
        "location__municipality",
        "location__settlement",
    ).prefetch_related(
        "service__categories",
        "location__schedules",
        "location__schedule_exceptions",
        Prefetch("location__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
        Prefetch("service__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
    )


def service_get(*, pk: int, include_unpublished: bool = False) -> Service:
    queryset = Service.objects.all() if include_unpublished else public_services()
    queryset = queryset.select_related("organization__provider_type", "organization__agency").prefetch_related(
        "categories",
        Prefetch("target_groups", queryset=TargetGroup.objects.filter(is_public=True)),
        "languages",
        Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related(
                "location__municipality", "location__settlement"
            ).prefetch_related(
                "location__schedules",
                "location__schedule_exceptions",
                Prefetch("location__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
            ),
        ),
        Prefetch("organization__phones", queryset=Phone.objects.order_by("sort_order", "pk")),
    )
    return get_object_or_404(queryset, pk=pk)


def organization_get(*, pk: int) -> Organization:
    queryset = Organization.objects.select_related("provider_type", "agency", "logo").prefetch_related(
        Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
        Prefetch(
            "locations",
            queryset=Location.objects.select_related("municipality", "settlement").prefetch_related(
                "schedules",
                "schedule_exceptions",
                Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
            ),
        ),
        Prefetch("services", queryset=public_services().prefetch_related("categories").order_by("name")),
    )
    return get_object_or_404(queryset, pk=pk)


# ---------------------------------------------------------------- opening hours


def local_now() -> datetime:
    return timezone.localtime()


def is_holiday(day) -> bool:
    return Holiday.objects.filter(date=day).exists()


@dataclass
class OpeningStatus:
    is_open: bool
    is_24_7: bool
    today_hours: list[tuple[time, time]]
    closed_today_reason: str = ""
    note: str = ""

    @property
    def today_text(self) -> str:
        """What follows «Сегодня:» in the templates: hours, «круглосуточно» or «не работает» (never «сегодня» again)."""
        if self.is_24_7:
            return _("круглосуточно")
        if not self.today_hours:
            return self.closed_today_reason or _("не работает")
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.today_hours)


def opening_status(location: Location, *, now: datetime | None = None, holiday: bool | None = None) -> OpeningStatus:
    """Whether a place is open at `now` (local time): 24/7, then a dated exception, then holiday, then weekday.

    Uses the prefetched schedules and exceptions of the location; `holiday` may be passed in to save a query.
    """
    now = timezone.localtime(now) if now else local_now()
    if location.is_24_7:
        return OpeningStatus(is_open=True, is_24_7=True, today_hours=[])
    today = now.date()
    exception = next((e for e in location.schedule_exceptions.all() if e.date == today), None)
    if exception is None and holiday is None:
        holiday = is_holiday(today)
    hours = [(s.opens_at, s.closes_at) for s in location.schedules.all() if s.weekday == today.weekday()]
    return status_today(now, is_24_7=False, exception=exception, holiday=bool(holiday), hours=hours)


def status_today(now: datetime, *, is_24_7: bool, exception, holiday: bool, hours) -> OpeningStatus:
    """The opening status from what is already read: 24/7, then today's exception (anything with `is_closed`,
    `opens_at`, `closes_at`, `note`), then the holiday, then the weekday's `hours` ((opens, closes) pairs)."""
    if is_24_7:
        return OpeningStatus(is_open=True, is_24_7=True, today_hours=[])
    if exception is not None:
        if exception.is_closed:
            return OpeningStatus(False, False, [], closed_today_reason=_("не работает"), note=exception.note)
        hours = [(exception.opens_at, exception.closes_at)]
        return OpeningStatus(_within(now.time(), hours), False, hours, note=exception.note)
    if holiday:
        return OpeningStatus(False, False, [], closed_today_reason=_("праздничный день, не работает"))
    hours = sorted(hours)
    return OpeningStatus(_within(now.time(), hours), False, hours)


def _within(moment: time, hours: list[tuple[time, time]]) -> bool:
    return any(opens <= moment < closes for opens, closes in hours)


def place_view(location: Location, *, now=None, holiday=None, near=None, note: str = "") -> dict:
    """What a public page may show of a place. A confidential place shows only its «front door» phone."""
    confidential = location.is_confidential
    distance = None
    if near is not None and not confidential and location.has_coordinates:
        distance = round(
            geodesic((near.latitude, near.longitude), (float(location.latitude), float(location.longitude))).km, 1
        )
    map_url = ""
    if not confidential and location.has_coordinates:
        map_url = settings.DIRECTORY_MAP_LINK.format(lat=location.latitude, lon=location.longitude)
    return {
        "location": location,
        "confidential": confidential,
        "name": location.name,
        "municipality": location.municipality,
        "settlement": None if confidential else location.settlement,
        "address": "" if confidential else location.address_line,
        "address_note": "" if confidential else location.address_note,
        "postal_code": "" if confidential else location.postal_code,
        "map_url": map_url,
        "distance_km": distance,
        "status": opening_status(location, now=now, holiday=holiday),
        "weekly_hours": weekly_hours(location),
        "exceptions": upcoming_exceptions(location),
        "phones": [] if confidential else list(location.phones.all()),
        "front_door_phone": location.front_door_phone if confidential else "",
        "wheelchair_accessible": location.wheelchair_accessible,
        "accessibility_note": location.accessibility_note,
        "transport_note": "" if confidential else location.transport_note,
        "note": note,
    }


def weekly_hours(location: Location) -> list[tuple[int, str, str]]:
    """(weekday, name, hours text) for Monday..Sunday from prefetched schedules."""
    rows = []
    for weekday in Weekday:
        spans = sorted((s.opens_at, s.closes_at) for s in location.schedules.all() if s.weekday == weekday.value)
        text = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans) if spans else _("выходной")
        rows.append((weekday.value, weekday.label, text))
    return rows


def upcoming_exceptions(location: Location, *, days: int = 14) -> list[ScheduleException]:
    today = local_now().date()
    return [e for e in location.schedule_exceptions.all() if today <= e.date <= today + timedelta(days=days)]


def open_now_q(*, now: datetime | None = None, prefix: str = "location__", location_field: str = "") -> Q:
    """A filter for places open at `now`, in SQL, mirroring `opening_status`.

    `location_field` names a column holding the place's id (the search table, `search.models.SearchRow`): the
    same rule as semi-joins (`location_id IN (…)`), which the database answers with one hash of today's
    schedules instead of a lookup per row."""
    now = timezone.localtime(now) if now else local_now()
    today, moment = now.date(), now.time()
    exceptions = ScheduleException.objects.filter(date=today)
    open_exceptions = exceptions.filter(is_closed=False, opens_at__lte=moment, closes_at__gt=moment)
    schedules = Schedule.objects.filter(weekday=today.weekday(), opens_at__lte=moment, closes_at__gt=moment)
    if location_field:
        open_by_exception = Q(**{f"{location_field}__in": open_exceptions.values("location_id")})
        regular = Q(**{f"{location_field}__in": schedules.values("location_id")}) & ~Q(
            **{f"{location_field}__in": exceptions.values("location_id")}
        )
    else:
        location_ref = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
        open_by_exception = Q(Exists(open_exceptions.filter(location=location_ref)))
        regular = Q(Exists(schedules.filter(location=location_ref))) & ~Q(
            Exists(exceptions.filter(location=location_ref))
        )
    if is_holiday(today):
        regular = Q(pk__in=[])
    return Q(**{f"{prefix}is_24_7": True}) | open_by_exception | regular


# ---------------------------------------------------------------- editors


def services_needing_verification(*, now: datetime | None = None) -> QuerySet[Service]:
    """Published services not verified within the allowed age (12 months by default)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DIRECTORY_VERIFICATION_MAX_AGE_DAYS)
    return (
        public_services()
        .filter(Q(verified_at__isnull=True) | Q(verified_at__lt=cutoff))
        .select_related("organization")
        .order_by("verified_at", "name")
    )


# ---------------------------------------------------------------- zero results


def nearby_municipalities(codes: list[str], *, limit: int = 3) -> list[Municipality]:
    """The districts whose settlements lie closest to the chosen ones (centre to centre)."""
    if not codes:
        return []
    centres: dict[int, list] = {}
    for municipality_id, latitude, longitude in Settlement.objects.values_list(
        "municipality_id", "latitude", "longitude"
    ):
        centres.setdefault(municipality_id, []).append((float(latitude), float(longitude)))
    middle = {pk: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)) for pk, pts in centres.items()}
    chosen = list(Municipality.objects.filter(code__in=codes))
    others = [m for m in Municipality.objects.exclude(code__in=codes) if m.pk in middle]
    if not chosen or chosen[0].pk not in middle:
        return []
    origin = middle[chosen[0].pk]
    return sorted(others, key=lambda m: geodesic(origin, middle[m.pk]).km)[:limit]
