"""The keys of a search row and the postings (`SearchPosting`: key → the set of rows that have it) kept in step.

`search.rows` calls `row_keys` for the rows it removes and writes and `apply` with the difference, in the same
transaction; `write_all` after a rebuild. The database engine reads the postings (`read`, `search.snapshot`).

A key's set is stored in blocks of `BLOCK` positions (one database row each, at most 512 bytes; a block with no
row in it is not stored): an edit rewrites the few small blocks of its rows, never a whole set of kilobytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from . import bitsets, bulk
from .models import SearchPosting, SearchRow

ROW = "x:row"  # every row of the table
KEY_LENGTH = SearchPosting._meta.get_field("key").max_length
BATCH = 500
BLOCK = 4096  # positions per stored block
DELIVERY_MODES = ("in_person", "phone", "online", "home_visit")


def text_key(word: str) -> str:
    return f"t:{word}"


def name_key(word: str) -> str:
    return f"n:{word}"


def row_keys(row: SearchRow, search_text: str) -> set[str]:
    """Every key the row is found by: the words of its text and of its name, and its filter and facet values."""
    keys = {ROW}
    keys.update(text_key(word) for word in search_text.split())
    keys.update(name_key(word) for word in row.search_name.split())
    for prefix, value in (("m", row.municipality_id), ("s", row.settlement_id), ("p", row.provider_type_id)):
        if value is not None:
            keys.add(f"{prefix}:{value}")
    keys.update(f"g:{pk}" for pk in row.target_groups)
    keys.update(f"c:{pk}" for pk in row.categories)
    keys.update(f"b:{pk}" for pk in row.buckets)
    keys.update(f"d:{mode}" for mode in DELIVERY_MODES if getattr(row, f"delivery_{mode}"))
    if row.free:
        keys.add("x:free")
    if row.accessible:
        keys.add("x:accessible")
    return {key for key in keys if len(key) <= KEY_LENGTH}  # a «word» of 200 letters is not one anybody types


def _kind(key: str) -> str:
    return key[0] if key[0] in (SearchPosting.Kind.TEXT, SearchPosting.Kind.NAME) else SearchPosting.Kind.FACET


def read(postings) -> dict[str, int]:
    """Whole sets from the blocks of a `SearchPosting` queryset."""
    found: dict[str, int] = {}
    for key, block, bits in postings.values_list("key", "block", "bits"):
        found[key] = found.get(key, 0) | bitsets.decode(bits) << (block * BLOCK)
    return found


def _blocks(positions: Iterable[int]) -> dict[int, list[int]]:
    """Positions grouped by block, as positions within the block, ascending."""
    blocks: dict[int, list[int]] = {}
    for position in sorted(positions):
        blocks.setdefault(position // BLOCK, []).append(position % BLOCK)
    return blocks


def apply(changes: dict[str, list[set[int]]]) -> None:
    """`changes`: key → [positions to add, positions to remove]. Blocks left with no row are deleted."""
    touched: dict[tuple[str, int], list[set[int]]] = {}
    for key, (added, removed) in changes.items():
        if added == removed:  # a row written again with the same key
            continue
        for block, positions in _blocks(added).items():
            touched.setdefault((key, block), [set(), set()])[0].update(positions)
        for block, positions in _blocks(removed - added).items():
            touched.setdefault((key, block), [set(), set()])[1].update(positions)
    pairs = sorted(touched)
    table = connection.ops.quote_name(SearchPosting._meta.db_table)
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        existing = {
            (key, block): bits
            for key, block, bits in SearchPosting.objects.filter(
                key__in={key for key, _ in chunk}, block__in={block for _, block in chunk}
            ).values_list("key", "block", "bits")
        }
        updated, created, emptied = [], [], []
        for key, block in chunk:
            added, removed = touched[(key, block)]
            bits = bitsets.decode(existing.get((key, block)))
            bits = (bits & ~bitsets.from_positions(removed)) | bitsets.from_positions(added)
            if (key, block) not in existing:
                if bits:
                    created.append((_kind(key), key, block, bitsets.encode(bits)))
            elif bits:
                updated.append((bitsets.encode(bits), key, block))
            else:
                emptied.append((key, block))
        # Plain statements: `bulk_update` writes a CASE over every value.
        with connection.cursor() as cursor:
            if updated:
                cursor.executemany(f"UPDATE {table} SET bits = %s WHERE key = %s AND block = %s", updated)
            if created:
                cursor.executemany(f"INSERT INTO {table} (kind, key, block, bits) VALUES (%s, %s, %s, %s)", created)
            if emptied:
                cursor.executemany(f"DELETE FROM {table} WHERE key = %s AND block = %s", emptied)


def changes_of(removed: Iterable[tuple[int, set[str]]], added: Iterable[tuple[int, set[str]]]) -> dict:
    """The difference to `apply` when rows (position, keys) are removed and rows are written."""
    changes: dict[str, list[set[int]]] = {}
    for position, keys in removed:
        for key in keys:
            changes.setdefault(key, [set(), set()])[1].add(position)
    for position, keys in added:
        for key in keys:
            changes.setdefault(key, [set(), set()])[0].add(position)
    return changes


def write_all(rows: Iterable[tuple[int, set[str]]]) -> int:
    """Every posting from scratch (the table is empty): `rows` are (position, keys). Returns the number of keys."""
    found: dict[str, list[int]] = {}
    for position, keys in rows:
        for key in keys:
            found.setdefault(key, []).append(position)
    postings = [
        SearchPosting(kind=_kind(key), key=key, block=block, bits=bitsets.encode_positions(positions))
        for key, all_positions in found.items()
        for block, positions in _blocks(all_positions).items()
    ]
    bulk.insert(SearchPosting, postings)
    return len(found)
