"""Writes of the spreadsheet import: record an upload, commit its rows, roll a commit back.

The uploaded file is kept in the record (`file_data`) and checked again at commit, so what is written is
what the check of that moment allows. A commit runs in one transaction: «только верные строки» writes every
row without errors, «ничего при ошибках» writes everything or, when any row has an error, nothing (the
record says so). A rollback, also in one transaction, deletes what the import created and restores the
services it updated from the JSON snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from directory.models import Location, Organization, Phone, Service, ServiceAtLocation

from .models import SpreadsheetImport
from .parse import Table, read_table
from .validate import Check, Reference, RowCheck, address_key, check_table, fold

# Deleted in this order on a rollback: dependants first.
CREATED_ORDER = ("phone", "service_at_location", "service", "location", "organization")
MODELS = {
    "organization": Organization,
    "location": Location,
    "service": Service,
    "service_at_location": ServiceAtLocation,
    "phone": Phone,
}
SNAPSHOT_FIELDS = ("description", "cost", "age_min", "age_max", "status")


def check_upload(record: SpreadsheetImport, reference: Reference | None = None) -> tuple[Table, Check]:
    """Parse and check the stored file of an import (raises `parse.ParseError` when it is not a table)."""
    table = read_table(record.file_name, bytes(record.file_data))
    return table, check_table(table, on_duplicate=record.on_duplicate, reference=reference)


def import_upload(*, user, file_name: str, data: bytes, on_duplicate: str) -> tuple[SpreadsheetImport, Check]:
    """Check an uploaded file and record it. A file that is not a table raises `ParseError` and is not kept."""
    table = read_table(file_name, data)
    check = check_table(table, on_duplicate=on_duplicate)
    record = SpreadsheetImport.objects.create(
        uploaded_by=user,
        file_name=file_name[:255],
        file_data=data,
        file_size=len(data),
        on_duplicate=on_duplicate,
        rows_total=len(check.rows),
        rows_valid=len(check.valid_rows),
        rows_with_errors=len(check.error_rows),
    )
    return record, check


def import_cancel(*, record: SpreadsheetImport) -> SpreadsheetImport:
    if not record.can_commit:
        raise ValidationError("Этот импорт уже завершён.")
    record.status = SpreadsheetImport.Status.CANCELLED
    record.save(update_fields=["status"])
    return record


def set_related(service: Service, name: str, pks: list[int], *, fresh: bool = False) -> None:
    """Replace a service's categories or family categories in the database (a ParentalManyToManyField's own
    `set()` only changes the in-memory cluster until the next save)."""
    field = Service._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    if not fresh:
        through.objects.filter(**{f"{source}_id": service.pk}).delete()
    through.objects.bulk_create([through(**{f"{source}_id": service.pk, f"{target}_id": pk}) for pk in pks])


@dataclass
class _Writer:
    record: SpreadsheetImport
    created: dict
    previous: dict

    def __post_init__(self):
        self.organizations: dict[str, Organization] = {}
        self.locations: dict[tuple, Location] = {}
        self.services: dict[tuple, Service] = {}
        self.location_phones: dict[int, set[str]] = {}
        self.links: set[tuple[int, int]] = set()
        self.updated: set[int] = set()
        self.new_services: set[int] = set()
        self.new_locations: set[int] = set()

    def add(self, kind: str, obj) -> None:
        self.created.setdefault(kind, []).append(obj.pk)

    def organization(self, row: RowCheck) -> Organization:
        key = fold(row.values["organization"])
        if key in self.organizations:
            return self.organizations[key]
        organization = row.clean["organization"]
        if organization is None:
            provider_type = row.clean["provider_type"]
            organization = Organization.objects.create(
                name=row.values["organization"].strip(),
                provider_type=provider_type,
                agency_id=provider_type.agency_id,
                email=row.values["email"],
                website=row.values["website"],
            )
            self.add("organization", organization)
        self.organizations[key] = organization
        return organization

    def location(self, row: RowCheck, organization: Organization) -> Location:
        clean, values = row.clean, row.values
        key = address_key(
            organization.name, clean["municipality_id"], clean["settlement_id"], values["street"], values["house"]
        )
        if key in self.locations:
            return self.locations[key]
        location = clean.get("location")
        if location is None:
            location = Location.objects.create(
                organization=organization,
                municipality=clean["municipality"],
                settlement=clean["settlement"],
                street=values["street"].strip(),
                house=values["house"].strip(),
                latitude=clean["latitude"],
                longitude=clean["longitude"],
            )
            self.add("location", location)
            self.new_locations.add(location.pk)
            self.location_phones[location.pk] = set()
        self.locations[key] = location
        return location

    def phones(self, row: RowCheck, location: Location) -> None:
        if not row.clean["phones"]:
            return
        if location.pk not in self.location_phones:
            self.location_phones[location.pk] = set(location.phones.values_list("number", flat=True))
        known = self.location_phones[location.pk]
        for number in row.clean["phones"]:
            if number in known:
                continue
            phone = Phone.objects.create(location=location, number=number, sort_order=len(known))
            known.add(number)
            self.add("phone", phone)

    def service(self, row: RowCheck, organization: Organization) -> Service:
        key = (organization.pk, fold(row.values["service"]))
        if key in self.services:
            return self.services[key]
        clean, values = row.clean, row.values
        service = row.updates_service
        fresh = service is None
        if service is None:
            service = Service(organization=organization, name=values["service"].strip())
            self._fill(service, row)
            service.save()
            self.add("service", service)
            self.new_services.add(service.pk)
        else:
            service = Service.objects.get(pk=service.pk)
            self.previous[str(service.pk)] = {
                **{name: getattr(service, name) for name in SNAPSHOT_FIELDS},
                "categories": list(service.categories.values_list("pk", flat=True)),
                "target_groups": list(service.target_groups.values_list("pk", flat=True)),
            }
            self._fill(service, row)
            service.save()
            self.updated.add(service.pk)
        if clean["categories"] or row.updates_service is None:
            set_related(service, "categories", [obj.pk for obj in clean["categories"]], fresh=fresh)
        if clean["target_groups"] or row.updates_service is None:
            set_related(service, "target_groups", [obj.pk for obj in clean["target_groups"]], fresh=fresh)
        self.services[key] = service
        return service

    @staticmethod
    def _fill(service: Service, row: RowCheck) -> None:
        clean, values = row.clean, row.values
        updating = service.pk is not None
        if values["description"] or not updating:
            service.description = values["description"]
        for name, key in (("cost", "cost"), ("status", "status"), ("age_min", "age_min"), ("age_max", "age_max")):
            if values[key] or not updating:
                setattr(service, name, clean[name])
        if service.age_min is not None and service.age_max is not None and service.age_min > service.age_max:
            service.age_max = service.age_min

    def link(self, service: Service, location: Location) -> None:
        if (service.pk, location.pk) in self.links:
            return
        self.links.add((service.pk, location.pk))
        new_here = service.pk in self.new_services or location.pk in self.new_locations
        if not new_here and ServiceAtLocation.objects.filter(service=service, location=location).exists():
            return
        self.add("service_at_location", ServiceAtLocation.objects.create(service=service, location=location))

    def write(self, row: RowCheck) -> None:
        organization = self.organization(row)
        location = self.location(row, organization)
        self.phones(row, location)
        service = self.service(row, organization)
        self.link(service, location)


def import_commit(*, record: SpreadsheetImport, mode: str, user) -> tuple[SpreadsheetImport, Check]:
    """Write the rows of a checked import. Returns the record (its status says what happened) and the check."""
    if not record.can_commit:
        raise ValidationError("Этот импорт уже завершён: загрузите файл заново.")
    started = perf_counter()
    _table, check = check_upload(record)
    record.mode = mode
    record.rows_total, record.rows_valid = len(check.rows), len(check.valid_rows)
    record.rows_with_errors = len(check.error_rows)
    if mode == SpreadsheetImport.Mode.ALL_OR_NOTHING and check.has_errors or not check.valid_rows:
        record.status = SpreadsheetImport.Status.REFUSED
        record.save()
        return record, check
    created: dict[str, list[int]] = {}
    previous: dict[str, dict] = {}
    with transaction.atomic():
        writer = _Writer(record=record, created=created, previous=previous)
        for row in check.valid_rows:
            writer.write(row)
        record.status = SpreadsheetImport.Status.COMMITTED
        record.created_ids = created
        record.previous_values = previous
        record.created_count = sum(len(ids) for ids in created.values())
        record.updated_count = len(writer.updated)
        record.committed_at = timezone.now()
        record.committed_by = user
        record.duration_ms = int((perf_counter() - started) * 1000)
        record.save()
    return record, check


def import_roll_back(*, record: SpreadsheetImport, user) -> SpreadsheetImport:
    """Delete what the import created and restore what it updated; refuses if something protects a record."""
    if not record.can_roll_back:
        raise ValidationError("Отменить можно только загруженный импорт, который ещё не отменён.")
    try:
        with transaction.atomic():
            for pk, values in record.previous_values.items():
                service = Service.objects.filter(pk=pk).first()
                if service is None:
                    continue
                for name in SNAPSHOT_FIELDS:
                    setattr(service, name, values[name])
                service.save()
                set_related(service, "categories", values["categories"])
                set_related(service, "target_groups", values["target_groups"])
            for kind in CREATED_ORDER:
                ids = record.created_ids.get(kind, [])
                if ids:
                    MODELS[kind].objects.filter(pk__in=ids).delete()
            record.status = SpreadsheetImport.Status.ROLLED_BACK
            record.rolled_back_at = timezone.now()
            record.rolled_back_by = user
            record.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(
            "Импорт нельзя отменить: на созданные им записи уже ссылаются другие данные (например, направления "
            "или обращения). Удалите или измените эти записи вручную."
        ) from exc
    return record
