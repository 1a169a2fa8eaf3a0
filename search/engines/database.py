"""The embedded engine, on SQLite or PostgreSQL: an inverted index of bit sets kept in the database.

`search.rows` keeps one row per published service at a location (`SearchRow`) and, for every word of the
rows' lemma text and names and for every filter and facet value, the set of rows that have it
(`SearchPosting`, kept in step in the editing transaction). A search reads the postings of its words (one
statement), ANDs and ORs them with the filter and facet sets this process keeps (`search.snapshot`, read
again when the table changes) and counts bits: the cost no longer grows with the number of rows matched.

Text: every query lemma (or one of its synonyms) must start a word of the service's lemma text (the words of
the vocabulary with that beginning, OR-ed); a lemma found in the name weighs more. Dictionary forms come from
`pymorphy3` on both sides (`search.text`), so «ребёнка», «детей» and «ребёнок» meet.

Distance: the places of the rows, sorted by latitude, give a bounding box; the spherical (haversine) distance
decides, and the exact geodesic distance (geopy) where the sphere could disagree with the ellipsoid (a band
of ±1 % around the radius, and the rows near the last one of a page sorted by distance). The rows found,
their order and the distances shown are those of geopy.

Facets are disjunctive: each facet is counted with all the *other* active filters applied.
"""

from __future__ import annotations

from directory.filters import CHECKBOX_FACETS, DELIVERY_CHOICES, DirectoryFilterSet
from directory.models import ServiceAtLocation

from .. import bitsets, postings
from .. import snapshot as snapshots
from ..geometry import geodesic_km
from ..models import SearchPosting
from ..query import ParsedQuery
from ..query import parse as parse_query
from ..snapshot import Snapshot
from ..text import match_prefix
from .base import FacetValue, GeoPoint, Results, once_per_service

FACET_FIELDS = ("category", "target_group", "municipality", "settlement", "provider_type", "delivery")
# The facets and filters of many-valued fields: name → key prefix of their postings.
KEYED = {"target_group": "g", "municipality": "m", "settlement": "s", "provider_type": "p"}
FLAGS = {"free": "x:free", "accessible": "x:accessible"}
MATCHED = 1000  # the score of a query word found at all: above any sum of where and how rare (`Words.by_score`)


def _distance_km(point: GeoPoint, latitude, longitude) -> float | None:
    """Exact geodesic distance; rounded only where it is shown."""
    if latitude is None or longitude is None:
        return None
    return geodesic_km(point.latitude, point.longitude, float(latitude), float(longitude))


def _active(cleaned: dict) -> dict:
    return {name: value for name, value in cleaned.items() if value}


def _all(sets) -> int | None:
    """The intersection of bit sets; None for no set at all (no condition)."""
    result = None
    for bits in sets:
        result = bits if result is None else result & bits
    return result


# ---------------------------------------------------------------------------------------------- words


class Words:
    """The rows of each query word: as the word starts a word of the name, as it or a synonym does, and as it
    or a synonym starts a word of the text. One statement reads every posting the query needs."""

    def __init__(self, parsed: ParsedQuery, snap: Snapshot):
        self.parsed = parsed
        self.snap = snap
        wanted: set[str] = set()
        for lemma in parsed.lemmas:
            for alternative in parsed.alternatives(lemma):
                for word in alternative.split():
                    prefix = match_prefix(word)
                    wanted.update(postings.text_key(found) for found in snap.words(SearchPosting.Kind.TEXT, prefix))
                    wanted.update(postings.name_key(found) for found in snap.words(SearchPosting.Kind.NAME, prefix))
        self.postings = snapshots.text_postings(wanted)
        self.taxonomy = snap.reference("taxonomy")
        self.per_lemma = [self._sets(lemma) for lemma in parsed.lemmas]

    def _starting(self, kind: str, word: str) -> int:
        key = postings.text_key if kind == SearchPosting.Kind.TEXT else postings.name_key
        found_words = self.snap.words(kind, match_prefix(word))
        return bitsets.union(self.postings.get(key(found), 0) for found in found_words)

    def _alternatives(self, kind: str, lemma: str) -> int:
        result = 0
        for alternative in self.parsed.alternatives(lemma):
            result |= _all(self._starting(kind, word) for word in alternative.split()) or 0
        return result

    def _in_kinds(self, lemma: str) -> int:
        """Rows of the kinds of help the word (or a synonym) names: the categories named, and their descendants."""
        named: set[int] = set()
        for alternative in self.parsed.alternatives(lemma):
            named |= self.taxonomy.named(alternative.split())
        facets = self.snap.facets
        return bitsets.union(facets.get(f"c:{pk}", 0) for pk in self.taxonomy.descendants(named)) if named else 0

    def _sets(self, lemma: str) -> tuple[int, int, int, int]:
        exact_in_name = self._starting(SearchPosting.Kind.NAME, lemma)
        in_name = self._alternatives(SearchPosting.Kind.NAME, lemma)
        in_kinds = self._in_kinds(lemma)
        in_text = self._alternatives(SearchPosting.Kind.TEXT, lemma)
        return exact_in_name, in_name, in_kinds, in_text

    def matched(self, match: str | int = "all") -> int:
        """Rows with every word («all»), with at least one of them («any»: `search.services` asks for it when no
        row has them all), or with at least `match` of them."""
        texts = [sets[3] for sets in self.per_lemma]
        if match == "any":
            return bitsets.union(texts)
        if isinstance(match, int) and match < len(texts):
            at_least = [-1] + [0] * len(texts)  # at_least[j]: rows with j words or more among those seen so far
            for rows in texts:
                for j in range(len(texts), 0, -1):
                    at_least[j] |= at_least[j - 1] & rows
            return at_least[max(1, match)]
        return _all(texts) or 0

    def focused(self) -> int:
        """Rows with a word of the query (or a synonym) in the name or in the name of a kind of help."""
        return bitsets.union(in_name | in_kinds for _exact, in_name, in_kinds, _text in self.per_lemma)

    def weights(self) -> list[int]:
        """How much each query word says, 1 to 6: a word most services have («ребёнок», «помощь») weighs 1, a rare
        one («логопед», «нарколог») 4 — the inverse document frequency of its rows, in four steps — and a word the
        dictionaries expand 2 more."""
        rows = max(1, self.snap.rows.bit_count())
        found = []
        for lemma, sets in zip(self.parsed.lemmas, self.per_lemma, strict=True):
            share = sets[3].bit_count() / rows
            weight = 1 if share > 0.25 else 2 if share > 0.05 else 3 if share > 0.01 else 4
            # A word a dictionary expands carries the need («нет еды», «ЦЗН»); the words around it, the setting.
            found.append(weight + 2 if lemma in self.parsed.expansions else weight)
        return found

    def by_score(self, bits: int) -> list[tuple[int, int]]:
        """`bits` split by relevance, best first: each word found counts `MATCHED` (so that more words found always
        rank first), and, times the word's weight (`weights`), the word itself in the name 4 more, a synonym of it
        there 3, either in the name of one of the service's kinds of help 2, elsewhere in the text 1."""
        groups = {0: bits}
        for (exact_in_name, in_name, in_kinds, in_text), weight in zip(self.per_lemma, self.weights(), strict=True):
            in_kinds &= in_text & ~in_name
            levels = (
                (MATCHED + 4 * weight, exact_in_name),
                (MATCHED + 3 * weight, in_name & ~exact_in_name),
                (MATCHED + 2 * weight, in_kinds),
                (MATCHED + weight, in_text & ~in_name & ~in_kinds),
                (0, ~(in_text | in_name)),
            )
            scored: dict[int, int] = {}
            for score, rows in groups.items():
                for weight, level in levels:
                    part = rows & level
                    if part:
                        scored[score + weight] = scored.get(score + weight, 0) | part
            groups = scored
        return sorted(groups.items(), reverse=True)


# ---------------------------------------------------------------------------------------------- filters


def filter_sets(active: dict, snap: Snapshot) -> dict[str, int]:
    """One set of rows per active filter, as DirectoryFilterSet applies it to ServiceAtLocation."""
    facets = snap.facets
    conditions: dict[str, int] = {}
    for name, value in active.items():
        if name == "category":
            taxonomy = snap.reference("taxonomy")
            keys = [f"c:{pk}" for pk in taxonomy.descendants(c.pk for c in value)]
        elif name in KEYED:
            keys = [f"{KEYED[name]}:{item.pk}" for item in value]
        elif name == "delivery":
            keys = [f"d:{mode}" for mode in value]
        elif name in FLAGS:
            keys = [FLAGS[name]]
        elif name == "open_now":
            conditions[name] = snap.open_now()
            continue
        else:  # a filter this engine does not know yet
            raise ValueError(f"unknown filter {name}")
        conditions[name] = bitsets.union(facets.get(key, 0) for key in keys)
    return conditions


class DatabaseEngine:
    name = "database"

    def search(
        self,
        *,
        query: str,
        filters: dict,
        near: GeoPoint | None,
        sort: str,
        page: int,
        per_page: int,
        match: str | int = "all",
        focus: bool = False,
    ) -> Results:
        parsed = parse_query(query)
        snap = snapshots.current()
        base = snap.rows
        words = None
        if parsed.lemmas:
            words = Words(parsed, snap)
            base &= words.matched(match)
            if focus:
                base &= words.focused()
        places = None
        if near is not None and near.radius_km:
            places = snap.places_within(near.latitude, near.longitude, near.radius_km)
            base &= snap.rows_of(places)
        filterset = DirectoryFilterSet(filters, queryset=ServiceAtLocation.objects.none())
        valid = filterset.form.is_valid()
        # The list applies every valid parameter; the facets, as they always did, only a fully valid form.
        listed = filter_sets(_active(filterset.form.cleaned_data), snap)
        selection = base & (_all(listed.values()) if listed else base)
        total = selection.bit_count()
        cleaned = filterset.form.cleaned_data if valid else {}
        conditions = listed if valid else {}
        facets = self._facets(snap, base, cleaned, conditions)

        offset = (page - 1) * per_page
        distances: dict[int, float | None] = {}
        if sort == "distance" and near is not None:
            window = snap.nearest(near.latitude, near.longitude, selection, offset, per_page, places)
            positions = [position for position, _km in window]
            distances = {snap.sal_ids[position]: km for position, km in window}
        elif words is not None and sort != "name":
            groups = words.by_score(selection)
            if once_per_service(filterset.form.cleaned_data, near):
                repeated = snap.repeated_names(selection)
                groups = [(score, bits & ~repeated) for score, bits in groups] + [
                    (score, bits & repeated) for score, bits in groups
                ]
            positions = self._page(snap, groups, offset, per_page)
        else:
            positions = self._page(snap, [(0, selection)], offset, per_page)
        ids = [snap.sal_ids[position] for position in positions]
        from .. import cards  # the cards of the page (search.cards)

        # Cards only for rows still public: a row the table has not caught up with (a raw `QuerySet.update`
        # bypasses the signals) never shows a draft.
        shown = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
        hits = cards.hits(ids, near=near, distances=distances, words=shown)

        return Results(
            hits=hits,
            total=total,
            page=page,
            per_page=per_page,
            facets=facets,
            query=query,
            query_run=parsed.text,
            engine=self.name,
            corrected=parsed.corrected,
            suggestion=parsed.suggestion,
        )

    @staticmethod
    def _page(snap: Snapshot, groups: list[tuple[int, int]], offset: int, limit: int) -> list[int]:
        """Positions `offset` … `offset + limit` of the groups (best first), each group in the order of names."""
        page: list[int] = []
        for _score, bits in groups:
            count = bits.bit_count()
            if offset >= count:
                offset -= count
                continue
            page += snap.first_by_name(bits, offset + limit - len(page))[offset:]
            offset = 0
            if len(page) >= limit:
                break
        return page[:limit]

    # ------------------------------------------------------------------ facets

    def _facets(
        self, snap: Snapshot, base: int, cleaned: dict, conditions: dict[str, int]
    ) -> dict[str, list[FacetValue]]:
        """Every facet's counts: the rows of `base` with the other facets' active filters, per value."""
        selected = {name: {getattr(item, "code", item) for item in (cleaned.get(name) or [])} for name in FACET_FIELDS}
        facets_bits = snap.facets

        def others(skip: str | None) -> int:
            rows = base
            for name, bits in conditions.items():
                if name != skip:
                    rows &= bits
            return rows

        taxonomy = snap.reference("taxonomy")
        public = taxonomy.public
        # Buckets shown: the top-level groups and the kinds of help, and the selected categories.
        shown = [pk for pk in taxonomy.order if public[pk][2] is None and public[pk][0] != "other"]
        shown += [pk for pk in taxonomy.order if public[pk][0] in selected["category"] and pk not in shown]
        rows = others("category")
        facets: dict[str, list[FacetValue]] = {
            "category": [
                FacetValue(
                    public[pk][0],
                    public[pk][1],
                    (rows & facets_bits.get(f"b:{pk}", 0)).bit_count(),
                    public[pk][0] in selected["category"],
                )
                for pk in sorted(shown, key=lambda pk: (public[pk][3] != "kind", public[pk][4]))
            ]
        }
        for name, prefix in KEYED.items():
            rows = others(name)
            values = []
            for obj in snap.reference(name):
                count = (rows & facets_bits.get(f"{prefix}:{obj.pk}", 0)).bit_count() if rows else 0
                if count or obj.code in selected[name]:
                    values.append(FacetValue(obj.code, str(obj), count, obj.code in selected[name]))
            facets[name] = values
        rows = others("delivery")
        facets["delivery"] = [
            FacetValue(
                code, str(label), (rows & facets_bits.get(f"d:{code}", 0)).bit_count(), code in selected["delivery"]
            )
            for code, label in DELIVERY_CHOICES
        ]
        rows = others(None)
        for name in CHECKBOX_FACETS:
            flag = snap.open_now() if name == "open_now" else facets_bits.get(FLAGS[name], 0)
            facets[name] = [FacetValue("on", name, (rows & flag).bit_count(), bool(cleaned.get(name)))]
        return facets
