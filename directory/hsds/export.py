"""Export the public databank as HSDS 3.1: flat tables (the tabular package) and nested JSON.

Only what the public site shows is exported: published services, the organisations that have one, their
places. A confidential place (a shelter) keeps its district and «front door» phone, never its address,
coordinates or own phones. Nothing of the referral module is read here.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone

from directory.models import (
    Agency,
    Category,
    Location,
    Municipality,
    Organization,
    Phone,
    ProviderType,
    Service,
    ServiceAtLocation,
    TargetGroup,
)
from directory.selectors import public_services

from . import mapping as m

Tables = dict[str, list[dict]]


def _clean(row: dict) -> dict:
    """Drop empty optional values (HSDS leaves them out)."""
    return {k: v for k, v in row.items() if v not in (None, "")}


def _time(value) -> str:
    return value.strftime("%H:%M")


PRICE = re.compile(r"(?:\b(от|до)\s+)?(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)\s?(?:₽|руб\b)", re.IGNORECASE)


def price(note: str) -> int | None:
    """The amount of a paid service's payment note when it names exactly one price, not a bound («от 900 ₽»)."""
    found = PRICE.findall(note)
    if len(found) != 1 or found[0][0]:
        return None
    return int(re.sub(r"\D", "", found[0][1]))


def exported_services():
    return (
        public_services()
        .select_related("organization")
        .prefetch_related(
            "categories",
            "target_groups",
            "languages",
            Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
            Prefetch(
                "service_at_locations",
                queryset=ServiceAtLocation.objects.select_related("location__municipality").order_by("uuid"),
            ),
        )
        .order_by("uuid")
    )


def exported_organizations():
    ids = public_services().values("organization_id")
    return (
        Organization.objects.filter(pk__in=ids)
        .select_related("provider_type", "agency")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
            Prefetch(
                "locations",
                queryset=Location.objects.select_related("municipality", "settlement")
                .prefetch_related(
                    "schedules",
                    "schedule_exceptions",
                    Prefetch("phones", queryset=Phone.objects.order_by("sort_order", "pk")),
                )
                .order_by("uuid"),
            ),
        )
        .order_by("uuid")
    )


@dataclass
class ExportReport:
    """What the export could not fill honestly (`gaps`: a required value left empty) and what it filled from
    another field (`filled`), row by row; and why the tables without rows are empty."""

    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    gaps: list[dict] = dataclasses.field(default_factory=list)
    filled: list[dict] = dataclasses.field(default_factory=list)
    empty_tables: dict[str, str] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "hsds_version": m.HSDS_VERSION,
            "tables": self.counts,
            "empty_tables": self.empty_tables,
            "gaps": self.gaps,
            "filled": self.filled,
        }

    def gap_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for gap in self.gaps:
            counts[f"{gap['table']}.{gap['field']}"] += 1
        return dict(counts)


class Exporter:
    def __init__(self):
        self.tables: Tables = defaultdict(list)
        self.filled: list[dict] = []

    def add(self, table: str, row: dict) -> dict:
        row = _clean(row)
        self.tables[table].append(row)
        return row

    def attribute(self, entity: str, link_id: str, taxonomy: str, code: str) -> None:
        term = m.term_id(taxonomy, code)
        self.add(
            "attribute",
            {
                "id": m.derived_id("attribute", link_id, term),
                "link_id": link_id,
                "taxonomy_term_id": term,
                "link_type": taxonomy,
                "link_entity": entity,
            },
        )

    # ------------------------------------------------------------ taxonomies

    def taxonomies(self) -> None:
        for key, (name, description) in m.TAXONOMIES.items():
            self.add("taxonomy", {"id": m.taxonomy_id(key), "name": name, "description": description})
        for category in Category.objects.filter(is_public=True).select_related("parent").order_by("scheme", "code"):
            parent = category.parent
            self.term(
                category.scheme,
                category.code,
                category.name,
                category.description,
                parent=parent.code if parent is not None and parent.is_public else None,
            )
        for group in TargetGroup.objects.filter(is_public=True).order_by("code"):
            self.term("target_group", group.code, group.name, group.description)
        for provider_type in ProviderType.objects.order_by("code"):
            self.term("provider_type", provider_type.code, provider_type.name)
        for agency in Agency.objects.order_by("code"):
            self.term("agency", agency.code, agency.name)
        for municipality in Municipality.objects.order_by("code"):
            self.term("municipality", municipality.code, municipality.name, municipality.region)
        for code, (_field, name) in m.DELIVERY_TERMS.items():
            self.term("delivery", code, name)
        for code, name in m.COST_TERMS.items():
            self.term("cost", code, name)
        for code, name in m.FEATURE_TERMS.items():
            self.term("feature", code, name)

    def term(self, taxonomy: str, code: str, name: str, description: str = "", parent: str | None = None) -> None:
        if not description:
            self.filled.append(
                {
                    "table": "taxonomy_term",
                    "id": m.term_id(taxonomy, code),
                    "field": "description",
                    "from": "name",
                    "why": m.TERM_DESCRIPTION_FROM_NAME,
                }
            )
        self.add(
            "taxonomy_term",
            {
                "id": m.term_id(taxonomy, code),
                "code": code,
                "name": name,
                "description": description or name,
                "parent_id": m.term_id(taxonomy, parent) if parent else None,
                "taxonomy": taxonomy,
                "taxonomy_id": m.taxonomy_id(taxonomy),
                "language": "ru",
            },
        )

    # ------------------------------------------------------------ organisations and places

    def organization(self, org: Organization) -> None:
        org_id = str(org.uuid)
        row = self.add(
            "organization",
            {
                "id": org_id,
                "name": org.name,
                "alternate_name": org.short_name,
                "description": org.description,
                "email": org.email,
                "website": org.website,
                "legal_status": org.legal_form,
            },
        )
        row.setdefault("description", "")
        self.url("organization", org_id, org.website)
        self.phones(org.phones.all(), "organization_id", org_id)
        self.attribute("organization", org_id, "provider_type", org.provider_type.code)
        if org.agency_id:
            self.attribute("organization", org_id, "agency", org.agency.code)
        for location in org.locations.all():
            self.location(location, org_id)

    def location(self, location: Location, org_id: str) -> None:
        loc_id = str(location.uuid)
        hidden = location.is_confidential
        self.add(
            "location",
            {
                "id": loc_id,
                "location_type": "physical",
                "organization_id": org_id,
                "name": location.name,
                "transportation": "" if hidden else location.transport_note,
                "latitude": None if hidden else location.latitude,
                "longitude": None if hidden else location.longitude,
            },
        )
        if not hidden and (location.street or location.house or location.settlement_id):
            address = self.add(
                "address",
                {
                    "id": m.derived_id(loc_id, "address"),
                    "location_id": loc_id,
                    "address_1": ", ".join(p for p in (location.street, location.house) if p),
                    "address_2": location.address_note,
                    "city": location.settlement.name if location.settlement_id else location.municipality.name,
                    "region": location.municipality.name,
                    "state_province": location.municipality.region,
                    "postal_code": location.postal_code,
                    "country": m.COUNTRY,
                    "address_type": "physical",
                },
            )
            address.setdefault("address_1", "")
            address.setdefault("postal_code", "")
        if location.accessibility_note:
            self.add(
                "accessibility",
                {
                    "id": m.derived_id(loc_id, "accessibility"),
                    "location_id": loc_id,
                    "description": location.accessibility_note,
                },
            )
        if hidden:
            if location.front_door_phone:
                self.add(
                    "phone",
                    {
                        "id": m.derived_id(loc_id, "front-door"),
                        "location_id": loc_id,
                        "number": location.front_door_phone,
                        "type": "voice",
                        "description": m.FRONT_DOOR_PHONE,
                    },
                )
        else:
            self.phones(location.phones.all(), "location_id", loc_id)
        self.schedules(location, loc_id)
        self.attribute("location", loc_id, "municipality", location.municipality.code)
        for flag, code in (
            (location.wheelchair_accessible, "wheelchair_accessible"),
            (location.is_24_7, "open_24_7"),
            (hidden, "confidential_address"),
        ):
            if flag:
                self.attribute("location", loc_id, "feature", code)

    def schedules(self, location: Location, loc_id: str) -> None:
        rows = sorted(location.schedules.all(), key=lambda s: (s.weekday, s.opens_at, s.closes_at))
        for index, schedule in enumerate(rows):
            self.add(
                "schedule",
                {
                    "id": m.derived_id(loc_id, "schedule", index),
                    "location_id": loc_id,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": m.WEEKDAYS[schedule.weekday],
                    "opens_at": _time(schedule.opens_at),
                    "closes_at": _time(schedule.closes_at),
                },
            )
        for exception in sorted(location.schedule_exceptions.all(), key=lambda e: e.date):
            closed = exception.is_closed
            self.add(
                "schedule",
                {
                    "id": m.derived_id(loc_id, "exception", exception.date.isoformat()),
                    "location_id": loc_id,
                    "valid_from": exception.date.isoformat(),
                    "valid_to": exception.date.isoformat(),
                    "opens_at": None if closed else _time(exception.opens_at),
                    "closes_at": None if closed else _time(exception.closes_at),
                    "description": m.CLOSED_DAY if closed else m.SPECIAL_HOURS,
                    "notes": exception.note,
                },
            )

    def url(self, owner: str, owner_id: str, address: str) -> None:
        if address:
            self.add(
                "url",
                {
                    "id": m.derived_id(owner_id, "url"),
                    "label": m.URL_LABELS[owner],
                    "url": address,
                    f"{owner}_id": owner_id,
                },
            )

    def phones(self, phones, owner_field: str, owner_id: str) -> None:
        for index, phone in enumerate(phones):
            self.add(
                "phone",
                {
                    "id": m.derived_id(owner_id, "phone", index),
                    owner_field: owner_id,
                    "number": phone.number,
                    "extension": int(phone.extension) if phone.extension.isdigit() else None,
                    "type": m.PHONE_TYPES.get(phone.kind, "voice"),
                    "description": phone.description,
                },
            )

    # ------------------------------------------------------------ services

    def service(self, service: Service) -> None:
        svc_id = str(service.uuid)
        self.add(
            "service",
            {
                "id": svc_id,
                "organization_id": str(service.organization.uuid),
                "name": service.name,
                "description": service.description,
                "url": service.url,
                "email": service.email,
                "status": "active",
                "application_process": service.how_to_apply,
                "fees_description": service.cost_note,
                "eligibility_description": service.eligibility,
                "minimum_age": service.age_min,
                "maximum_age": service.age_max,
                "assured_date": timezone.localtime(service.verified_at).date().isoformat()
                if service.verified_at
                else None,
                "last_modified": service.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            },
        )
        sals = list(service.service_at_locations.all())
        for sal in sals:
            self.add(
                "service_at_location",
                {
                    "id": str(sal.uuid),
                    "service_id": svc_id,
                    "location_id": str(sal.location.uuid),
                    "description": sal.note,
                },
            )
        municipalities = {sal.location.municipality.code: sal.location.municipality for sal in sals}
        for code in sorted(municipalities):
            self.add(
                "service_area",
                {
                    "id": m.derived_id(svc_id, "service_area", code),
                    "service_id": svc_id,
                    "name": municipalities[code].name,
                    "description": m.SERVICE_AREA_NOTE,
                },
            )
        if service.cost != Service.Cost.FREE:
            # an amount only for a paid service whose note names one price (a partly free one's price is not everyone's)
            amount = price(service.cost_note) if service.cost == Service.Cost.PAID else None
            self.add(
                "cost_option",
                {
                    "id": m.derived_id(svc_id, "cost_option"),
                    "service_id": svc_id,
                    "option": m.COST_TERMS[service.cost],
                    "amount": amount,
                    "currency": m.CURRENCY if amount is not None else None,
                    "amount_description": service.cost_note,
                },
            )
        self.url("service", svc_id, service.url)
        self.add(
            "metadata",
            {
                "id": m.derived_id(svc_id, "metadata"),
                "resource_id": svc_id,
                "resource_type": "service",
                "last_action_date": service.updated_at.astimezone(UTC).date().isoformat(),
                "last_action_type": m.METADATA_ACTION,
            },
        )
        self.phones(service.phones.all(), "service_id", svc_id)
        for language in sorted(service.languages.all(), key=lambda x: x.code):
            self.add(
                "language",
                {
                    "id": m.derived_id(svc_id, "language", language.code),
                    "service_id": svc_id,
                    "name": language.name,
                    "code": language.code,
                },
            )
        for index, document in enumerate(service.document_list):
            self.add(
                "required_document",
                {"id": m.derived_id(svc_id, "document", index), "service_id": svc_id, "document": document},
            )
        for category in sorted(service.categories.all(), key=lambda c: (c.scheme, c.code)):
            if category.is_public:
                self.attribute("service", svc_id, category.scheme, category.code)
        for group in sorted(service.target_groups.all(), key=lambda g: g.code):
            if group.is_public:
                self.attribute("service", svc_id, "target_group", group.code)
        for code, (field, _name) in m.DELIVERY_TERMS.items():
            if getattr(service, field):
                self.attribute("service", svc_id, "delivery", code)
        self.attribute("service", svc_id, "cost", service.cost)
        if service.is_hotline:
            self.attribute("service", svc_id, "feature", "hotline")

    def table_descriptions(self) -> None:
        for table in m.all_tables():
            self.add(
                "meta_table_description",
                {
                    "id": m.derived_id("meta_table_description", table),
                    "name": table,
                    "language": m.TABLE_LANGUAGE,
                    "character_set": m.TABLE_CHARACTER_SET,
                },
            )


def _string_fields(table: str) -> set[str]:
    properties = m.schema(table).get("properties", {})
    return {name for name, spec in properties.items() if spec.get("type") == "string"}


def complete(tables: Tables) -> list[dict]:
    """Give every row each required column (an empty string where the databank cannot tell, as HSDS's JSON
    schemas accept) and list those gaps: table, id, field, why."""
    gaps = []
    for table in m.all_tables():
        required, strings = m.required(table), _string_fields(table)
        for row in tables[table]:
            for name in required:
                if row.get(name) in (None, ""):
                    if name in strings:
                        row[name] = ""
                    why = m.GAP_REASONS.get((table, name), m.GAP_DEFAULT)
                    gaps.append({"table": table, "id": row.get("id", ""), "field": name, "why": why})
    return gaps


def build_export() -> tuple[Tables, ExportReport]:
    """All 24 tables of the HSDS 3.1 tabular package and the report of what stays unfilled."""
    exporter = Exporter()
    exporter.taxonomies()
    for org in exported_organizations():
        exporter.organization(org)
    for service in exported_services():
        exporter.service(service)
    exporter.table_descriptions()
    tables = {table: exporter.tables.get(table, []) for table in m.all_tables()}
    report = ExportReport(
        counts={table: len(rows) for table, rows in tables.items()},
        gaps=complete(tables),
        filled=exporter.filled,
        empty_tables={
            table: m.EMPTY_TABLES.get(table, m.EMPTY_TABLE_DEFAULT) for table, rows in tables.items() if not rows
        },
    )
    return tables, report


def build_tables() -> Tables:
    return build_export()[0]


# ---------------------------------------------------------------- writers


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_tabular(tables: Tables, directory: Path) -> list[Path]:
    """Write one CSV per table and a datapackage.json describing them (HSDS tabular data package)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    resources = []
    for table in m.all_tables():
        resource = dict(m.resources()[table])
        path = directory / resource["path"]
        fields = m.columns(table)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(fields)
            for row in tables.get(table, []):
                writer.writerow([_csv_value(row.get(field)) for field in fields])
        written.append(path)
        resources.append(resource)
    package = {
        key: value for key, value in m.datapackage().items() if key not in {"resources", "version", "name", "title"}
    }
    package.update(
        {
            "name": "family-support-directory",
            "title": "Банк данных помощи семьям с детьми",
            "version": m.HSDS_VERSION,
            "resources": resources,
        }
    )
    path = directory / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


REPORT_FILE = "export_report.json"


def write_report(report: ExportReport, directory: Path) -> Path:
    """The export report next to the tabular package (not a table of it: datapackage.json does not list it)."""
    path = directory / REPORT_FILE
    path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _json_value(value):
    return float(value) if isinstance(value, Decimal) else value


def nest(tables: Tables) -> dict[str, list[dict]]:
    """Nested HSDS JSON: services (with their organisation, places, phones, attributes…), organisations."""
    plain = {table: [{k: _json_value(v) for k, v in row.items()} for row in rows] for table, rows in tables.items()}
    by_id = {table: {row["id"]: row for row in rows} for table, rows in plain.items()}
    index: dict[tuple[str, str], dict[str, list[dict]]] = {}

    def children(table: str, field: str, value: str) -> list[dict]:
        if (table, field) not in index:
            grouped = defaultdict(list)
            for row in plain[table]:
                if row.get(field):
                    grouped[row[field]].append(row)
            index[table, field] = grouped
        return [dict(row) for row in index[table, field].get(value, [])]

    taxonomies = by_id["taxonomy"]

    def attributes(link_id: str) -> list[dict]:
        result = []
        for attribute in children("attribute", "link_id", link_id):
            term = dict(by_id["taxonomy_term"][attribute["taxonomy_term_id"]])
            term["taxonomy_detail"] = dict(taxonomies[term["taxonomy_id"]])
            attribute["taxonomy_term"] = term
            result.append(attribute)
        return result

    def location(row: dict) -> dict:
        loc = dict(row)
        loc_id = loc["id"]
        loc["addresses"] = children("address", "location_id", loc_id)
        loc["phones"] = children("phone", "location_id", loc_id)
        loc["schedules"] = children("schedule", "location_id", loc_id)
        loc["accessibility"] = children("accessibility", "location_id", loc_id)
        loc["attributes"] = attributes(loc_id)
        return loc

    def organization(row: dict, *, with_locations: bool) -> dict:
        org = dict(row)
        org["phones"] = children("phone", "organization_id", org["id"])
        org["attributes"] = attributes(org["id"])
        if with_locations:
            org["locations"] = [location(loc) for loc in children("location", "organization_id", org["id"])]
        return org

    services = []
    for row in plain["service"]:
        service = dict(row)
        svc_id = service["id"]
        service["organization"] = organization(by_id["organization"][service["organization_id"]], with_locations=False)
        service["phones"] = children("phone", "service_id", svc_id)
        service["service_at_locations"] = [
            {**sal, "location": location(by_id["location"][sal["location_id"]])}
            for sal in children("service_at_location", "service_id", svc_id)
        ]
        service["languages"] = children("language", "service_id", svc_id)
        service["required_documents"] = children("required_document", "service_id", svc_id)
        service["attributes"] = attributes(svc_id)
        services.append(service)
    return {
        "organizations": [organization(row, with_locations=True) for row in plain["organization"]],
        "services": services,
        "taxonomies": plain["taxonomy"],
        "taxonomy_terms": plain["taxonomy_term"],
    }


def write_json(tables: Tables, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, objects in nest(tables).items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(objects, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
