"""Read an HSDS package from disk into flat tables: a tabular data package (CSV + datapackage.json, 3.0 or
3.1) or HSDS JSON (lists of nested objects). Every row remembers where it came from for error reports."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from . import mapping as m

JSON_TOP = {
    "services": "service",
    "organizations": "organization",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
    "service_at_locations": "service_at_location",
    "locations": "location",
}


class PackageError(Exception):
    """The package cannot be read at all (not a row problem)."""


def read_package(path: Path) -> dict[str, list[dict]]:
    path = Path(path)
    if not path.exists():
        raise PackageError(f"Путь не найден: {path}")
    if path.is_file() and path.name == "datapackage.json":
        path = path.parent
    if path.is_dir():
        if (path / "datapackage.json").exists() or any(path.glob("*.csv")):
            return read_tabular(path)
        files = sorted(path.glob("*.json"))
        if not files:
            raise PackageError(f"В папке {path} нет ни datapackage.json, ни CSV, ни JSON-файлов HSDS.")
        return read_json(files)
    if path.suffix.lower() == ".json":
        return read_json([path])
    raise PackageError(f"Неизвестный формат файла: {path.name}. Ожидается папка пакета HSDS или файл JSON.")


def _table_files(directory: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    descriptor = directory / "datapackage.json"
    if descriptor.exists():
        try:
            package = json.loads(descriptor.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PackageError(f"datapackage.json не читается: {exc}") from exc
        for resource in package.get("resources", []):
            if resource.get("name") in m.TABLES and resource.get("path"):
                files[resource["name"]] = directory / resource["path"]
    for table in m.TABLES:
        files.setdefault(table, directory / m.resources()[table]["path"])
    for alias, table in m.FILE_ALIASES.items():
        if not files[table].exists() and (directory / alias).exists():
            files[table] = directory / alias
    return {table: path for table, path in files.items() if path.exists()}


def read_tabular(directory: Path) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {table: [] for table in m.TABLES}
    for table, path in _table_files(directory).items():
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for number, row in enumerate(csv.DictReader(handle), start=2):
                    clean = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
                    clean = {k: v for k, v in clean.items() if v not in ("", None)}
                    clean["_where"] = f"{path.name}, строка {number}"
                    tables[table].append(clean)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PackageError(f"Файл {path.name} не читается как CSV в UTF-8: {exc}") from exc
    return tables


def read_json(files: list[Path]) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = defaultdict(list)
    seen: dict[str, dict[str, dict]] = defaultdict(dict)
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PackageError(f"Файл {path.name} не читается как JSON: {exc}") from exc
        top = JSON_TOP.get(path.stem)
        if isinstance(data, dict) and "contents" in data:  # an HSDS API page
            data = data["contents"]
        items = data if isinstance(data, list) else [data]
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                continue
            table = top or ("service" if "status" in item else "organization")
            _flatten(item, table, None, None, f"{path.name}, объект {number}", tables, seen)
    return {table: tables.get(table, []) for table in m.TABLES}


def _flatten(obj, table, parent_table, parent_id, where, tables, seen) -> str | None:
    row = {k: v for k, v in obj.items() if not isinstance(v, list | dict) and v not in (None, "")}
    if parent_table and parent_id:
        link = f"{parent_table}_id"
        if link in m.columns(table) and not row.get(link):
            row[link] = parent_id
        if table == "attribute":
            row.setdefault("link_id", parent_id)
            row.setdefault("link_entity", parent_table)
    for key, value in obj.items():
        child_table = m.NESTED.get(key)
        if child_table is None:
            continue
        for child in value if isinstance(value, list) else [value]:
            if not isinstance(child, dict):
                continue
            child_id = _flatten(child, child_table, table, row.get("id"), where, tables, seen)
            # a nested single object is the parent's reference (service.organization, sal.location…)
            reference = {"organization": "organization_id", "location": "location_id"}.get(key)
            if key == "taxonomy_term":
                reference = "taxonomy_term_id"
            elif key == "taxonomy_detail":
                reference = "taxonomy_id"
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
