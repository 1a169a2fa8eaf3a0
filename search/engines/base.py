"""The contract every search engine fulfils: one call in, one `Results` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from directory import selectors
from directory.models import ServiceAtLocation


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    label: str = ""
    radius_km: float | None = None  # when set, only places within this distance are found


@dataclass
class Hit:
    card: Any  # search.cards.Card: what a result card shows, as plain values
    score: float = 0.0
    distance_km: float | None = None
    snippet: str = ""  # HTML-safe text with the matched words in <mark>, when there is a text query
    _row: Any = field(default=None, repr=False, compare=False)

    @property
    def pk(self) -> int:
        """The service at location's id."""
        return self.card.id

    @property
    def service_at_location(self):
        """The model row, for code that needs more than the card: read on first use (a query per hit; see
        `search.cards.with_rows` for a page at once)."""
        if self._row is None:
            self._row = selectors.hydrate(ServiceAtLocation.objects.filter(pk=self.card.id)).get()
        return self._row


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    query: str = ""
    query_run: str = ""
    engine: str = "database"
    sort: str = ""
    corrected: bool = False  # query_run differs from what was typed («Показаны результаты по запросу …»)
    suggestion: str = ""  # «Возможно, вы имели в виду …»
    fallback: bool = False  # the configured engine was down; the database answered
    # `search.services`: when every word together found nothing, the words the results were found by
    # («По всем словам ничего нет. Показаны результаты по словам …»), as typed.
    relaxed_words: list[str] = field(default_factory=list)
    strict_total: int | None = None  # with `relaxed_words`: what every word together found (0)
    crisis: bool = False  # the query signals danger to life or to a child: the crisis block comes first
    needs_place: bool = False  # «по расстоянию» was asked without a place: the page asks for one

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def end_index(self) -> int:
        return min(self.page * self.per_page, self.total)


class Engine(Protocol):
    # Each engine repeats this signature (search/engines/database.py, distributed.py): a Protocol is structural.
    name: str

    def search(
        self,
        *,
        query: str,
        filters: dict,
        near: GeoPoint | None,
        sort: str,
        page: int,
        per_page: int,
        # «any»: at least one word of the query, more words found ranking first; a number: at least that many words
        match: str | int = "all",
        # only services with a word of the query (or its synonym) in the name or the kinds of help: what «by
        # distance» lists, so that the nearest weak match does not come first (`search.services.forgiving_search`)
        focus: bool = False,
    ) -> Results: ...


# Filters that choose places rather than services: with one of them, every place found is an answer of its own.
PLACE_FILTERS = ("municipality", "settlement", "accessible", "open_now")


def once_per_service(cleaned: dict, near: GeoPoint | None) -> bool:
    """Whether a list by relevance shows each service once before any of its other places: not when the family
    chose places (a district, a settlement, a radius, «open now», step-free access) — then each place counts."""
    return not (near is not None and near.radius_km) and not any(cleaned.get(name) for name in PLACE_FILTERS)
