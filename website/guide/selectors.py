"""Reads for the printed resource guide: the entries of a district, a category or a life situation, grouped by
kind of help, the hotlines and the data stamp. A fixed number of queries whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max

from directory import selectors
from directory.filters import DirectoryFilterSet
from directory.models import Category, Municipality, Organization, Service, ServiceAtLocation

OTHER_KIND = "other"
OTHER_KIND_TITLE = "Другая помощь"
# The national lines printed in every guide even when the databank has no hotline service for them.
NATIONAL_HOTLINES = [
    ("Детский телефон доверия (для детей, подростков и родителей)", "+78002000122", "бесплатно, круглосуточно"),
    ("Единый номер экстренных служб", "112", "бесплатно, круглосуточно"),
]
WEEKDAY_SHORT = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]


@dataclass
class Selection:
    """What a guide is for: at least one of a district, a category of help and a life situation."""

    municipality: Municipality | None = None
    category: Category | None = None
    situation: object | None = None  # website.LifeSituationPage
    size: str = "a4"

    @property
    def title(self) -> str:
        if self.situation is not None:
            return self.situation.title
        if self.category is not None:
            return self.category.name
        return "Куда обратиться семье с детьми"

    @property
    def subtitle_parts(self) -> list[str]:
        parts = []
        if self.situation is not None and self.category is not None:
            parts.append(self.category.name)
        if self.municipality is not None:
            parts.append(self.municipality.name)
        return parts

    @property
    def filters(self) -> dict:
        """The directory filters (codes) that select the entries."""
        filters: dict[str, list[str]] = {}
        categories = []
        if self.category is not None:
            categories.append(self.category.code)
        if self.situation is not None:
            categories.extend(c.code for c in self.situation.categories.all())
        if categories:
            filters["category"] = sorted(set(categories))
        if self.municipality is not None:
            filters["municipality"] = [self.municipality.code]
        return filters

    @property
    def key(self) -> str:
        """A stable text of the parameters (cache keys, file names)."""
        return "|".join(
            [
                self.municipality.code if self.municipality else "",
                self.category.code if self.category else "",
                self.situation.slug if self.situation is not None else "",
                self.size,
            ]
        )


@dataclass
class Entry:
    service: Service
    places: list[dict] = field(default_factory=list)
    kinds: list[Category] = field(default_factory=list)

    @property
    def phones(self) -> list:
        return list(self.service.phones.all())


@dataclass
class Section:
    code: str
    title: str
    description: str
    entries: list[Entry]

    @property
    def anchor(self) -> str:
        return f"kind-{self.code}"


def selected_service_at_locations(selection: Selection):
    """Published services at locations that match the selection (the directory's own filters)."""
    filterset = DirectoryFilterSet(selection.filters, queryset=selectors.public_service_at_locations())
    return selectors.hydrate(filterset.qs.distinct()).order_by("service__name", "service__pk", "location__pk")


def kinds_by_category() -> tuple[list[Category], dict[int, set[int]]]:
    """The kinds of help in their order, and for every category id the ids of the kinds it belongs to.

    A kind belongs to itself; a group of measures to its `kinds`; an item to the kinds of its top group.
    Three queries, walked in memory.
    """
    kinds = list(selectors.kinds_of_help())
    kind_ids = {k.pk for k in kinds}
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    own: dict[int, set[int]] = {}
    for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
        own.setdefault(group_id, set()).add(kind_id)
    result: dict[int, set[int]] = {}
    for pk in parents:
        found: set[int] = set()
        node, seen = pk, set()
        while node is not None and node not in seen:
            seen.add(node)
            if node in kind_ids:
                found.add(node)
            found |= own.get(node, set())
            node = parents.get(node)
        result[pk] = found
    return kinds, result


def guide_sections(selection: Selection) -> list[Section]:
    """Entries (one per service, with its places in the selection) grouped by the service's first kind of help;
    services without a kind go to «Другая помощь». Each service appears once."""
    kinds, kinds_of = kinds_by_category()
    order = {k.pk: index for index, k in enumerate(kinds)}
    by_pk = {k.pk: k for k in kinds}
    entries: dict[int, Entry] = {}
    for sal in selected_service_at_locations(selection):
        entry = entries.get(sal.service_id)
        if entry is None:
            kind_ids: set[int] = set()
            for category in sal.service.categories.all():
                kind_ids |= kinds_of.get(category.pk, set())
            entry = entries[sal.service_id] = Entry(
                service=sal.service, kinds=[by_pk[pk] for pk in sorted(kind_ids, key=order.__getitem__)]
            )
        place = selectors.place_view(sal.location, holiday=False, note=sal.note)
        place["hours"] = compact_hours(sal.location)
        entry.places.append(place)
    grouped: dict[str, list[Entry]] = {}
    for entry in entries.values():
        grouped.setdefault(entry.kinds[0].code if entry.kinds else OTHER_KIND, []).append(entry)
    sections = [
        Section(kind.code, kind.name, kind.description, grouped[kind.code]) for kind in kinds if kind.code in grouped
    ]
    if OTHER_KIND in grouped:
        sections.append(Section(OTHER_KIND, OTHER_KIND_TITLE, "", grouped[OTHER_KIND]))
    return sections


def compact_hours(location) -> str:
    """«Пн–Пт 09:00–18:00; Сб 10:00–14:00» from the prefetched schedules; «круглосуточно» for 24/7."""
    if location.is_24_7:
        return "круглосуточно"
    runs: list[tuple[int, int, str]] = []
    for weekday, _name, text in selectors.weekly_hours(location):
        if text == "выходной":
            continue
        if runs and runs[-1][1] == weekday - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], weekday, text)
        else:
            runs.append((weekday, weekday, text))
    parts = []
    for first, last, text in runs:
        days = WEEKDAY_SHORT[first] if first == last else f"{WEEKDAY_SHORT[first]}–{WEEKDAY_SHORT[last]}"
        parts.append(f"{days} {text}")
    return "; ".join(parts)


def guide_hotlines() -> dict[str, list[dict]]:
    """Hotline services of the databank with their numbers, then the national lines not already among them."""
    rows = [
        {"name": item["service"].name, "organization": item["service"].organization.name, "phones": item["phones"]}
        for item in selectors.hotline_list()
    ]
    listed = {phone.number for item in rows for phone in item["phones"]}
    listed_digits = {"".join(ch for ch in number if ch.isdigit()) for number in listed}
    national = []
    for name, number, note in NATIONAL_HOTLINES:
        digits = "".join(ch for ch in number if ch.isdigit())
        if not any(d.endswith(digits[-10:]) for d in listed_digits):
            national.append({"name": name, "number": number, "note": note})
    return {"services": rows, "national": national}


def data_stamp() -> str:
    """Changes whenever something a guide prints changes (edits, publication, removal); for cache keys."""
    services = selectors.public_services().aggregate(last=Max("updated_at"), count=Count("pk"))
    organizations = Organization.objects.aggregate(last=Max("updated_at"), count=Count("pk"))
    places = ServiceAtLocation.objects.count()
    return f"{services['last']}|{services['count']}|{organizations['last']}|{organizations['count']}|{places}"
