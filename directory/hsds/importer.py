"""Import HSDS tables into the databank: upsert by identifier, map taxonomy terms, report bad rows in Russian.

Rows are applied table by table in dependency order: a bad row is reported and skipped (with everything that
depends on it). With `all_or_nothing`, any bad row rolls the whole import back.

Organisations, places, services and services at a place are written in bulk (50,000 services in a couple of
minutes instead of hours): every row of a table is read and validated in Python first (`full_clean` without
the checks that would cost a query per row: the foreign keys are objects found here, identifiers are matched
here, and the database enforces its constraints), then the new rows are inserted with `bulk_create` and the
existing ones updated with `bulk_update`, with their phones, hours and category links replaced in bulk. If the
database refuses a batch, that batch is written again row by row, each in its own savepoint, so that the bad
row is reported as before. No per-row signals are sent: the search columns of the services are computed here
(`search.lemmas.SearchColumns`) and search is told once, for the rows the import touched (`search.sync`).
"""

from __future__ import annotations

import contextlib
import math
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from core.db_timeouts import long_statements
from directory.models import (
    MAX_AGE,
    UNDETERMINED_MUNICIPALITY,
    Agency,
    Category,
    Language,
    Location,
    Municipality,
    Organization,
    Phone,
    ProviderType,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtLocation,
    Settlement,
    TargetGroup,
)
from search import sync
from search.lemmas import SearchColumns

from . import mapping as m

STATUS = {"active": Service.Status.PUBLISHED}
COORDINATE = Decimal("0.000001")
BATCH_SIZE = 1000
# A place is put in the district of the nearest known settlement no farther than this.
NEAREST_SETTLEMENT_KM = 30
UNDETERMINED_NAME = "Район не определён"
# Model fields named as the HSDS fields they come from, in row errors.
FIELD_NAMES = {
    "age_min": "minimum_age",
    "age_max": "maximum_age",
    "how_to_apply": "application_process",
    "cost_note": "fees_description",
    "eligibility": "eligibility_description",
    "verified_at": "assured_date",
    "short_name": "alternate_name",
    "legal_form": "legal_status",
    "street": "address_1",
    "house": "address_1",
    "address_note": "address_2",
    "transport_note": "transportation",
    "weekday": "byday",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
    "date": "valid_from",
    "kind": "type",
}
# The HSDS tables the databank does not hold (yet): their rows are counted and reported, not stored.
NOT_KEPT = {
    "cost_option": "варианты стоимости (сумма и валюта; платная услуга отмечается как «платно»)",
    "funding": "источники финансирования",
    "contact": "контактные лица",
    "service_area": "территории обслуживания",
    "service_capacity": "вместимость услуги",
    "unit": "единицы вместимости",
    "program": "программы",
    "organization_identifier": "идентификаторы организаций",
    "metadata": "история изменений (metadata)",
    "meta_table_description": "описания таблиц",
    "url": "дополнительные ссылки",
}
# The fields of each table the import reads (stores, or uses to place a row); any other field with a value is
# named in one warning per table, with the number of rows that lose it.
OWNERS = {"id", "organization_id", "location_id", "service_id", "service_at_location_id", "phone_id"}
KEPT_FIELDS = {
    "service": OWNERS | {
        "name", "description", "url", "email", "status", "application_process", "fees_description",
        "eligibility_description", "minimum_age", "maximum_age", "assured_date", "last_modified",
    },
    "organization": OWNERS | {"name", "alternate_name", "description", "email", "website", "legal_status"},
    "location": OWNERS | {"name", "transportation", "latitude", "longitude", "location_type"},
    "address": OWNERS | {"address_1", "address_2", "city", "region", "postal_code", "address_type"},
    "phone": OWNERS | {"number", "extension", "type", "description"},
    "schedule": OWNERS | {"opens_at", "closes_at", "byday", "freq", "valid_from", "valid_to", "notes"},
    "service_at_location": OWNERS | {"description"},
    "attribute": {"id", "link_id", "taxonomy_term_id", "link_type", "link_entity"},
    "language": OWNERS | {"name", "code"},
    "accessibility": OWNERS | {"description"},
    "required_document": OWNERS | {"document"},
}  # fmt: skip
# Weekly hours keep only the days and times: these fields of a row with `freq`/`byday` are lost.
WEEKLY_NOT_KEPT = {"valid_from", "valid_to", "notes"}
OWNER_FIELDS = ("organization_id", "location_id", "service_id")
OWNER_NAMES = {"organization_id": ("организация", "а"), "location_id": ("адрес", ""), "service_id": ("услуга", "а")}
TABLE_NAMES = {
    "phone": "телефон",
    "schedule": "часы работы",
    "address": "адрес (address)",
    "accessibility": "доступность",
    "language": "язык",
    "required_document": "документ",
}
# Words of a district's or settlement's name that say what kind of place it is, not which one.
PLACE_WORDS = {
    "город", "г", "городской", "округ", "муниципальный", "район", "кожуун", "пгт", "поселок", "посёлок", "село",
    "с", "деревня", "д", "республика", "область", "край", "го", "мо",
}  # fmt: skip


class RowProblem(Exception):
    pass


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rolled_back: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _uuid(value, what: str = "Идентификатор") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError) as exc:
        raise RowProblem(f"{what} «{value}» не является UUID.") from exc


def _int(value, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RowProblem(f"{what}: «{value}» не число.") from exc
    if number != int(number) or number < 0:
        raise RowProblem(f"{what}: «{value}» не целое неотрицательное число.")
    return int(number)


def _decimal(value, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(COORDINATE)
    except (InvalidOperation, ValueError) as exc:
        raise RowProblem(f"{what}: «{value}» не число.") from exc


def _time(value, what: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value)[:8])
    except ValueError as exc:
        raise RowProblem(f"{what}: «{value}» не время ЧЧ:ММ.") from exc


def _date(value, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise RowProblem(f"{what}: «{value}» не дата ГГГГ-ММ-ДД.") from exc


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(
            " ".join(msgs) if name == "__all__" else f"поле {FIELD_NAMES.get(name, name)}: {' '.join(msgs)}"
            for name, msgs in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def _key(value) -> str:
    """An identifier as the importer keys it (a UUID in its canonical form when it is one)."""
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        return str(value)


def _age(value, field_name: str, upper: bool) -> int | None:
    """A service's age limit in whole years: HSDS allows a fraction (rounded outwards), the databank 0…MAX_AGE."""
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RowProblem(f"поле {field_name}: «{value}» не число.") from exc
    if not math.isfinite(number) or number < 0 or number > MAX_AGE:
        raise RowProblem(f"поле {field_name}: «{value}» — возраст должен быть от 0 до {MAX_AGE} лет.")
    return math.ceil(number) if upper else math.floor(number)


def _coordinate(value, field_name: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
        finite = number.is_finite()
    except (InvalidOperation, ValueError) as exc:
        raise RowProblem(f"поле {field_name}: «{value}» не число.") from exc
    if not finite or not -limit <= number <= limit:
        raise RowProblem(f"поле {field_name}: «{value}» вне допустимого диапазона от −{limit} до {limit}.")
    return number.quantize(COORDINATE)


def _words(text) -> str:
    """A place name reduced to the words that name it: «г. Кызыл» and «Город Кызыл» both give «кызыл»."""
    words = re.findall(r"[\w-]+", str(text or "").lower().replace("ё", "е"))
    return " ".join(word for word in words if word not in PLACE_WORDS)


def _km(lat1, lon1, lat2, lon2) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (lat1, lon1, lat2, lon2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(min(1.0, math.sqrt(a)))


class Staged:
    """One row of a bulk-written table: the object, its row, and what is written with it."""

    __slots__ = ("row", "obj", "created", "phones", "schedules", "exceptions", "links", "failed")

    def __init__(self, row: dict, obj, created: bool):
        self.row, self.obj, self.created = row, obj, created
        self.phones: list[tuple[dict, Phone]] = []
        self.schedules: list[tuple[dict, Schedule]] = []
        self.exceptions: list[tuple[dict, ScheduleException]] = []
        self.links: dict[str, list[int]] = {}
        self.failed = False


def _chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Importer:
    def __init__(self, tables: dict[str, list[dict]], *, all_or_nothing: bool = False, dry_run: bool = False):
        self.tables = {table: tables.get(table, []) for table in m.TABLES}
        self.extra = {table: rows for table, rows in tables.items() if table not in m.TABLES and rows}
        self.municipality_codes: dict[str, set] | None = None  # district name -> codes (derived rows)
        self.all_or_nothing = all_or_nothing
        self.dry_run = dry_run
        self.report = Report()
        self.report.warnings.extend(getattr(tables, "warnings", []))
        self.refused: dict[str, str] = {}  # id of a row not stored -> where it is
        self.consumed: set[tuple[str, str]] = set()  # (table, owner id) whose rows were read by their owner
        self.location_orgs: dict[str, list[str]] = defaultdict(list)  # location id -> organisations of its services
        self.costs: dict[str, list[dict]] = defaultdict(list)  # service id -> its cost options
        self.undetermined: Municipality | None = None
        self.terms: dict[str, tuple[str, str]] = {}  # term id -> (taxonomy key, code)
        self.objects: dict[tuple[str, str], object] = {}  # (taxonomy key, code) -> model row
        self.attributes: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.organizations: dict[str, Organization] = {}
        self.locations: dict[str, Location] = {}
        self.services: dict[str, Service] = {}
        self.modified: dict[str, datetime] = {}  # service uuid -> last_modified
        self.by_owner: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.existing: dict[type, dict[str, object]] = {}
        self.staged: dict[str, Staged] = {}  # uuid -> the row of the table being written
        self.touched_sals: set[int] = set()
        self.touched_organizations: set[int] = set()
        self.updated_organizations: set[int] = set()

    # ------------------------------------------------------------ driver

    def run(self) -> Report:
        # A whole package in one transaction: its bulk statements may run longer than a web request's.
        with translation.override("ru"), long_statements(), transaction.atomic():
            self.index()
            self.preload()
            self.each("taxonomy_term", self.taxonomy_term, ordered=self._parents_first())
            self.each("attribute", self.attribute)
            self.bulk("organization", self.organization, self.write_organizations)
            self.bulk("location", self.location, self.write_locations)
            self.search_columns = self._search_columns()
            self.bulk("service", self.service, self.write_services)
            self.bulk("service_at_location", self.service_at_location, self.write_service_at_locations)
            self.report_unplaced()
            stamped = []
            for ident, moment in self.modified.items():
                service = self.services.get(ident)
                if service is not None and service.pk is not None:
                    service.updated_at = moment
                    stamped.append(service)
            Service.objects.bulk_update(stamped, ["updated_at"], batch_size=BATCH_SIZE)
            self.refresh_search()
            if self.dry_run or (self.all_or_nothing and self.report.errors):
                transaction.set_rollback(True)
                self.report.rolled_back = True
        return self.report

    def index(self) -> None:
        sal_locations = {
            _key(row["id"]): row["location_id"]
            for row in self.tables["service_at_location"]
            if row.get("id") and row.get("location_id")
        }
        for table in ("phone", "schedule", "address", "accessibility", "language", "required_document"):
            for row in self.tables[table]:
                sal = row.get("service_at_location_id")
                if sal and not any(row.get(owner) for owner in OWNER_FIELDS) and _key(sal) in sal_locations:
                    row["location_id"] = sal_locations[_key(sal)]  # hours and phones of a service at a place
                owner = self._owner(row)
                links = [name for name in ("phone_id", "contact_id", "service_at_location_id") if row.get(name)]
                if owner is not None:
                    self.by_owner[table, owner[1]].append(row)
                elif links:
                    self.report.warnings.append(
                        f"{row.get('_where', '')}: {TABLE_NAMES[table]} не сохранён(ы): банк данных не хранит "
                        f"{TABLE_NAMES[table]} у объекта, на который указывает {links[0]} «{row[links[0]]}»."
                    )
                else:
                    self.error(row, "Строка не привязана ни к организации, ни к адресу, ни к услуге.")
        service_orgs = {_key(r["id"]): r["organization_id"] for r in self.tables["service"] if r.get("id")
                        and r.get("organization_id")}  # fmt: skip
        for row in self.tables["service_at_location"]:
            org = service_orgs.get(_key(row.get("service_id")))
            if org and row.get("location_id") and org not in self.location_orgs[_key(row["location_id"])]:
                self.location_orgs[_key(row["location_id"])].append(org)
        for row in self.extra.get("cost_option", []):
            if row.get("service_id"):
                self.costs[_key(row["service_id"])].append(row)

    @staticmethod
    def _owner(row: dict) -> tuple[str, str] | None:
        for owner in OWNER_FIELDS:
            if row.get(owner):
                return owner, _key(row[owner])
        return None

    def report_unplaced(self) -> None:
        """Say what became of the rows that belong to an owner (phones, hours, addresses…) and were not stored
        with it: the owner was refused or is missing (an error), or the databank does not hold that kind of row
        for that owner (a warning). Then the HSDS tables the databank does not hold at all, and foreign
        taxonomies."""
        stored = set(self.organizations) | set(self.locations) | set(self.services)
        for (table, owner), rows in self.by_owner.items():
            if (table, owner) in self.consumed and owner in stored:
                continue
            for row in rows:
                field_name, _owner = self._owner(row)
                what = f"{TABLE_NAMES[table]} не сохранён(ы)"
                kind, ending = OWNER_NAMES[field_name]
                if owner in stored:
                    self.report.warnings.append(
                        f"{row.get('_where', '')}: {what}: банк данных не хранит {TABLE_NAMES[table]} "
                        f"у объекта «{kind}» ({field_name} {owner})."
                    )
                elif owner in self.refused:
                    reason = self.refused[owner]
                    self.error(row, f"{what}: {kind} «{owner}» ({field_name}) не сохранен{ending} — {reason}.")
                else:
                    self.error(row, f"{what}: {kind} «{owner}» ({field_name}) не найден{ending} в пакете.")
        for table, rows in self.extra.items():
            rows = [row for row in rows if not self.derived_by_the_export(table, row)]
            if table in NOT_KEPT and rows:
                self.report.warnings.append(
                    f"Таблица «{table}» ({len(rows)} стр., например {rows[0].get('_where', '')}) не загружена: "
                    f"банк данных не хранит {NOT_KEPT[table]}."
                )
        self.report_fields()
        ours = {m.taxonomy_id(key) for key in m.TAXONOMIES} | {name for name, _d in m.TAXONOMIES.values()}
        for row in self.tables["taxonomy"]:
            if _key(row.get("id")) not in ours and row.get("name") not in ours:
                self.report.warnings.append(
                    f"{row.get('_where', '')}: таксономия «{row.get('name', row.get('id'))}» не используется банком "
                    "данных: она и её термины не загружены."
                )

    def derived_by_the_export(self, table: str, row: dict) -> bool:
        """A row the databank's own export derives from what the databank keeps — a service's districts, its cost
        option, its date of change, its web address, the description of a table — recognised by the id the export
        gives it (`mapping.derived_id`): re-importing it loses nothing, so it is not reported as lost."""
        row_id = str(row.get("id") or "")
        if table == "meta_table_description":
            return row_id == m.derived_id("meta_table_description", row.get("name"))
        if table == "service_area":
            if self.municipality_codes is None:
                self.municipality_codes = defaultdict(set)
                for name, code in Municipality.objects.values_list("name", "code"):
                    self.municipality_codes[name].add(code)
            owner = row.get("service_id")
            codes = self.municipality_codes.get(row.get("name"), ())
            return row_id in {m.derived_id(owner, "service_area", code) for code in codes}
        if table in ("cost_option", "metadata"):
            return row_id == m.derived_id(row.get("service_id") or row.get("resource_id"), table)
        if table == "url":
            owners = [row.get(f"{kind}_id") for kind in ("service", "organization") if row.get(f"{kind}_id")]
            return any(row_id == m.derived_id(owner, "url") for owner in owners)
        return False

    def report_fields(self) -> None:
        """One warning per table naming the fields with a value the databank does not hold (and in how many rows),
        so that nothing is dropped silently. Values the databank produces itself (country RU, the region, week
        starting on Monday) are not counted."""
        same = {
            ("address", "country"): {m.COUNTRY},
            ("address", "state_province"): {settings.DIRECTORY_REGION_NAME},
            ("schedule", "wkst"): {"MO"},
            ("schedule", "description"): {m.CLOSED_DAY, m.SPECIAL_HOURS},  # the export's labels of special days
        }
        for table, kept in KEPT_FIELDS.items():
            lost: dict[str, int] = defaultdict(int)
            for row in self.tables[table]:
                weekly = table == "schedule" and (row.get("freq") or row.get("byday"))
                for name, value in row.items():
                    if name.startswith("_") or str(value) in same.get((table, name), ()):
                        continue
                    if name not in kept or (weekly and name in WEEKLY_NOT_KEPT):
                        lost[name] += 1
            if lost:
                fields = ", ".join(f"{name} ({count})" for name, count in sorted(lost.items()))
                self.report.warnings.append(
                    f"Таблица «{table}»: банк данных не хранит поля (значения не загружены; в скобках — число "
                    f"строк): {fields}."
                )

    def refuse(self, row: dict, message: str) -> None:
        """A row not stored: reported, and remembered for the rows that refer to it."""
        self.error(row, message)
        if row.get("id"):
            where = row.get("_where", "")
            self.refused[_key(row["id"])] = f"ошибка в {where}" if where else "ошибка в её строке"

    def missing(self, what: str, value, ending: str = "а") -> str:
        """Why a referenced row is not there: refused (and where), or absent from the package and the databank.
        `ending` agrees the participle with `what` («организация … не найдена», «адрес … не найден»)."""
        reason = self.refused.get(_key(value))
        if reason:
            return f"{what} «{value}» не сохранен{ending} ({reason})"
        return f"{what} «{value}» не найден{ending} ни в пакете, ни в банке данных"

    def preload(self) -> None:
        """Rows of the databank the package names (by uuid) and the small reference tables, in a few queries."""
        for model, table in (
            (Organization, "organization"),
            (Location, "location"),
            (Service, "service"),
            (ServiceAtLocation, "service_at_location"),
        ):
            idents = []
            for row in self.tables[table]:
                with contextlib.suppress(TypeError, ValueError):
                    idents.append(uuid.UUID(str(row.get("id"))))
            found = {}
            for chunk in _chunks(sorted(set(idents)), 2000):
                found.update({str(obj.uuid): obj for obj in model.objects.filter(uuid__in=chunk)})
            self.existing[model] = found
        self.municipality_by_name = {}
        for municipality in Municipality.objects.order_by("pk"):
            self.municipality_by_name.setdefault(municipality.name, municipality)
        self.settlements: dict[tuple[int, str], Settlement] = {}
        self.settlement_points: list[Settlement] = []
        self.settlement_by_words: dict[str, Settlement | None] = {}
        self.municipality_by_words: dict[str, Municipality | None] = {}
        for municipality in Municipality.objects.exclude(code=UNDETERMINED_MUNICIPALITY).order_by("pk"):
            words = _words(municipality.name)
            if words:  # a name two districts share tells nothing
                self.municipality_by_words[words] = None if words in self.municipality_by_words else municipality
        settlements = Settlement.objects.select_related("municipality").exclude(
            municipality__code=UNDETERMINED_MUNICIPALITY
        )
        for settlement in settlements.order_by("-code"):  # the first code wins, as .order_by("code").first()
            self.settlements[settlement.municipality_id, settlement.name] = settlement
            self.settlement_points.append(settlement)
            words = _words(settlement.name)
            if words:
                same = self.settlement_by_words.get(words)
                elsewhere = same is None or same.municipality_id != settlement.municipality_id
                if words in self.settlement_by_words and elsewhere:
                    self.settlement_by_words[words] = None
                else:
                    self.settlement_by_words[words] = settlement
        self.municipality_by_words = {k: v for k, v in self.municipality_by_words.items() if v is not None}
        self.settlement_by_words = {k: v for k, v in self.settlement_by_words.items() if v is not None}
        self.languages = {language.code: language for language in Language.objects.all()}
        self.languages_by_name = {}
        for language in Language.objects.order_by("-pk"):
            self.languages_by_name[language.name.lower()] = language
        self.default_provider_type = (
            ProviderType.objects.filter(code="other").first() or ProviderType.objects.order_by("pk").first()
        )

    def each(self, table: str, handler, ordered=None) -> None:
        for row in ordered if ordered is not None else self.tables[table]:
            try:
                with transaction.atomic():
                    handler(row)
            except RowProblem as exc:
                self.refuse(row, str(exc))
            except ValidationError as exc:
                self.refuse(row, _messages(exc))
            except DatabaseError as exc:
                self.refuse(row, f"Ошибка базы данных: {exc}")
            except Exception as exc:  # never a traceback: whatever a publisher wrote is a row error
                self.refuse(row, f"Строка не прочитана ({type(exc).__name__}: {exc}).")

    def bulk(self, table: str, handler, writer) -> None:
        """Read and check every row of `table` (no writes), then write the good ones in bulk."""
        self.staged = {}
        for row in self.tables[table]:
            try:
                handler(row)
            except RowProblem as exc:
                self.refuse(row, str(exc))
            except ValidationError as exc:
                self.refuse(row, _messages(exc))
            except DatabaseError as exc:  # the handlers write only in savepoints of their own
                self.refuse(row, f"Ошибка базы данных: {exc}")
            except Exception as exc:  # never a traceback: whatever a publisher wrote is a row error
                self.refuse(row, f"Строка не прочитана ({type(exc).__name__}: {exc}).")
        writer(list(self.staged.values()))
        self.staged = {}

    def stage(self, table: str, model, ident: str, row: dict) -> Staged:
        """The object of `ident`: the one already read from this package, the databank's, or a new one."""
        staged = self.staged.get(ident)
        if staged is not None:  # the same id again in this package: this row updates that one
            return Staged(row, staged.obj, staged.created)
        obj = self.existing[model].get(ident)
        if obj is not None and hasattr(obj, "updated_at"):
            obj.updated_at = timezone.now()  # bulk_update does not apply auto_now
        return Staged(row, obj or model(uuid=ident), obj is None)

    def keep(self, table: str, ident: str, staged: Staged) -> None:
        previous = self.staged.pop(ident, None)
        if previous is not None:  # the same id twice in a package: the later row wins, counted as an update
            self.count(table, False)
        self.staged[ident] = staged

    def write(self, model, table: str, staged: list[Staged], fields: list[str]) -> None:
        """Insert the new objects and update the existing ones; a batch the database refuses is written again
        row by row in savepoints, and its bad rows are reported."""
        new = [s for s in staged if s.created]
        old = [s for s in staged if not s.created]
        for chunk in _chunks(new):
            try:
                with transaction.atomic():
                    model.objects.bulk_create([s.obj for s in chunk])
            except (DatabaseError, ValueError, TypeError):
                for s in chunk:
                    s.obj.pk = None
                self.one_by_one(chunk)
        for chunk in _chunks(old):
            try:
                with transaction.atomic():
                    model.objects.bulk_update([s.obj for s in chunk], fields)
            except (DatabaseError, ValueError, TypeError):
                self.one_by_one(chunk)
        for s in staged:
            if not s.failed:
                self.count(table, s.created)

    def one_by_one(self, chunk: list[Staged]) -> None:
        for s in chunk:
            try:
                with transaction.atomic():
                    s.obj.validate_constraints()
                    s.obj.save()
            except ValidationError as exc:
                s.failed = True
                self.refuse(s.row, _messages(exc))
            except (DatabaseError, ValueError, TypeError) as exc:
                s.failed = True
                self.refuse(s.row, f"Ошибка базы данных: {exc}")
            if s.failed and s.created:
                s.obj.pk = None

    def error(self, row: dict, message: str) -> None:
        where = row.get("_where", "")
        ident = f" (id {row['id']})" if row.get("id") else ""
        self.report.errors.append(f"{where}{ident}: {message}")

    def count(self, table: str, created: bool) -> None:
        (self.report.created if created else self.report.updated)[table] += 1

    def require(self, row: dict, *names: str) -> None:
        missing = [name for name in names if row.get(name) in (None, "")]
        if missing:
            raise RowProblem("Не заполнены обязательные поля: " + ", ".join(missing) + ".")

    # ------------------------------------------------------------ taxonomy

    def _taxonomy_key(self, row: dict) -> str | None:
        names = {str(t.get("id")): t.get("name", "") for t in self.tables["taxonomy"]}
        candidates = [row.get("taxonomy"), names.get(str(row.get("taxonomy_id")), "")]
        by_name = {name.lower(): key for key, (name, _d) in m.TAXONOMIES.items()}
        for candidate in candidates:
            if candidate in m.TAXONOMIES:
                return candidate
            if candidate and candidate.lower() in by_name:
                return by_name[candidate.lower()]
        return None

    def _parents_first(self) -> list[dict]:
        rows = self.tables["taxonomy_term"]
        ids = {str(r.get("id")) for r in rows}
        done, ordered, pending = set(), [], list(rows)
        while pending:
            rest = [r for r in pending if r.get("parent_id") and str(r["parent_id"]) in ids - done]
            for row in pending:
                if row not in rest:
                    ordered.append(row)
                    done.add(str(row.get("id")))
            if len(rest) == len(pending):
                ordered.extend(rest)  # a cycle: report as unknown parents
                break
            pending = rest
        return ordered

    def taxonomy_term(self, row: dict) -> None:
        self.require(row, "id", "name")
        term = str(_uuid(row["id"]))
        key = self._taxonomy_key(row)
        if key is None:
            self.report.warnings.append(f"{row.get('_where')}: термин неизвестной таксономии пропущен.")
            return
        code = str(row.get("code") or "").strip()
        if not code:
            raise RowProblem("У термина нет кода (code).")
        self.terms[term] = (key, code)
        self.objects[key, code] = self._reference(key, code, row)

    def _reference(self, key: str, code: str, row: dict):
        name, description = str(row["name"])[:500], str(row.get("description") or "")
        if key in ("kind", "measure"):
            category = Category.objects.filter(code=code).first()
            if category is None:
                parent = None
                if row.get("parent_id"):
                    parent_key = self.terms.get(str(row["parent_id"]))
                    if parent_key is None:
                        raise RowProblem("Родительский термин (parent_id) не найден.")
                    parent = self.objects[parent_key]
                category = Category(code=code, scheme=key, name=name, description=description, parent=parent)
                category.full_clean()
                category.save()
                self.count("taxonomy_term", True)
            elif category.scheme != key:
                raise RowProblem(f"Категория «{code}» относится к другому классификатору.")
            return category
        model = {"target_group": TargetGroup, "provider_type": ProviderType, "agency": Agency}.get(key)
        if model is not None:
            obj = model.objects.filter(code=code).first()
            if obj is None:
                obj = model(code=code, name=name[:255])
                obj.full_clean()
                obj.save()
                self.count("taxonomy_term", True)
            return obj
        if key == "municipality":
            obj = Municipality.objects.filter(code=code).first()
            if obj is None:
                region = description or settings.DIRECTORY_REGION_NAME
                obj = Municipality(code=code, name=name[:150], region=region[:150])
                obj.full_clean()
                obj.save()
                self.count("taxonomy_term", True)
            return obj
        known = {"delivery": m.DELIVERY_TERMS, "cost": m.COST_TERMS, "feature": m.FEATURE_TERMS}[key]
        if code not in known:
            raise RowProblem(f"Неизвестный термин «{code}» в таксономии «{m.TAXONOMIES[key][0]}».")
        return code

    def attribute(self, row: dict) -> None:
        self.require(row, "link_id", "taxonomy_term_id")
        term = str(_uuid(row["taxonomy_term_id"], "Термин (taxonomy_term_id)"))
        if term not in self.terms:
            known = {str(r.get("id")) for r in self.tables["taxonomy_term"]}
            if term in known:
                return  # a term of a foreign taxonomy, already reported as skipped
            owner = f"{row.get('link_entity') or 'объект'} «{row['link_id']}»"
            raise RowProblem(
                f"Термин таксономии (taxonomy_term_id) «{row['taxonomy_term_id']}» не найден в пакете: признак не "
                f"сохранён, {owner} загружается без него."
            )
        self.attributes[str(row["link_id"])].append(self.terms[term])

    def linked(self, link_id: str, key: str) -> list:
        return [self.objects[k, code] for k, code in self.attributes.get(link_id, []) if k == key]

    # ------------------------------------------------------------ organisations and places

    def organization(self, row: dict) -> None:
        self.require(row, "id", "name")
        ident = str(_uuid(row["id"]))
        staged = self.stage("organization", Organization, ident, row)
        org = staged.obj
        org.name = str(row["name"])[:500]
        org.short_name = str(row.get("alternate_name") or "")[:200]
        org.description = str(row.get("description") or "")
        org.email = str(row.get("email") or "")
        org.website = str(row.get("website") or "")
        org.legal_form = str(row.get("legal_status") or "")[:200]
        types = self.linked(ident, "provider_type")
        org.provider_type = types[0] if types else self.default_provider_type
        agencies = self.linked(ident, "agency")
        org.agency = agencies[0] if agencies else org.provider_type.agency
        org.full_clean(
            exclude=[*FOREIGN_KEYS, "logo", "photo", "verified_by"], validate_unique=False, validate_constraints=False
        )
        staged.phones = self.phones(Phone(organization=org), ident)
        self.keep("organization", ident, staged)

    def write_organizations(self, staged: list[Staged]) -> None:
        self.write(Organization, "organization", staged, ORGANIZATION_FIELDS)
        self.write_phones("organization", staged)
        for s in staged:
            if not s.failed:
                self.organizations[str(s.obj.uuid)] = s.obj
                self.touched_organizations.add(s.obj.pk)
                if not s.created:
                    self.updated_organizations.add(s.obj.pk)

    def _organization(self, value, what="Организация (organization_id)") -> Organization:
        key = str(_uuid(value, what))
        org = self.organizations.get(key) or self.existing[Organization].get(key)
        if org is None:
            org = Organization.objects.filter(uuid=key).first()
        if org is None:
            raise RowProblem(f"{self.missing(what, value)}: строка без неё не сохраняется.")
        return org

    def location(self, row: dict) -> None:
        self.require(row, "id")
        ident = str(_uuid(row["id"]))
        org = self._location_organization(row, ident)
        latitude = _coordinate(row.get("latitude"), "latitude", 90)
        longitude = _coordinate(row.get("longitude"), "longitude", 180)
        staged = self.stage("location", Location, ident, row)
        location = staged.obj
        features = set(self.linked(ident, "feature"))
        addresses = self.by_owner.get(("address", ident), [])
        address = addresses[0] if addresses else {}
        self.consumed.update({("address", ident), ("accessibility", ident)})
        if len(addresses) > 1:
            self.report.warnings.append(
                f"{row.get('_where', '')} (id {row['id']}): у адреса {len(addresses)} строк address — сохранена "
                f"первая ({addresses[0].get('_where', '')}), остальные не сохранены."
            )
        municipalities = self.linked(ident, "municipality")
        municipality = municipalities[0] if municipalities else None
        settlement = None
        if municipality is None and address.get("region"):
            municipality = self.municipality_by_name.get(address["region"])
        if municipality is None:
            municipality, settlement = self._district(row, address, latitude, longitude)
        location.organization = org
        location.name = str(row.get("name") or "")[:255]
        location.municipality = municipality
        location.is_confidential = "confidential_address" in features
        location.is_24_7 = "open_24_7" in features
        location.wheelchair_accessible = "wheelchair_accessible" in features
        notes = self.by_owner.get(("accessibility", ident), [])
        location.accessibility_note = "\n".join(str(n.get("description") or "") for n in notes).strip()
        phones = self.by_owner.get(("phone", ident), [])
        if location.is_confidential:
            location.street = location.house = location.postal_code = location.address_note = ""
            location.transport_note = ""
            location.latitude = location.longitude = None
            location.settlement = None
            location.front_door_phone = str(phones[0]["number"]) if phones else ""
            self.consumed.add(("phone", ident))  # the first is the «front door» phone; the others are never shown
        else:
            line = str(address.get("address_1") or "")
            street, _sep, house = line.rpartition(", ") if ", " in line else ("", "", line)
            if not street and house and not house[:1].isdigit():
                street, house = house, ""
            location.street, location.house = street[:200], house[:50]
            location.address_note = str(address.get("address_2") or "")[:255]
            postal_code = str(address.get("postal_code") or "")
            location.postal_code = postal_code[:6]
            if len(postal_code) > 6:
                self.report.warnings.append(
                    f"{address.get('_where', '')}: поле postal_code «{postal_code}» длиннее 6 знаков — сохранено "
                    f"«{postal_code[:6]}»."
                )
            location.transport_note = str(row.get("transportation") or "")
            location.latitude, location.longitude = latitude, longitude
            location.front_door_phone = ""
            location.settlement = settlement or self._settlement(municipality, address.get("city"), location)
        location.full_clean(exclude=[*FOREIGN_KEYS, "organization"], validate_unique=False, validate_constraints=False)
        staged.phones = [] if location.is_confidential else self.phones(Phone(location=location), ident)
        self.hours(staged, location, ident)
        self.keep("location", ident, staged)

    def write_locations(self, staged: list[Staged]) -> None:
        self.write(Location, "location", staged, LOCATION_FIELDS)
        self.write_phones("location", staged)
        good = [s for s in staged if not s.failed]
        for chunk in _chunks([s.obj.pk for s in good if not s.created]):
            Schedule.objects.filter(location_id__in=chunk)._raw_delete(Schedule.objects.db)
            ScheduleException.objects.filter(location_id__in=chunk)._raw_delete(ScheduleException.objects.db)
        for kind, model in (("schedules", Schedule), ("exceptions", ScheduleException)):
            rows = []
            for s in good:
                for _row, obj in getattr(s, kind):
                    obj.location = s.obj
                    rows.append((_row, obj))
            self.insert(model, rows)
        for s in good:
            self.locations[str(s.obj.uuid)] = s.obj
            self.touched_organizations.add(s.obj.organization_id)

    def _settlement(self, municipality, city, location) -> Settlement | None:
        if not city or city == municipality.name or municipality.code == UNDETERMINED_MUNICIPALITY:
            return None
        city = str(city)[:150]
        settlement = self.settlements.get((municipality.pk, city))
        if settlement is None and location.latitude is not None and location.longitude is not None:
            code = f"{municipality.code}-{uuid.uuid5(m.NAMESPACE, city).hex[:8]}"
            with transaction.atomic():
                settlement = Settlement.objects.create(
                    municipality=municipality,
                    code=code[:80],
                    name=city,
                    latitude=location.latitude,
                    longitude=location.longitude,
                )
            self.settlements[municipality.pk, city] = settlement
        return settlement

    def _location_organization(self, row: dict, ident: str) -> Organization:
        """The organisation of a place: its organization_id, or (HSDS makes it optional) the one organisation
        of the services the package gives at that place."""
        if row.get("organization_id"):
            return self._organization(row["organization_id"])
        candidates = self.location_orgs.get(ident, [])
        for value in candidates:
            with contextlib.suppress(RowProblem):
                org = self._organization(value)
                rest = ", ".join(str(c) for c in candidates if c != value)
                others = f" (другие: {rest})" if rest else ""
                self.report.warnings.append(
                    f"{row.get('_where', '')} (id {row['id']}): организация адреса не указана (organization_id) — "
                    f"взята организация услуги, оказываемой по этому адресу: «{org.name}»{others}."
                )
                return org
        raise RowProblem(
            "Не указана организация адреса (organization_id), и ни одна услуга пакета, оказываемая по этому адресу, "
            "не называет сохранённую организацию: адрес не сохранён."
        )

    def _district(self, row: dict, address: dict, latitude, longitude) -> tuple[Municipality, Settlement | None]:
        """The district of a place without a district term: a settlement or district of the databank named in its
        address, else the district of the nearest known settlement, else «Район не определён» (flagged for an
        editor: see «Требует внимания после импорта» in the admin)."""
        where = f"{row.get('_where', '')} (id {row['id']})"
        for name in ("city", "address_2", "region", "state_province", "address_1"):
            words = _words(address.get(name))
            if not words:
                continue
            settlement = self.settlement_by_words.get(words)
            if settlement is not None:
                self.report.warnings.append(
                    f"{where}: район «{settlement.municipality.name}» определён по адресу ({name} «{address[name]}» — "
                    f"населённый пункт «{settlement.name}»)."
                )
                return settlement.municipality, settlement
            municipality = self.municipality_by_words.get(words)
            if municipality is not None:
                self.report.warnings.append(
                    f"{where}: район «{municipality.name}» определён по адресу ({name} «{address[name]}»)."
                )
                return municipality, None
        if latitude is not None and longitude is not None and self.settlement_points:
            distance, settlement = min(
                ((_km(latitude, longitude, s.latitude, s.longitude), s) for s in self.settlement_points),
                key=lambda pair: pair[0],
            )
            if distance <= NEAREST_SETTLEMENT_KM:
                self.report.warnings.append(
                    f"{where}: район «{settlement.municipality.name}» определён по координатам (ближайший населённый "
                    f"пункт «{settlement.name}», {distance:.1f} км)."
                )
                return settlement.municipality, None
        if self.undetermined is None:
            with transaction.atomic():
                self.undetermined, _created = Municipality.objects.get_or_create(
                    code=UNDETERMINED_MUNICIPALITY,
                    defaults={"name": UNDETERMINED_NAME, "region": settings.DIRECTORY_REGION_NAME[:150]},
                )
        told = ", ".join(f"{k} «{address[k]}»" for k in ("city", "region", "state_province") if address.get(k))
        self.report.warnings.append(
            f"{where}: район не определён ни по адресу ({told or 'адреса нет'}), ни по координатам — адрес сохранён в "
            f"районе «{UNDETERMINED_NAME}»; уточните район в админке («Требует внимания после импорта»)."
        )
        return self.undetermined, None

    def phones(self, template: Phone, ident: str) -> list[tuple[dict, Phone]]:
        """The checked phones of an owner (`template` names the owner); bad ones are reported and left out."""
        owner = {name: getattr(template, name) for name in ("organization", "location", "service")}
        self.consumed.add(("phone", ident))
        good = []
        for index, row in enumerate(self.by_owner.get(("phone", ident), [])):
            try:
                self.require(row, "number")
                extension = row.get("extension")
                extension = "" if extension in (None, "") else str(_int(extension, "Добавочный номер"))
                phone = Phone(
                    **{k: v for k, v in owner.items() if v is not None},
                    number=str(row["number"]),
                    extension=extension,
                    kind=m.PHONE_KINDS.get(str(row.get("type") or ""), Phone.Kind.MAIN),
                    description=str(row.get("description") or "")[:200],
                    sort_order=index,
                )
                phone.full_clean(exclude=["organization", "location", "service"], validate_constraints=False)
                good.append((row, phone))
            except RowProblem as exc:
                self.error(row, str(exc))
            except ValidationError as exc:
                self.error(row, _messages(exc))
        return good

    def write_phones(self, kind: str, staged: list[Staged]) -> None:
        good = [s for s in staged if not s.failed]
        for chunk in _chunks([s.obj.pk for s in good if not s.created]):
            Phone.objects.filter(**{f"{kind}_id__in": chunk})._raw_delete(Phone.objects.db)
        rows = []
        for s in good:
            for row, phone in s.phones:
                setattr(phone, kind, s.obj)
                rows.append((row, phone))
        self.insert(Phone, rows)

    def insert(self, model, rows: list[tuple[dict, object]]) -> None:
        """bulk_create of dependent rows (phones, hours); a refused batch is retried row by row."""
        for chunk in _chunks(rows):
            try:
                with transaction.atomic():
                    model.objects.bulk_create([obj for _row, obj in chunk])
            except (DatabaseError, ValueError, TypeError):
                for row, obj in chunk:
                    obj.pk = None
                    try:
                        with transaction.atomic():
                            obj.save()
                    except (DatabaseError, ValueError, TypeError) as exc:
                        self.error(row, f"Ошибка базы данных: {exc}")

    def hours(self, staged: Staged, location: Location, ident: str) -> None:
        seen_days = set()
        self.consumed.add(("schedule", ident))
        for row in self.by_owner.get(("schedule", ident), []):
            try:
                self._schedule(staged, location, row, seen_days)
            except RowProblem as exc:
                self.error(row, str(exc))
            except ValidationError as exc:
                self.error(row, _messages(exc))

    def _schedule(self, staged: Staged, location: Location, row: dict, seen_days: set) -> None:
        opens_at, closes_at = _time(row.get("opens_at"), "Начало приёма"), _time(row.get("closes_at"), "Конец приёма")
        day = _date(row.get("valid_from"), "Дата")
        if day is not None and not row.get("freq") and _date(row.get("valid_to"), "Дата") in (None, day):
            exception = ScheduleException(
                location=location,
                date=day,
                is_closed=opens_at is None,
                opens_at=opens_at,
                closes_at=closes_at,
                note=str(row.get("notes") or "")[:255],
            )
            exception.full_clean(exclude=["location"], validate_unique=False, validate_constraints=False)
            if day in seen_days:  # one exception per place and day (a constraint of the table)
                raise ValidationError("Особый день с такой датой у этого адреса уже есть.")
            seen_days.add(day)
            staged.exceptions.append((row, exception))
            return
        days = [d.strip().upper()[-2:] for d in str(row.get("byday") or "").split(",") if d.strip()]
        freq = str(row.get("freq") or "").upper()
        if freq and freq != "WEEKLY" and not days:
            raise RowProblem(
                f"поле freq: расписание «{freq}» (bymonthday/byyearday/byweekno) не сохранено — банк данных хранит "
                "только еженедельные часы работы (freq WEEKLY, byday)."
            )
        if not days or any(d not in m.WEEKDAYS for d in days):
            raise RowProblem(f"поле byday: не указаны дни недели: «{row.get('byday', '')}».")
        schedules = []
        for code in days:
            schedule = Schedule(
                location=location, weekday=m.WEEKDAYS.index(code), opens_at=opens_at, closes_at=closes_at
            )
            schedule.full_clean(exclude=["location"], validate_constraints=False)
            schedules.append((row, schedule))
        staged.schedules.extend(schedules)

    # ------------------------------------------------------------ services

    def _search_columns(self):
        return SearchColumns()

    def service(self, row: dict) -> None:
        self.require(row, "id", "name", "organization_id", "status")
        ident = str(_uuid(row["id"]))
        org = self._organization(row["organization_id"])
        if row["status"] not in ("active", "inactive", "defunct", "temporarily closed"):
            raise RowProblem(f"Неизвестный статус услуги «{row['status']}».")
        staged = self.stage("service", Service, ident, row)
        service = staged.obj
        service.organization = org
        service.name = str(row["name"])[:300]
        service.description = str(row.get("description") or "")
        service.url = str(row.get("url") or "")
        service.email = str(row.get("email") or "")
        service.status = STATUS.get(row["status"], Service.Status.ARCHIVED)
        service.how_to_apply = str(row.get("application_process") or "")
        service.cost_note = str(row.get("fees_description") or "")[:300]
        service.eligibility = str(row.get("eligibility_description") or "")
        service.age_min = _age(row.get("minimum_age"), "minimum_age", upper=False)
        service.age_max = _age(row.get("maximum_age"), "maximum_age", upper=True)
        assured = _date(row.get("assured_date"), "Дата проверки")
        service.verified_at = timezone.make_aware(datetime.combine(assured, time(12))) if assured is not None else None
        self.consumed.update({("required_document", ident), ("language", ident)})
        documents = self.by_owner.get(("required_document", ident), [])
        service.required_documents = "\n".join(str(d.get("document") or "") for d in documents if d.get("document"))
        delivery = set(self.linked(ident, "delivery"))
        for code, (field_name, _name) in m.DELIVERY_TERMS.items():
            setattr(service, field_name, code in delivery if delivery else code == "in_person")
        costs = self.linked(ident, "cost")
        service.cost = costs[0] if costs else Service.Cost.FREE
        options = self.costs.get(ident, [])
        if not costs and any(str(o.get("amount") or "0") not in ("0", "0.0", "0.00") for o in options):
            service.cost = Service.Cost.PAID  # a paid service is never imported as a free one
            if not service.cost_note:
                service.cost_note = "; ".join(
                    " ".join(str(o.get(k)) for k in ("option", "amount", "currency") if o.get(k) not in (None, ""))
                    for o in options
                )[:300]
        service.is_hotline = "hotline" in self.linked(ident, "feature")
        service.full_clean(
            exclude=["organization", "verified_by", "categories", "target_groups", "languages"],
            validate_unique=False,
            validate_constraints=False,
        )
        categories = list(dict.fromkeys(self.linked(ident, "kind") + self.linked(ident, "measure")))
        target_groups = list(dict.fromkeys(self.linked(ident, "target_group")))
        languages = list(dict.fromkeys(self._languages(ident)))
        service.search_name, service.search_text = self.search_columns.columns(
            name=service.name,
            organization=org,
            provider_type=org.provider_type,
            categories=categories,
            target_groups=target_groups,
            description=service.description,
            eligibility=service.eligibility,
        )
        staged.links = {
            "categories": [c.pk for c in categories],
            "target_groups": [t.pk for t in target_groups],
            "languages": [language.pk for language in languages],
        }
        staged.phones = self.phones(Phone(service=service), ident)
        if row.get("last_modified"):
            moment = parse_datetime(str(row["last_modified"]).replace("Z", "+00:00"))
            if moment is None:
                raise RowProblem(f"Дата изменения «{row['last_modified']}» не в формате ISO 8601.")
            self.modified[ident] = moment
        else:
            self.modified.pop(ident, None)
        self.keep("service", ident, staged)

    def write_services(self, staged: list[Staged]) -> None:
        self.write(Service, "service", staged, SERVICE_FIELDS)
        good = [s for s in staged if not s.failed]
        for name in ("categories", "target_groups", "languages"):
            field = Service._meta.get_field(name)
            through = field.remote_field.through
            source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
            for chunk in _chunks([s.obj.pk for s in good if not s.created]):
                through.objects.filter(**{f"{source}__in": chunk})._raw_delete(through.objects.db)
            links = [through(**{source: s.obj.pk, target: pk}) for s in good for pk in s.links[name]]
            for chunk in _chunks(links, 5000):
                through.objects.bulk_create(chunk)
        self.write_phones("service", staged)
        for s in staged:
            if s.failed:
                self.modified.pop(str(s.obj.uuid), None)
            else:
                self.services[str(s.obj.uuid)] = s.obj
                self.touched_organizations.add(s.obj.organization_id)
        for chunk in _chunks([s.obj.pk for s in good if not s.created]):
            self.touched_sals.update(
                ServiceAtLocation.objects.filter(service_id__in=chunk).values_list("pk", flat=True)
            )

    def _languages(self, ident: str) -> list[Language]:
        result = []
        for row in self.by_owner.get(("language", ident), []):
            code = str(row.get("code") or "").strip().lower()
            language = self.languages.get(code) if code else None
            if language is None and row.get("name"):
                language = self.languages_by_name.get(str(row["name"]).lower())
            if language is None and code:
                language = Language.objects.create(code=code[:50], name=str(row.get("name") or code)[:255])
                self.languages[language.code] = language
                self.languages_by_name.setdefault(language.name.lower(), language)
            if language is None:
                self.error(row, "Язык без кода и названия.")
                continue
            result.append(language)
        return result

    def service_at_location(self, row: dict) -> None:
        self.require(row, "id", "service_id", "location_id")
        ident = str(_uuid(row["id"]))
        service_key = str(_uuid(row["service_id"], "Услуга (service_id)"))
        location_key = str(_uuid(row["location_id"], "Адрес (location_id)"))
        service = self.services.get(service_key)
        if service is None and service_key not in self.refused:
            service = Service.objects.filter(uuid=service_key).first()
        location = self.locations.get(location_key)
        if location is None and location_key not in self.refused:
            location = Location.objects.filter(uuid=location_key).first()
        if service is None:
            raise RowProblem(f"{self.missing('Услуга (service_id)', service_key)}: связь с адресом не сохранена.")
        if location is None:
            raise RowProblem(
                f"{self.missing('Адрес (location_id)', location_key, ending='')}: связь не сохранена — услуга "
                f"«{service.name}» сохранена без этого адреса."
            )
        staged = self.stage("service_at_location", ServiceAtLocation, ident, row)
        sal = staged.obj
        sal.service, sal.location = service, location
        sal.note = str(row.get("description") or "")[:300]
        sal.full_clean(exclude=["service", "location"], validate_unique=False, validate_constraints=False)
        self.keep("service_at_location", ident, staged)

    def write_service_at_locations(self, staged: list[Staged]) -> None:
        self.write(ServiceAtLocation, "service_at_location", staged, ["service", "location", "note"])
        self.touched_sals.update(s.obj.pk for s in staged if not s.failed)

    # ------------------------------------------------------------ search

    def refresh_search(self) -> None:
        """Search (`search.sync`) for the rows the import touched; the columns of services not in the package
        whose organisation changed (they name it) are computed there."""
        imported = {service.pk for service in self.services.values()}
        others = []
        for chunk in _chunks(sorted(self.updated_organizations)):
            others.extend(
                pk
                for pk in Service.objects.filter(organization_id__in=chunk).values_list("pk", flat=True)
                if pk not in imported
            )
        sync.databank_changed(
            services=others, organizations=self.touched_organizations, service_at_locations=self.touched_sals
        )


FOREIGN_KEYS = ["provider_type", "agency", "municipality", "settlement"]
ORGANIZATION_FIELDS = [
    "name", "short_name", "description", "email", "website", "legal_form", "provider_type", "agency", "updated_at",
]  # fmt: skip
LOCATION_FIELDS = [
    "organization", "name", "municipality", "is_confidential", "is_24_7", "wheelchair_accessible",
    "accessibility_note", "street", "house", "postal_code", "address_note", "transport_note", "latitude",
    "longitude", "front_door_phone", "settlement",
]  # fmt: skip
SERVICE_FIELDS = [
    "organization", "name", "description", "url", "email", "status", "how_to_apply", "cost_note", "eligibility",
    "age_min", "age_max", "verified_at", "required_documents", "cost", "is_hotline", "search_name", "search_text",
    "updated_at",
    *(field_name for field_name, _name in m.DELIVERY_TERMS.values()),
]  # fmt: skip


def import_tables(tables, *, all_or_nothing: bool = False, dry_run: bool = False) -> Report:
    return Importer(tables, all_or_nothing=all_or_nothing, dry_run=dry_run).run()
