"""Import HSDS tables into the databank: upsert by identifier, map taxonomy terms, report bad rows in Russian.

Rows are applied table by table in dependency order, each in its own savepoint: a bad row is reported and
skipped (with everything that depends on it). With `all_or_nothing`, any bad row rolls the whole import back.
"""

from __future__ import annotations

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

from directory.models import (
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

from . import mapping as m

STATUS = {"active": Service.Status.PUBLISHED}
COORDINATE = Decimal("0.000001")


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
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


class Importer:
    def __init__(self, tables: dict[str, list[dict]], *, all_or_nothing: bool = False, dry_run: bool = False):
        self.tables = {table: tables.get(table, []) for table in m.TABLES}
        self.all_or_nothing = all_or_nothing
        self.dry_run = dry_run
        self.report = Report()
        self.terms: dict[str, tuple[str, str]] = {}  # term id -> (taxonomy key, code)
        self.objects: dict[tuple[str, str], object] = {}  # (taxonomy key, code) -> model row
        self.attributes: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.organizations: dict[str, Organization] = {}
        self.locations: dict[str, Location] = {}
        self.services: dict[str, Service] = {}
        self.modified: dict[int, datetime] = {}
        self.by_owner: dict[tuple[str, str], list[dict]] = defaultdict(list)

    # ------------------------------------------------------------ driver

    def run(self) -> Report:
        with translation.override("ru"), transaction.atomic():
            self.index()
            self.each("taxonomy_term", self.taxonomy_term, ordered=self._parents_first())
            self.each("attribute", self.attribute)
            self.each("organization", self.organization)
            self.each("location", self.location)
            self.each("service", self.service)
            self.each("service_at_location", self.service_at_location)
            if self.modified:
                for pk, moment in self.modified.items():
                    Service.objects.filter(pk=pk).update(updated_at=moment)
            if self.dry_run or (self.all_or_nothing and self.report.errors):
                transaction.set_rollback(True)
                self.report.rolled_back = True
        return self.report

    def index(self) -> None:
        for table in ("phone", "schedule", "address", "accessibility", "language", "required_document"):
            for row in self.tables[table]:
                for owner in ("organization_id", "location_id", "service_id"):
                    if row.get(owner):
                        self.by_owner[table, str(row[owner])].append(row)
                        break
                else:
                    self.error(row, "Строка не привязана ни к организации, ни к адресу, ни к услуге.")

    def each(self, table: str, handler, ordered=None) -> None:
        for row in ordered if ordered is not None else self.tables[table]:
            try:
                with transaction.atomic():
                    handler(row)
            except RowProblem as exc:
                self.error(row, str(exc))
            except ValidationError as exc:
                self.error(row, _messages(exc))
            except DatabaseError as exc:
                self.error(row, f"Ошибка базы данных: {exc}")

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
            raise RowProblem("Термин таксономии (taxonomy_term_id) не найден в пакете.")
        self.attributes[str(row["link_id"])].append(self.terms[term])

    def linked(self, link_id: str, key: str) -> list:
        return [self.objects[k, code] for k, code in self.attributes.get(link_id, []) if k == key]

    # ------------------------------------------------------------ organisations and places

    def organization(self, row: dict) -> None:
        self.require(row, "id", "name")
        ident = _uuid(row["id"])
        org = Organization.objects.filter(uuid=ident).first()
        created = org is None
        org = org or Organization(uuid=ident)
        org.name = str(row["name"])[:500]
        org.short_name = str(row.get("alternate_name") or "")[:200]
        org.description = str(row.get("description") or "")
        org.email = str(row.get("email") or "")
        org.website = str(row.get("website") or "")
        org.legal_form = str(row.get("legal_status") or "")[:200]
        types = self.linked(str(ident), "provider_type")
        org.provider_type = (
            types[0] if types else ProviderType.objects.filter(code="other").first() or ProviderType.objects.first()
        )
        agencies = self.linked(str(ident), "agency")
        org.agency = agencies[0] if agencies else org.provider_type.agency
        org.full_clean(exclude=["logo", "photo", "verified_by"])
        org.save()
        self.replace_phones(org, "organization", str(ident))
        self.organizations[str(ident)] = org
        self.count("organization", created)

    def _organization(self, value, what="Организация (organization_id)") -> Organization:
        key = str(_uuid(value, what))
        org = self.organizations.get(key) or Organization.objects.filter(uuid=key).first()
        if org is None:
            raise RowProblem(f"{what} «{value}» не найдена ни в пакете, ни в банке данных.")
        return org

    def location(self, row: dict) -> None:
        self.require(row, "id", "organization_id")
        ident = str(_uuid(row["id"]))
        org = self._organization(row["organization_id"])
        location = Location.objects.filter(uuid=ident).first()
        created = location is None
        location = location or Location(uuid=ident)
        features = set(self.linked(ident, "feature"))
        addresses = self.by_owner.get(("address", ident), [])
        address = addresses[0] if addresses else {}
        municipalities = self.linked(ident, "municipality")
        municipality = municipalities[0] if municipalities else None
        if municipality is None and address.get("region"):
            municipality = Municipality.objects.filter(name=address["region"]).first()
        if municipality is None:
            raise RowProblem("Не указан район (термин таксономии «Муниципальные образования» или region адреса).")
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
        else:
            line = str(address.get("address_1") or "")
            street, _sep, house = line.rpartition(", ") if ", " in line else ("", "", line)
            if not street and house and not house[:1].isdigit():
                street, house = house, ""
            location.street, location.house = street[:200], house[:50]
            location.address_note = str(address.get("address_2") or "")[:255]
            location.postal_code = str(address.get("postal_code") or "")[:6]
            location.transport_note = str(row.get("transportation") or "")
            location.latitude = _decimal(row.get("latitude"), "Широта")
            location.longitude = _decimal(row.get("longitude"), "Долгота")
            location.front_door_phone = ""
            location.settlement = self._settlement(municipality, address.get("city"), location)
        location.full_clean(exclude=["organization"])
        location.save()
        if location.is_confidential:
            location.phones.all().delete()
        else:
            self.replace_phones(location, "location", ident)
        self.replace_schedules(location, ident)
        self.locations[ident] = location
        self.count("location", created)

    def _settlement(self, municipality, city, location) -> Settlement | None:
        if not city or city == municipality.name:
            return None
        settlement = Settlement.objects.filter(municipality=municipality, name=city).order_by("code").first()
        if settlement is None and location.latitude is not None and location.longitude is not None:
            code = f"{municipality.code}-{uuid.uuid5(m.NAMESPACE, city).hex[:8]}"
            settlement = Settlement.objects.create(
                municipality=municipality,
                code=code,
                name=city,
                latitude=location.latitude,
                longitude=location.longitude,
            )
        return settlement

    def replace_phones(self, owner, kind: str, ident: str) -> None:
        rows = self.by_owner.get(("phone", ident), [])
        owner.phones.all().delete()
        for index, row in enumerate(rows):
            try:
                with transaction.atomic():
                    self.require(row, "number")
                    extension = row.get("extension")
                    extension = "" if extension in (None, "") else str(_int(extension, "Добавочный номер"))
                    phone = Phone(
                        **{kind: owner},
                        number=str(row["number"]),
                        extension=extension,
                        kind=m.PHONE_KINDS.get(str(row.get("type") or ""), Phone.Kind.MAIN),
                        description=str(row.get("description") or "")[:200],
                        sort_order=index,
                    )
                    phone.full_clean(exclude=["organization", "location", "service"])
                    phone.save()
            except RowProblem as exc:
                self.error(row, str(exc))
            except ValidationError as exc:
                self.error(row, _messages(exc))

    def replace_schedules(self, location: Location, ident: str) -> None:
        location.schedules.all().delete()
        location.schedule_exceptions.all().delete()
        for row in self.by_owner.get(("schedule", ident), []):
            try:
                with transaction.atomic():
                    self._schedule(location, row)
            except RowProblem as exc:
                self.error(row, str(exc))
            except ValidationError as exc:
                self.error(row, _messages(exc))

    def _schedule(self, location: Location, row: dict) -> None:
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
            exception.full_clean(exclude=["location"])
            exception.save()
            return
        days = [d.strip().upper()[-2:] for d in str(row.get("byday") or "").split(",") if d.strip()]
        if not days or any(d not in m.WEEKDAYS for d in days):
            raise RowProblem(f"Не указаны дни недели (byday): «{row.get('byday', '')}».")
        for code in days:
            schedule = Schedule(
                location=location, weekday=m.WEEKDAYS.index(code), opens_at=opens_at, closes_at=closes_at
            )
            schedule.full_clean(exclude=["location"])
            schedule.save()

    # ------------------------------------------------------------ services

    def service(self, row: dict) -> None:
        self.require(row, "id", "name", "organization_id", "status")
        ident = str(_uuid(row["id"]))
        org = self._organization(row["organization_id"])
        if row["status"] not in ("active", "inactive", "defunct", "temporarily closed"):
            raise RowProblem(f"Неизвестный статус услуги «{row['status']}».")
        service = Service.objects.filter(uuid=ident).first()
        created = service is None
        service = service or Service(uuid=ident)
        service.organization = org
        service.name = str(row["name"])[:300]
        service.description = str(row.get("description") or "")
        service.url = str(row.get("url") or "")
        service.email = str(row.get("email") or "")
        service.status = STATUS.get(row["status"], Service.Status.ARCHIVED)
        service.how_to_apply = str(row.get("application_process") or "")
        service.cost_note = str(row.get("fees_description") or "")[:300]
        service.eligibility = str(row.get("eligibility_description") or "")
        service.age_min = _int(row.get("minimum_age"), "Возраст от")
        service.age_max = _int(row.get("maximum_age"), "Возраст до")
        assured = _date(row.get("assured_date"), "Дата проверки")
        service.verified_at = timezone.make_aware(datetime.combine(assured, time(12))) if assured is not None else None
        documents = self.by_owner.get(("required_document", ident), [])
        service.required_documents = "\n".join(str(d.get("document") or "") for d in documents if d.get("document"))
        delivery = set(self.linked(ident, "delivery"))
        for code, (field_name, _name) in m.DELIVERY_TERMS.items():
            setattr(service, field_name, code in delivery if delivery else code == "in_person")
        costs = self.linked(ident, "cost")
        service.cost = costs[0] if costs else Service.Cost.FREE
        service.is_hotline = "hotline" in self.linked(ident, "feature")
        service.full_clean(exclude=["organization", "verified_by", "categories", "target_groups", "languages"])
        service.save()
        service.categories.set(self.linked(ident, "kind") + self.linked(ident, "measure"))
        service.target_groups.set(self.linked(ident, "target_group"))
        service.languages.set(self._languages(ident))
        service.save()
        self.replace_phones(service, "service", ident)
        if row.get("last_modified"):
            moment = parse_datetime(str(row["last_modified"]).replace("Z", "+00:00"))
            if moment is None:
                raise RowProblem(f"Дата изменения «{row['last_modified']}» не в формате ISO 8601.")
            self.modified[service.pk] = moment
        self.services[ident] = service
        self.count("service", created)

    def _languages(self, ident: str) -> list[Language]:
        result = []
        for row in self.by_owner.get(("language", ident), []):
            code = str(row.get("code") or "").strip().lower()
            language = Language.objects.filter(code=code).first() if code else None
            if language is None and row.get("name"):
                language = Language.objects.filter(name__iexact=str(row["name"])).first()
            if language is None and code:
                language = Language.objects.create(code=code[:50], name=str(row.get("name") or code)[:255])
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
        service = self.services.get(service_key) or Service.objects.filter(uuid=service_key).first()
        location = self.locations.get(location_key) or Location.objects.filter(uuid=location_key).first()
        if service is None:
            raise RowProblem(f"Услуга «{service_key}» не найдена ни в пакете, ни в банке данных.")
        if location is None:
            raise RowProblem(f"Адрес «{location_key}» не найден ни в пакете, ни в банке данных.")
        sal = ServiceAtLocation.objects.filter(uuid=ident).first()
        created = sal is None
        sal = sal or ServiceAtLocation(uuid=ident)
        sal.service, sal.location = service, location
        sal.note = str(row.get("description") or "")[:300]
        sal.full_clean(exclude=["service", "location"])
        sal.save()
        self.count("service_at_location", created)


def import_tables(tables, *, all_or_nothing: bool = False, dry_run: bool = False) -> Report:
    return Importer(tables, all_or_nothing=all_or_nothing, dry_run=dry_run).run()
