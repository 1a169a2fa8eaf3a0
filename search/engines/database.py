"""The embedded engine, on the database's own full-text index: FTS5 on SQLite, `tsvector` + GIN on PostgreSQL.

The search table (`search.rows`) holds one row per published service at a location with the lemmas of its name
and text (pymorphy3 on both sides, `search.text`, so «ребёнка», «детей» and «ребёнок» meet) and its filter and
facet keys. A search is one statement — the matched rows are read once, into `m`, with their score and a flag per
active filter; the facets, the total and the page come from `m` — then the cards (`search.cards`). The words'
counts of the whole table, which weigh them, are kept for minutes (`word_counts`).

Text: every query lemma (or one of its synonyms, every word of it) must start a word of the lemma text —
`'lemma':*` in a tsquery, `"lemma"*` in FTS5. Ranking, as the distributed engines do it: each word found counts
`MATCHED` (more words found always rank first) and, times the word's weight (a rare word says more), 4 more when
it starts a word of the name, 3 for a synonym there, 2 when it names one of the service's kinds of help, 1
elsewhere in the text; then the order of names. A list by relevance shows each service name once before its
other places (`once_per_service`).

Facets are disjunctive: each is counted with the *other* active filters, grouped over the matched rows' keys
(`unnest()` on PostgreSQL, `json_each()` on SQLite). On PostgreSQL the words' rows are taken through the GIN
index, never by reading the table (`index_first`).

Distance: the sphere orders the rows in SQL, geopy's geodesic (`search.geometry`) decides the page's order near
its edge and every radius near its border; a radius is first a bounding box on the indexed coordinates.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager

from django.db import connection, transaction

from core import page_cache
from directory import selectors
from directory.filters import DirectoryFilterSet
from directory.models import ServiceAtLocation

from .. import cards, geometry, references
from ..facets import facet_values
from ..geometry import DEGREE, SPHERE_MARGIN, box, decisive_keys, geodesic_km, key_km, km_key
from ..models import SearchRow
from ..query import ParsedQuery
from ..query import parse as parse_query
from ..text import match_prefix
from .base import GeoPoint, Results, once_per_service

TABLE = SearchRow._meta.db_table
MATCHED = 1000  # the score of a query word found at all: above any sum of where and how rare
KEYED = {"target_group": "g", "municipality": "m", "settlement": "s", "provider_type": "p"}
FLAGS = {"free": "x:free", "accessible": "x:accessible"}
FACET_PREFIX = {"category": "b", **KEYED, "delivery": "d"}
TRUE, FALSE = ("1 = 1", []), ("1 = 0", [])
LONG_KEY_LIST = 8  # more keys than this (a kind of help and its descendants): a hashed set of rows
KEPT_SECONDS = 60

WORD_COUNTS_SECONDS = 600

_kept = threading.local()  # the query-less page's counts, the «open now» condition (`_kept_for`)
_word_counts = threading.local()  # the words' row counts (`word_counts`)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def word_counts() -> dict:
    """The words' row counts (`Words.weights`), kept by this thread for `WORD_COUNTS_SECONDS` whatever the edits:
    an edit moves a word's share of the databank by a row, not from «rare» to «common», and counting a common
    word again after every edit would be the first search's stall."""
    key = (str(connection.settings_dict["NAME"]), int(time.monotonic() // WORD_COUNTS_SECONDS))
    if getattr(_word_counts, "key", None) != key:
        _word_counts.key, _word_counts.data = key, {}
    return _word_counts.data


def forget() -> None:
    """Forget what the threads keep (tests whose rows are rolled back)."""
    global _kept, _word_counts
    _kept, _word_counts = threading.local(), threading.local()


def _kept_for(generation: int) -> dict:
    """What this thread keeps of the table: forgotten when the databank changes (the public pages' generation,
    `core.page_cache`, bumped by every write through `search.sync`) and at least every `KEPT_SECONDS` (a
    deployment without a shared cache has a generation of its own in each process)."""
    key = (str(connection.settings_dict["NAME"]), generation, int(time.monotonic() // KEPT_SECONDS))
    if getattr(_kept, "key", None) != key:
        _kept.key, _kept.data = key, {}
    return _kept.data


@contextmanager
def index_first(words):
    """PostgreSQL's planner takes a common word's rows (a fifth of the table) by reading the whole table, unaware
    that `@@` then reads every row's text vector from TOAST: 10× slower at 50,000 rows than the GIN index's bitmap,
    which needs no vector at all. A search with words tells it to use the indexes, for its own statements only
    (`set_config(…, true)` lasts until the end of the transaction; an outer one gets its setting back)."""
    if words is None or not _postgresql():
        yield
        return
    outer = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        before = cursor.fetchone()[0]
        yield
        if outer:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


# ---------------------------------------------------------------------------------------------- conditions


def _and(*parts):
    parts = [part for part in parts if part is not TRUE]
    if not parts:
        return TRUE
    return " AND ".join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]


def _or(parts):
    parts = list(parts)
    if not parts:
        return FALSE
    return " OR ".join(f"({sql})" for sql, _ in parts), [p for _, params in parts for p in params]


def _words(alternatives: list[list[str]]) -> list[list[str]]:
    """Letters and digits only (an editor's synonym may hold anything): never the syntax of a text query."""
    cleaned = [[re.sub(r"\W+", "", word) for word in words] for words in alternatives]
    return [[word for word in words if word] for words in cleaned if any(words)]


def text_match(column: str, alternatives: list[list[str]]):
    """Rows where, for one of the alternatives, every word starts a word of the `name` or `text` lemma column."""
    alternatives = _words(alternatives)
    if not alternatives:
        return FALSE
    if _postgresql():
        query = " | ".join("(" + " & ".join(f"'{word}':*" for word in words) + ")" for words in alternatives)
        return f"r.{column}_vector @@ to_tsquery('simple', %s)", [query]
    query = " OR ".join("(" + " AND ".join(f'"{word}"*' for word in words) + ")" for words in alternatives)
    return "r.sal_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)", [f"search_{column} : ({query})"]


def keys_any(keys: list[str]):
    """Rows with at least one of these filter and facet keys."""
    if not keys:
        return FALSE
    if _postgresql():
        if len(keys) > LONG_KEY_LIST:  # `&&` compares each of the row's keys with each of these: a set of rows
            return f"r.sal_id IN (SELECT k.sal_id FROM {TABLE} k WHERE k.keys && %s::text[])", [sorted(keys)]
        return "r.keys && %s::text[]", [sorted(keys)]
    return "EXISTS (SELECT 1 FROM json_each(r.keys) AS k WHERE k.value IN (SELECT value FROM json_each(%s)))", [
        json.dumps(sorted(keys), ensure_ascii=False)
    ]


def among(sal_ids: list[int]):
    """Rows with these ids, as one parameter (SQLite allows at most 32,766 in a statement)."""
    if not sal_ids:
        return FALSE
    if _postgresql():
        return "r.sal_id = ANY(%s::bigint[])", [sal_ids]
    return "r.sal_id IN (SELECT value FROM json_each(%s))", [json.dumps(sal_ids)]


def open_now(kept: dict):
    """Rows open at this minute, by the directory's own rule (`selectors.open_now_q`) in a sub-select (kept for
    the minute: an edit of hours or holidays starts a new generation)."""
    minute = f"{selectors.local_now():%Y-%m-%dT%H:%M}"
    if kept.get("#open-sql", (None,))[0] != minute:
        # The rule's own condition on the row (its sub-selects of the day's hours are hashed once per statement).
        query = SearchRow.objects.filter(selectors.open_now_q(prefix="", location_field="location_id")).query
        sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
        kept["#open-sql"] = (minute, (sql.replace(f"{connection.ops.quote_name(TABLE)}.", "r."), list(params)))
    return kept["#open-sql"][1]


def filter_conditions(active: dict, kept: dict) -> dict:
    """One condition per active filter, as DirectoryFilterSet applies it to ServiceAtLocation."""
    taxonomy = references.get("taxonomy")
    conditions = {}
    for name, value in active.items():
        if name == "category":
            conditions[name] = keys_any([f"c:{pk}" for pk in taxonomy.descendants(c.pk for c in value)])
        elif name in KEYED:
            conditions[name] = keys_any([f"{KEYED[name]}:{item.pk}" for item in value])
        elif name == "delivery":
            conditions[name] = keys_any([f"d:{mode}" for mode in value])
        elif name in FLAGS:
            conditions[name] = keys_any([FLAGS[name]])
        elif name == "open_now":
            conditions[name] = open_now(kept)
        else:  # a filter this engine does not know yet
            raise ValueError(f"unknown filter {name}")
    return conditions


class Words:
    """The conditions of each query lemma: it starts a word of the name, it or a synonym does, one of them names
    a kind of help of the row, one of them starts a word of the text."""

    def __init__(self, parsed: ParsedQuery, match: str | int = "all"):
        taxonomy = references.get("taxonomy")
        self.lemmas = parsed.lemmas
        self.match = match
        # Every matched row has every word in its text: the score need not read the text again.
        self.every = match == "all" or (isinstance(match, int) and match >= len(parsed.lemmas))
        self.expanded = set(parsed.expansions)
        self.per_lemma = []
        for lemma in parsed.lemmas:
            alternatives = parsed.alternatives(lemma)
            words = [[match_prefix(word) for word in alternative.split()] for alternative in alternatives]
            named: set[int] = set()
            for alternative in alternatives:
                named |= taxonomy.named(alternative.split())
            kinds = keys_any([f"c:{pk}" for pk in taxonomy.descendants(named)]) if named else FALSE
            exact = text_match("name", [[match_prefix(lemma)]])
            self.per_lemma.append((exact, text_match("name", words), kinds, text_match("text", words)))

    def matched(self):
        """Rows with every word («all»), with at least one («any»), or with at least `match` of them."""
        match = self.match
        texts = [sets[3] for sets in self.per_lemma]
        if match == "any":
            return _or(texts)
        if isinstance(match, int) and match < len(texts):
            found = " + ".join(f"(CASE WHEN {sql} THEN 1 ELSE 0 END)" for sql, _ in texts)
            return f"{found} >= %s", [p for _, params in texts for p in params] + [max(1, match)]
        return _and(*texts)

    def focused(self):
        """Rows with a word of the query (or a synonym) in the name or in the name of a kind of help."""
        return _or(part for _exact, name, kinds, _text in self.per_lemma for part in (name, kinds))

    def count_words(self, kept: dict) -> None:
        """Count, in one statement, the rows of each word `weights` needs and `kept` does not hold yet."""
        wanted = {repr(sets[3]): sets[3] for sets in self.per_lemma if sets[3][1] and repr(sets[3]) not in kept}
        if not wanted:
            return
        wanted["#rows"] = TRUE
        sql = " UNION ALL ".join(
            f"SELECT CAST(%s AS text), count(*) FROM {TABLE} r WHERE {sql}" for sql, _ in wanted.values()
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [p for key, (_sql, params) in wanted.items() for p in (key, *params)])
            kept.update(cursor.fetchall())

    def weights(self, kept: dict) -> list[int]:
        """How much each word says, 1 to 6: by the share of rows it is found in (a word most services have —
        «ребёнок», «помощь» — 1, a rare one — «логопед» — 4), 2 more for a word a dictionary expands (it carries
        the need: «нет еды», «ЦЗН»)."""
        rows = max(1, kept.get("#rows", 0))
        weights = []
        for lemma, (_exact, _name, _kinds, text) in zip(self.lemmas, self.per_lemma, strict=True):
            share = kept.get(repr(text), 0) / rows
            weight = 1 if share > 0.25 else 2 if share > 0.05 else 3 if share > 0.01 else 4
            weights.append(weight + 2 if lemma in self.expanded else weight)
        return weights

    def score(self, kept: dict):
        levels = []
        for (exact, name, kinds, text), weight in zip(self.per_lemma, self.weights(kept), strict=True):
            level = [MATCHED + n * weight for n in range(5)]
            # The name first (a row's name rarely has the word: one test for most rows), the text last — and
            # not at all when every matched row has every word.
            in_name = (f"CASE WHEN {exact[0]} THEN {level[4]} ELSE {level[3]} END", exact[1])
            if exact == name:
                in_name = (str(level[4]), [])
            text = TRUE if self.every else text
            sql = f"CASE WHEN {name[0]} THEN {in_name[0]} WHEN {_and(kinds, text)[0]} THEN {level[2]} "
            sql += f"WHEN {text[0]} THEN {level[1]} ELSE 0 END"
            levels.append((sql, [*name[1], *in_name[1], *_and(kinds, text)[1], *text[1]]))
        return " + ".join(sql for sql, _ in levels), [p for _, params in levels for p in params]


# ---------------------------------------------------------------------------------------------- distance


def sphere_sql(near: GeoPoint):
    """The haversine of the central angle to `near`, in SQL (as `search.geometry.sphere_key`)."""
    half = DEGREE / 2
    sql = (
        f"sin((r.latitude - %s) * {half}) * sin((r.latitude - %s) * {half}) + "
        f"cos(%s) * cos(r.latitude * {DEGREE}) * sin((r.longitude - %s) * {half}) * sin((r.longitude - %s) * {half})"
    )
    lat, lon = near.latitude, near.longitude
    return sql, [lat, lat, lat * DEGREE, lon, lon]


def within(near: GeoPoint, base):
    """The rows of `base` within `near.radius_km` (geodesic): a box on the coordinates, then the sphere, geopy
    only where the sphere could be wrong."""
    radius = near.radius_km
    _surely, maybe = decisive_keys(near.latitude, radius)
    lat_delta, lon_delta = box(near.latitude, key_km(maybe) + 0.001)
    sql, params = _and(base, ("r.latitude BETWEEN %s AND %s", [near.latitude - lat_delta, near.latitude + lat_delta]))
    if lon_delta < 180 and abs(near.longitude) + lon_delta < 180:
        sql, params = _and(
            (sql, params), ("r.longitude BETWEEN %s AND %s", [near.longitude - lon_delta, near.longitude + lon_delta])
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.sal_id, r.latitude, r.longitude FROM {TABLE} r WHERE {sql}", params)
        found = cursor.fetchall()
    return among(sorted(sal_id for _key, sal_id in geometry.within(near.latitude, near.longitude, radius, found)))


def nearest(near: GeoPoint, where, offset: int, limit: int) -> list[tuple[int, float | None]]:
    """The rows of `where` from `offset`, `limit` of them, by geodesic distance then name; rows without a public
    place last, by name. (sal_id, km or None) each."""
    needed = offset + limit
    key_sql, key_params = sphere_sql(near)
    sql, params = _and(where, ("r.latitude IS NOT NULL", []))
    fetch = needed + 20
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.sal_id, r.latitude, r.longitude, r.name, {key_sql} AS k FROM {TABLE} r "
                f"WHERE {sql} ORDER BY k, r.name, r.sal_id LIMIT %s",
                [*key_params, *params, fetch],
            )
            found = cursor.fetchall()
        if len(found) < fetch:  # every placed row
            break
        # Rows farther on the sphere than this cannot be nearer on the ellipsoid than the page's last row.
        reach = km_key(key_km(found[needed - 1][4]) * (1 + 2 * SPHERE_MARGIN) + 0.001)
        if found[-1][4] > reach:
            found = [row for row in found if row[4] <= reach]
            break
        fetch *= 4
    measured = sorted(
        (geodesic_km(near.latitude, near.longitude, lat, lon), name, sal_id) for sal_id, lat, lon, name, _key in found
    )
    window = [(sal_id, km) for km, _name, sal_id in measured[offset:needed]]
    if len(found) < needed:  # the page reaches the rows without a public place
        sql, params = _and(where, ("r.latitude IS NULL", []))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.sal_id FROM {TABLE} r WHERE {sql} ORDER BY r.name, r.sal_id LIMIT %s OFFSET %s",
                [*params, limit - len(window), max(0, offset - len(found))],
            )
            window += [(row[0], None) for row in cursor.fetchall()]
    return window


# ---------------------------------------------------------------------------------------------- engine


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
        kept = _kept_for(page_cache.current_generation())
        base = TRUE
        words = None
        if parsed.lemmas:
            words = Words(parsed, match)
            base = _and(base, words.matched(), words.focused() if focus else TRUE)
        filterset = DirectoryFilterSet(filters, queryset=ServiceAtLocation.objects.none())
        valid = filterset.form.is_valid()
        # The list applies every valid parameter; the facets, as they always did, only a fully valid form.
        listed = filter_conditions({name: value for name, value in filterset.form.cleaned_data.items() if value}, kept)
        cleaned = filterset.form.cleaned_data if valid else {}
        offset = (page - 1) * per_page
        order = None  # by distance: `nearest`
        with index_first(words):
            if words is not None and sort != "name":
                words.count_words(word_counts())
            if near is not None and near.radius_km:
                base = within(near, base)  # the rows themselves: their words are not matched again
            if sort != "distance" or near is None:
                order = self._order(
                    words if sort != "name" else None, once_per_service(filterset.form.cleaned_data, near)
                )
            total, facets, ids = self._counts(
                base, listed, cleaned, listed if valid else {}, kept, order, offset, per_page
            )
            distances: dict[int, float | None] = {}
            if order is None:
                window = nearest(near, _and(base, *listed.values()), offset, per_page)
                ids = [sal_id for sal_id, _km in window]
                distances = dict(window)
        shown = parsed.lemmas + [w for alts in parsed.expansions.values() for a in alts for w in a.split()]
        return Results(
            hits=cards.hits(ids, near=near, distances=distances, words=shown),
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
    def _order(words: Words | None, once: bool):
        """The page's order: by score (each name once first, with `once`), then by name; by name alone without
        words. (score SQL and parameters, ORDER BY of the rows `q`, the window numbering a name's places)."""
        if words is None:
            return ("0", []), "q.name, q.sal_id", ""
        score = words.score(word_counts())
        if once:
            return (
                score,
                "q.nth > 1, q.score DESC, q.name, q.sal_id",
                "ROW_NUMBER() OVER (PARTITION BY m.name ORDER BY m.sal_id)",
            )
        return score, "q.score DESC, q.name, q.sal_id", ""

    # ------------------------------------------------------------------ counts

    @staticmethod
    def _counts(base, listed: dict, cleaned: dict, conditions: dict, kept: dict, order, offset: int, limit: int):
        """The total of `base` with every listed filter, every facet's counts (the rows of `base` with the other
        facets' active filters, per value) and the page's ids in `order` — one statement. The query-less page's
        counts are kept for the minute: then only its page is read, by the name's index."""
        plain = base is TRUE and not listed
        minute = f"{selectors.local_now():%Y-%m-%dT%H:%M}"
        ids = []
        if plain and kept.get("#plain", (None,))[0] == minute:
            counts = kept["#plain"][1]
            if order is not None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT r.sal_id FROM {TABLE} r ORDER BY r.name, r.sal_id LIMIT %s OFFSET %s", [limit, offset]
                    )
                    ids = [row[0] for row in cursor.fetchall()]
        else:
            counts, ids = _count(base, listed, conditions, open_now(kept), order, offset, limit)
            if plain:  # the query-less page: the same counts until the table changes or the minute does
                kept["#plain"] = (minute, counts)
        total = counts.get("#total", 0)
        keys = {"category": "b:{}", **{name: prefix + ":{.pk}" for name, prefix in KEYED.items()}, "delivery": "d:{}"}
        keys |= {**FLAGS, "open_now": "#open"}
        facets = facet_values(cleaned, lambda name, value: counts.get(keys[name].format(value), 0))
        return total, facets, ids


def _count(base, listed: dict, conditions: dict, open_rows, order, offset: int, limit: int):
    """({key: count} of the facets, `#total` and `#open`; the page's ids in `order`, when there is one), in one
    statement: the matched rows are read once, into `m`, with a flag per listed filter and their score."""
    names = list(listed)
    columns = [(f"{sql} AS f{i}", params) for i, (sql, params) in enumerate(listed.values())]
    open_sql, open_params = open_rows
    columns.append((f"{open_sql} AS o", open_params))
    (score_sql, score_params), order_sql, nth = order if order is not None else (("0", []), None, "")
    columns.append((f"{score_sql} AS score", score_params))

    def flags(skip: str | None, among_names) -> str:
        parts = [f"m.f{names.index(name)}" for name in among_names if name != skip]
        return " AND ".join(parts) or "1 = 1"

    every = flags(None, names)
    others = flags(None, conditions)
    counted = [(prefix, flags(name, conditions)) for name, prefix in FACET_PREFIX.items()] + [("x", others)]
    # Without an active filter every key counts (the kinds' `c:` keys too, never asked for); else a simple CASE:
    # the key's prefix is taken once per key.
    counter = "count(*)"
    if any(sql != "1 = 1" for _prefix, sql in counted):
        cases = " ".join(f"WHEN '{prefix}' THEN CASE WHEN {sql} THEN 1 ELSE 0 END" for prefix, sql in counted)
        counter = f"SUM(CASE substr(k.value, 1, 1) {cases} ELSE 0 END)"
    elements = "unnest(m.keys) AS k(value)" if _postgresql() else "json_each(m.keys) AS k"
    base_sql, base_params = base
    sql = (
        f"WITH m AS MATERIALIZED (SELECT r.sal_id, r.name, r.keys, {', '.join(sql for sql, _ in columns)} "
        f"FROM {TABLE} r WHERE {base_sql}) "
        f"SELECT k.value, {counter}, CAST(NULL AS bigint) FROM m, {elements} GROUP BY k.value "
        f"UNION ALL SELECT '#total', SUM(CASE WHEN {every} THEN 1 ELSE 0 END), CAST(NULL AS bigint) FROM m "
        f"UNION ALL SELECT '#open', SUM(CASE WHEN {others} AND m.o THEN 1 ELSE 0 END), CAST(NULL AS bigint) FROM m"
    )
    page = []
    if order_sql is not None:
        numbered = f", {nth} AS nth" if nth else ""
        sql += (
            # Numbered after the page's top-N sort, in the order it gives.
            f" UNION ALL SELECT '#page', p.sal_id, ROW_NUMBER() OVER () FROM (SELECT q.sal_id FROM "
            f"(SELECT m.sal_id, m.name, m.score{numbered} FROM m WHERE {every}) q "
            f"ORDER BY {order_sql} LIMIT %s OFFSET %s) p"
        )
        page = [limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _, params in columns for p in params] + base_params + page)
        rows = cursor.fetchall()
    counts = {key: int(count or 0) for key, count, n in rows if n is None}
    ids = [sal_id for _key, sal_id, _n in sorted((row for row in rows if row[2] is not None), key=lambda row: row[2])]
    return counts, ids
