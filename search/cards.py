"""The result cards of a page of hits, as plain values: two queries for the whole page, whatever its size.

A card holds what the result templates show (results page, campaign blocks, kiosk), read with `values()`
rather than as model instances, so that a page builds no models and its templates run no queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.db.models import BooleanField, CharField, IntegerField, TimeField, Value
from django.urls import reverse

from directory import selectors
from directory.models import Holiday, Phone, Schedule, ScheduleException, Service, ServiceAtLocation

from .engines.base import GeoPoint, Hit
from .geometry import geodesic_km
from .highlight import snippet

COST_LABELS = dict(Service.Cost.choices)
PHONE, HOURS, EXCEPTION, HOLIDAY = range(4)  # the kinds of rows of `_place_facts`
FIELDS = {
    "id": "pk",
    "service_id": "service_id",
    "location_id": "location_id",
    "service_name": "service__name",
    "description": "service__description",
    "cost": "service__cost",
    "organization_id": "service__organization_id",
    "organization_name": "service__organization__name",
    "organization_short_name": "service__organization__short_name",
    "provider_type": "service__organization__provider_type__name",
    "municipality": "location__municipality__name",
    "settlement": "location__settlement__name",
    "settlement_kind": "location__settlement__kind",
    "street": "location__street",
    "house": "location__house",
    "is_confidential": "location__is_confidential",
    "front_door_phone": "location__front_door_phone",
    "wheelchair_accessible": "location__wheelchair_accessible",
    "is_24_7": "location__is_24_7",
    "latitude": "location__latitude",
    "longitude": "location__longitude",
}


@dataclass(frozen=True)
class Card:
    id: int  # the service at location
    service_id: int
    location_id: int
    service_name: str
    description: str
    cost: str
    organization_id: int
    organization_name: str
    organization_short_name: str
    provider_type: str
    municipality: str
    settlement: str
    settlement_kind: str
    street: str
    house: str
    is_confidential: bool
    front_door_phone: str
    wheelchair_accessible: bool
    is_24_7: bool
    latitude: float | None
    longitude: float | None
    phones: tuple[str, ...]  # the place's numbers, in the editors' order; none for a confidential place
    status: selectors.OpeningStatus

    @property
    def service_url(self) -> str:
        return reverse("directory:service", args=[self.service_id])

    @property
    def organization_url(self) -> str:
        return reverse("directory:organization", args=[self.organization_id])

    @property
    def organization_display_name(self) -> str:
        return self.organization_short_name or self.organization_name

    @property
    def cost_label(self) -> str:
        return str(COST_LABELS.get(self.cost, self.cost))

    @property
    def settlement_label(self) -> str:
        return f"{self.settlement_kind} {self.settlement}".strip()

    @property
    def address_line(self) -> str:
        """As `Location.address_line`: «село Мугур-Аксы, ул. Ленина, 5»."""
        return ", ".join(
            part for part in (self.settlement_label if self.settlement else "", self.street, self.house) if part
        )

    @property
    def shows_municipality(self) -> bool:
        """Whether the address needs the district after it: not when the settlement already names it."""
        return not self.settlement or self.settlement not in self.municipality


def cards(ids: Iterable[int], *, now: datetime | None = None) -> dict[int, Card]:
    """The cards of the published services at locations `ids` (id → card); unpublished ones are left out."""
    ids = list(ids)
    if not ids:
        return {}
    return _cards(selectors.public_service_at_locations().filter(pk__in=ids), now)


def cards_of_services(service_ids: Iterable[int], *, now: datetime | None = None) -> list[Card]:
    """Every published place of the services, by location then id."""
    rows = selectors.public_service_at_locations().filter(service_id__in=list(service_ids))
    return list(_cards(rows.order_by("location_id", "pk"), now).values())


def hits(
    ids: list[int],
    *,
    near: GeoPoint | None = None,
    distances: dict[int, float | None] | None = None,
    words: list[str] | None = None,
    scores: dict[int, float] | None = None,
    highlights: dict[int, str] | None = None,
) -> list[Hit]:
    """The hits of a page, in the order of `ids`: a row no longer published is left out. `distances` are the
    engine's own; without one a place's distance to `near` is measured. `highlights` are the engine's snippets;
    without one the description is marked with `words`."""
    found = cards(ids)
    result = []
    for pk in ids:
        card = found.get(pk)
        if card is None:
            continue
        distance = (distances or {}).get(pk)
        if distance is None and near is not None:
            distance = distance_km(card, near)
        text = (highlights or {}).get(pk) or (snippet(card.description, words) if words else "")
        result.append(Hit(card=card, score=(scores or {}).get(pk, 0.0), distance_km=distance, snippet=text))
    return result


def distance_km(card: Card, near: GeoPoint) -> float | None:
    """Exact geodesic distance (rounded only where shown); none for a confidential or unplaced place."""
    if card.is_confidential or card.latitude is None or card.longitude is None:
        return None
    return geodesic_km(near.latitude, near.longitude, card.latitude, card.longitude)


def _cards(rows, now: datetime | None) -> dict[int, Card]:
    now = now or selectors.local_now()
    values = list(rows.values(*FIELDS.values()))
    if not values:
        return {}
    phones, hours, exceptions, holiday = _place_facts({row["location_id"] for row in values}, now)
    result = {}
    for row in values:
        card = {name: row[source] for name, source in FIELDS.items()}
        place = card["location_id"]
        for name in ("latitude", "longitude"):
            card[name] = None if card[name] is None else float(card[name])
        for name in ("settlement", "settlement_kind", "organization_short_name", "provider_type"):
            card[name] = card[name] or ""
        card["phones"] = () if card["is_confidential"] else tuple(phones.get(place, ()))
        card["status"] = selectors.status_today(
            now,
            is_24_7=card["is_24_7"],
            exception=exceptions.get(place),
            holiday=holiday,
            hours=hours.get(place, []),
        )
        result[card["id"]] = Card(**card)
    return result


def _place_facts(places: set[int], now: datetime):
    """The places' phones, today's hours and exceptions, and whether today is a holiday, in one query: the union
    of four small selects with the same columns (kind, place, number, opens, closes, closed, note, order, id)."""
    today = now.date()
    empty, no_time = Value("", output_field=CharField()), Value(None, output_field=TimeField())

    def select(queryset, kind: int, *columns):
        return queryset.order_by().values_list(Value(kind, output_field=IntegerField()), *columns)

    no, yes, zero = Value(False, output_field=BooleanField()), Value(True, output_field=BooleanField()), Value(0)
    union = select(
        Phone.objects.filter(location_id__in=places),
        PHONE,
        "location_id",
        "number",
        no_time,
        no_time,
        no,
        empty,
        "sort_order",
        "pk",
    ).union(
        select(
            Schedule.objects.filter(location_id__in=places, weekday=today.weekday()),
            HOURS,
            "location_id",
            empty,
            "opens_at",
            "closes_at",
            no,
            empty,
            zero,
            "pk",
        ),
        select(
            ScheduleException.objects.filter(location_id__in=places, date=today),
            EXCEPTION,
            "location_id",
            empty,
            "opens_at",
            "closes_at",
            "is_closed",
            "note",
            zero,
            "pk",
        ),
        select(Holiday.objects.filter(date=today), HOLIDAY, zero, empty, no_time, no_time, yes, empty, zero, "pk"),
        all=True,
    )
    phones: dict[int, list[str]] = {}
    hours: dict[int, list[tuple]] = {}
    exceptions: dict[int, SimpleNamespace] = {}
    holiday = False
    for kind, place, number, opens, closes, closed, note, _order, _id in sorted(union, key=lambda row: row[7:]):
        if kind == PHONE:
            phones.setdefault(place, []).append(number)
        elif kind == HOURS:
            hours.setdefault(place, []).append((opens, closes))
        elif kind == EXCEPTION:
            exceptions.setdefault(place, SimpleNamespace(is_closed=closed, opens_at=opens, closes_at=closes, note=note))
        else:
            holiday = True
    return phones, hours, exceptions, holiday


def with_rows(hits: list[Hit]) -> list[Hit]:
    """The hits with their model rows read at once (`Hit.service_at_location`), for the few readers that need
    more than a card (referral partners)."""
    rows = selectors.hydrate(ServiceAtLocation.objects.filter(pk__in=[hit.pk for hit in hits])).in_bulk()
    for hit in hits:
        hit._row = rows.get(hit.pk)
    return hits
