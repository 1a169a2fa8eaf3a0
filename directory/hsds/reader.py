"""Read anyone's HSDS 3.0/3.1 data from disk into flat tables: a tabular data package (CSV files, with or without
a usable datapackage.json) or HSDS JSON (full objects, lists of any object type, API pages). Every file and every
top-level object is typed by its content — its fields against the HSDS schemas — never by its file name. Every
row remembers where it came from (file, row or object and nested path) for error reports; what could not be read
is said in `Package.warnings`."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from functools import cache
from pathlib import Path

from . import mapping as m

# Nested JSON keys and the table their objects belong to: the databank's tables (mapping.NESTED) and the
# HSDS tables it does not hold yet, read so that the import can say what it did not keep.
NESTED = {
    **m.NESTED,
    "cost_options": "cost_option",
    "funding": "funding",
    "contacts": "contact",
    "service_areas": "service_area",
    "capacities": "service_capacity",
    "unit": "unit",
    "programs": "program",
    "program": "program",
    "organization_identifiers": "organization_identifier",
    "metadata": "metadata",
}
# Plural keys of a JSON wrapper object ({"services": […], "organizations": […]}).
PLURALS = {
    "services": "service",
    "organizations": "organization",
    "locations": "location",
    "service_at_locations": "service_at_location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}
# When two types fit an object equally well, the first of this order wins (a bare {id, name, description}
# is an organisation rather than a taxonomy; a bare {id, service_id, location_id} is a service at a place).
PREFERENCE = [
    "service",
    "organization",
    "location",
    "service_at_location",
    "taxonomy_term",
    "taxonomy",
    "phone",
    "address",
    "schedule",
    "attribute",
    "language",
    "accessibility",
    "required_document",
]
# Keys an object of the type may carry beyond its schema (organisations with nested services, as publishers
# and the HSDS API «full» organisation do).
EXTRA_KEYS = {"organization": {"services"}}


class PackageError(Exception):
    """The package cannot be read at all (not a row problem)."""


class Package(dict):
    """Table name -> rows, with the reader's warnings (files it could not use, how it typed them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []


@cache
def schemas() -> dict[str, tuple[frozenset, frozenset]]:
    """HSDS object type -> (its properties, its required properties), from the shipped JSON schemas."""
    found = {}
    for name in m.resources():
        schema = json.loads((m.SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        properties = frozenset(schema.get("properties", {})) | EXTRA_KEYS.get(name, set())
        found[name] = (properties, frozenset(schema.get("required", [])))
    return found


def classify(keys) -> str | None:
    """The HSDS type whose schema the keys fit best: most known keys, fewest unknown ones and missing required
    ones; ties go to `PREFERENCE`, then to the smaller schema. None when nothing fits (no `id` in common)."""
    keys = {k for k in keys if k and not k.startswith("_")}
    best, best_score = None, None
    for name, (properties, required) in schemas().items():
        known = len(keys & properties)
        if known == 0:
            continue
        score = (
            known - len(keys - properties) - len(required - keys),
            -PREFERENCE.index(name) if name in PREFERENCE else -len(PREFERENCE),
            known / len(properties),
        )
        if best_score is None or score > best_score:
            best, best_score = name, score
    if best is None or best_score[0] <= 0:
        return None
    return best


def read_package(path: Path) -> Package:
    path = Path(path)
    if not path.exists():
        raise PackageError(f"Путь не найден: {path}")
    if path.name == "datapackage.json" and not path.is_dir():
        path = path.parent
    if path.is_dir():
        if any(path.glob("*.csv")):
            return read_tabular(path)
        files = sorted(p for p in path.glob("*.json") if p.name != "datapackage.json")
        if not files:
            raise PackageError(f"В папке {path} нет ни datapackage.json, ни CSV, ни JSON-файлов HSDS.")
        return read_json(files)
    if path.suffix.lower() == ".json":
        return read_json([path])
    if path.suffix.lower() == ".csv":
        return read_tabular(path.parent, only=[path])
    raise PackageError(f"Неизвестный формат файла: {path.name}. Ожидается папка пакета HSDS или файл JSON.")


def _descriptor(directory: Path, warnings: list[str]) -> dict[str, str]:
    """Local file name -> table name from datapackage.json, when it is there and usable; said when it is not."""
    descriptor = directory / "datapackage.json"
    if not descriptor.exists():
        if descriptor.is_symlink():
            warnings.append("datapackage.json — ссылка на несуществующий файл: таблицы определены по заголовкам CSV.")
        else:
            warnings.append("datapackage.json нет: таблицы определены по заголовкам CSV.")
        return {}
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
        resources = package.get("resources", [])
        names = {}
        remote = []
        for resource in resources:
            where = str(resource.get("path") or "")
            if "://" in where:
                remote.append(where)
            elif where and resource.get("name"):
                names[Path(where).name] = str(resource["name"])
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
        warnings.append(f"datapackage.json не читается ({exc}): таблицы определены по заголовкам CSV.")
        return {}
    if remote:
        warnings.append(
            f"datapackage.json указывает на файлы по ссылкам ({len(remote)}, например {remote[0]}): ссылки не "
            "загружаются, прочитаны CSV-файлы папки, таблицы определены по заголовкам."
        )
    return names


def read_tabular(directory: Path, only: list[Path] | None = None) -> Package:
    tables = Package({table: [] for table in m.resources()})
    hints = _descriptor(directory, tables.warnings) if only is None else {}
    for path in only or sorted(directory.glob("*.csv")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = [name.strip() for name in reader.fieldnames or [] if name]
                table = classify(header)
                hint = hints.get(path.name)
                if table is None and hint in tables:
                    table = hint
                if table is None:
                    tables.warnings.append(
                        f"{path.name}: заголовок ({', '.join(header[:8])}) не похож ни на одну таблицу HSDS 3.1 — "
                        "файл не загружен."
                    )
                    continue
                if hint and hint != table:
                    tables.warnings.append(
                        f"{path.name}: в datapackage.json назван «{hint}», но по заголовку это «{table}» — "
                        f"прочитан как «{table}»."
                    )
                for number, row in enumerate(reader, start=2):
                    clean = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
                    clean = {k: v for k, v in clean.items() if v not in ("", None)}
                    clean["_where"] = f"{path.name}, строка {number}"
                    tables[table].append(clean)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PackageError(f"Файл {path.name} не читается как CSV в UTF-8: {exc}") from exc
    return tables


def read_json(files: list[Path]) -> Package:
    tables: dict[str, list[dict]] = defaultdict(list)
    seen: dict[str, dict[str, dict]] = defaultdict(dict)
    warnings: list[str] = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PackageError(f"Файл {path.name} не читается как JSON: {exc}") from exc
        if isinstance(data, dict) and isinstance(data.get("contents"), list):  # an HSDS API page
            data = data["contents"]
        if isinstance(data, dict) and "id" not in data and any(isinstance(data.get(k), list) for k in PLURALS):
            groups = [(PLURALS.get(key), value) for key, value in data.items() if isinstance(value, list)]
        else:
            groups = [(None, data if isinstance(data, list) else [data])]
        number = 0
        for typed, items in groups:
            for item in items:
                number += 1
                where = f"{path.name}, объект {number}"
                if not isinstance(item, dict):
                    warnings.append(f"{where}: не объект JSON — пропущен.")
                    continue
                table = typed or classify(item)
                if table is None:
                    fields = ", ".join(list(item)[:8])
                    warnings.append(f"{where}: поля ({fields}) не похожи ни на один объект HSDS 3.1 — пропущен.")
                    continue
                _flatten(item, table, None, None, where, tables, seen)
    package = Package({table: tables.get(table, []) for table in m.resources()})
    package.warnings = warnings
    return package


def _flatten(obj, table, parent_table, parent_id, where, tables, seen) -> str | None:
    row = {k: v for k, v in obj.items() if not isinstance(v, list | dict) and v not in (None, "")}
    columns = schemas()[table][0]
    if parent_table and parent_id:
        link = f"{parent_table}_id"
        if link in columns and not row.get(link):
            row[link] = parent_id
        if table == "attribute":
            row.setdefault("link_id", parent_id)
            row.setdefault("link_entity", parent_table)
    for key, value in obj.items():
        child_table = NESTED.get(key)
        if child_table is None or table == "metadata":
            continue
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if not isinstance(child, dict):
                continue
            path = f"{where} → {key}" + (f"[{index + 1}]" if isinstance(value, list) else "")
            child_id = _flatten(child, child_table, table, row.get("id"), path, tables, seen)
            # a nested single object is the parent's reference (service.organization, sal.location…)
            reference = {
                "organization": "organization_id",
                "location": "location_id",
                "taxonomy_term": "taxonomy_term_id",
                "taxonomy_detail": "taxonomy_id",
                "program": "program_id",
                "unit": "unit_id",
            }.get(key)
            if reference and child_id and not row.get(reference):
                row[reference] = child_id
    row_id = row.get("id")
    if row_id and row_id in seen[table]:
        existing = seen[table][row_id]
        for key, value in row.items():
            existing.setdefault(key, value)
        return row_id
    row["_where"] = where
    tables[table].append(row)
    if row_id:
        seen[table][row_id] = row
    return row_id
