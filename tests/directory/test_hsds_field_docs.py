"""docs/data-exchange.md says, for every field of HSDS 3.1, what the import does with it; these tests keep that
section in step with the schemas and the importer (no database)."""

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from directory.hsds import importer
from directory.hsds import mapping as m
from directory.hsds.importer import KEPT_FIELDS, NOT_KEPT, OWNERS
from directory.hsds.reader import NESTED

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-exchange.md"
SECTION = "## HSDS 3.1 fields: what the databank keeps"
KEPT, MAPPED = "kept", "mapped"
REPORTED, SILENT = "not kept (reported)", "not kept (not reported)"
# The tables the importer reads without `KEPT_FIELDS` (so without a warning per field), and the fields it reads
# there: `Importer._taxonomy_key` and `report_unplaced` (taxonomy), `Importer.taxonomy_term`, `_reference` and
# `_parents_first` (taxonomy_term), `Importer.index` and `Importer.service` (cost_option, a `NOT_KEPT` table).
READ_ELSEWHERE = {
    "taxonomy": {"id", "name"},
    "taxonomy_term": {"id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_id"},
    "cost_option": {"service_id", "amount", "option", "currency"},
}
# Fields `KEPT_FIELDS` accepts (so no warning names them) that the importer never reads.
UNREAD_KEPT = {("location", "location_type"), ("address", "address_type"), ("attribute", "link_type")}
ROW = re.compile(r"^\| `(?P<field>[^`]+)` \| (?P<status>[^|]+?) \| (?P<what>.+) \|$")


@cache
def documented() -> dict[str, dict]:
    """Table -> {"rows": [(field, status, what)], "nested": text of its «Nested» line} from the doc's section."""
    text = DOC.read_text(encoding="utf-8")
    assert text.count(SECTION) == 1, f"{DOC.name} has no single section «{SECTION}»"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict] = {}
    current = None
    for line in section.splitlines():
        heading = re.fullmatch(r"### `(\w+)`", line)
        if heading:
            current = heading.group(1)
            assert current not in tables, f"table {current} listed twice"
            tables[current] = {"rows": [], "nested": ""}
        elif current and (row := ROW.match(line)):
            tables[current]["rows"].append((row["field"], row["status"], row["what"]))
        elif current and line.startswith("Nested: "):
            tables[current]["nested"] = line
    return tables


def properties(table: str) -> dict[str, dict]:
    return m.schema(table)["properties"]


def scalars(table: str) -> set[str]:
    return {name for name, spec in properties(table).items() if not nested(spec)}


def nested(spec: dict) -> bool:
    return "$ref" in spec or spec.get("type") in ("array", "object")


def statuses(table: str) -> dict[str, str]:
    return {name: status for name, status, _what in documented()[table]["rows"]}


def test_every_hsds_table_is_listed_once():
    assert len(m.all_tables()) == 24
    assert sorted(documented()) == sorted(m.all_tables())


def test_every_table_is_read_or_reported():
    assert set(m.all_tables()) == set(KEPT_FIELDS) | set(NOT_KEPT) | {"taxonomy", "taxonomy_term"}
    assert set(m.TABLES) == set(KEPT_FIELDS) | {"taxonomy", "taxonomy_term"}
    assert not set(KEPT_FIELDS) & set(NOT_KEPT)


@pytest.mark.parametrize("table", m.all_tables())
def test_every_scalar_field_appears_exactly_once(table):
    fields = Counter(name for name, _status, _what in documented()[table]["rows"])
    assert {name: count for name, count in fields.items() if count > 1} == {}
    assert set(fields) == scalars(table)


@pytest.mark.parametrize("table", m.all_tables())
def test_statuses_and_targets(table):
    for name, status, what in documented()[table]["rows"]:
        assert status in (KEPT, MAPPED, REPORTED, SILENT), f"{table}.{name}: unknown status «{status}»"
        assert what.strip(), f"{table}.{name}: says nothing about what it becomes"
        if status == KEPT:
            assert re.search(r"`[A-Z]\w+\.\w+`", what), f"{table}.{name}: kept in which Model.field?"


@pytest.mark.parametrize("table", sorted(KEPT_FIELDS))
def test_kept_and_mapped_fields_are_those_of_kept_fields(table):
    assert KEPT_FIELDS[table] - OWNERS <= scalars(table), "KEPT_FIELDS names a field HSDS 3.1 does not have"
    read = (KEPT_FIELDS[table] & scalars(table)) - {name for t, name in UNREAD_KEPT if t == table}
    status = statuses(table)
    assert {name for name, s in status.items() if s in (KEPT, MAPPED)} == read
    assert {name for name, s in status.items() if s == SILENT} == {name for t, name in UNREAD_KEPT if t == table}
    # every other field with a value is named in the table's warning (Importer.report_fields)
    assert {name for name, s in status.items() if s == REPORTED} == scalars(table) - KEPT_FIELDS[table]


@pytest.mark.parametrize("table", sorted(NOT_KEPT))
def test_fields_of_tables_not_held_are_not_kept(table):
    read = READ_ELSEWHERE.get(table, set())
    status = statuses(table)
    assert {name for name, s in status.items() if s == MAPPED} == read
    # the rest are counted in the table's one warning (Importer.report_unplaced)
    assert {name for name, s in status.items() if s == REPORTED} == set(status) - read


@pytest.mark.parametrize("table", ["taxonomy", "taxonomy_term"])
def test_taxonomy_fields(table):
    status = statuses(table)
    assert {name for name, s in status.items() if s == MAPPED} == READ_ELSEWHERE[table]
    assert {name for name, s in status.items() if s == SILENT} == set(status) - READ_ELSEWHERE[table]


def test_fields_kept_fields_accepts_without_reading_are_unread():
    source = Path(importer.__file__).read_text(encoding="utf-8")
    for table, name in sorted(UNREAD_KEPT):
        assert name in KEPT_FIELDS[table]
        assert source.count(f'"{name}"') == 1, f"{table}.{name} is read now: document what it becomes"


@pytest.mark.parametrize("table", m.all_tables())
def test_nested_arrays_and_objects_are_named(table):
    expected = {name for name, spec in properties(table).items() if nested(spec)}
    line = documented()[table]["nested"]
    assert set(re.findall(r"`(\w+)`", line)) == expected
    unread = line.split("not read", 1)[1] if "not read" in line else ""
    assert set(re.findall(r"`(\w+)`", unread)) == {name for name in expected if name not in NESTED}
