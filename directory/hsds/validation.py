"""Validation against the HSDS 3.1 JSON schemas shipped in `schema/` (jsonschema with a local registry:
the `$ref`s between the schema files never leave the repository)."""

from __future__ import annotations

import json
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .mapping import SCHEMA_DIR

BASE_URI = "https://schema.local/hsds/3.1/"


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        if path.name in {"openapi.json", "datapackage.json"}:
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((BASE_URI + path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one HSDS object: `service`, `organization`, `taxonomy_term`… (schema/<name>.json)."""
    return Draft202012Validator(
        {"$ref": BASE_URI + f"{name}.json"}, registry=registry(), format_checker=FormatChecker(["uuid", "email"])
    )


def errors(name: str, instance: dict) -> list[str]:
    """Schema violations of one object, as «path: message» lines (empty when valid)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '—'}: {error.message}" for error in found]


def validate_nested(objects: dict[str, list[dict]]) -> list[str]:
    """Validate the nested export (services, organisations, taxonomies, terms)."""
    problems = []
    for key, name in (
        ("services", "service"),
        ("organizations", "organization"),
        ("taxonomies", "taxonomy"),
        ("taxonomy_terms", "taxonomy_term"),
    ):
        for obj in objects.get(key, []):
            problems.extend(f"{key} {obj.get('id')}: {line}" for line in errors(name, obj))
    return problems


def validate_tables(tables: dict[str, list[dict]]) -> list[str]:
    """Validate every flat row of a tabular export against its object schema."""
    problems = []
    for table, rows in tables.items():
        for row in rows:
            plain = {k: float(v) if hasattr(v, "as_tuple") else v for k, v in row.items()}
            problems.extend(f"{table} {row.get('id')}: {line}" for line in errors(table, plain))
    return problems
