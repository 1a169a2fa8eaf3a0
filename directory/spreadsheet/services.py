"""Writes of the spreadsheet import: record an upload, commit its rows, roll a commit back.

The uploaded file is kept in the record (`file_data`) and checked again at commit, so what is written is
what the check of that moment allows. A commit runs in one transaction: «только верные строки» writes every
row without errors, «ничего при ошибках» writes everything or, when any row has an error, nothing (the
record says so). A rollback, also in one transaction, deletes what the import created and restores the
services it updated from the JSON snapshot.
"""

from __future__ import annotations

from time import perf_counter

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from core.db_timeouts import long_statements
from directory.models import Location, Organization, Phone, Service, ServiceAtLocation
from search import sync

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
BATCH_SIZE = 500
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


def set_related(service: Service, name: str, pks: list[int]) -> None:
    """Replace a service's categories or family categories in the database (a ParentalManyToManyField's own
    `set()` only changes the in-memory cluster until the next save)."""
    field = Service._meta.get_field(name)
    through = field.remote_field.through
    through.objects.filter(**{f"{field.m2m_field_name()}_id": service.pk}).delete()
    add_related(name, [(service.pk, pk) for pk in pks])


class _Writer:
    """Writes the valid rows in bulk: a few INSERTs per kind of record instead of a save (and its signals) per row.

    New organisations, places, services, services at a place, phones and category links are created with
    `bulk_create`; a service that already exists is updated with an ordinary `save()` after its snapshot is
    kept. Search is then told once about every touched service (`search.sync.databank_changed`): their search
    columns, the search table, a distributed index after commit and the cached public pages.
    """

    def __init__(self):
        self.created: dict[str, list[int]] = {}
        self.previous: dict[str, dict] = {}
        self.updated: set[int] = set()

    def run(self, rows: list[RowCheck]) -> None:
        organizations = self._organizations(rows)
        locations = self._locations(rows, organizations)
        self._phones(rows, locations)
        services = self._services(rows, organizations)
        self._links(rows, organizations, locations, services)
        touched = [*self.created.get("service", []), *self.updated]
        # Bulk writes send no signals: search computes the columns and writes the rows of every touched service.
        sync.databank_changed(services=touched, organizations=self.created.get("organization", []))

    def _bulk(self, kind: str, objects: list) -> list:
        created = MODELS[kind].objects.bulk_create(objects, batch_size=BATCH_SIZE)
        self.created.setdefault(kind, []).extend(obj.pk for obj in created)
        return created

    def _organizations(self, rows) -> dict[str, Organization]:
        found: dict[str, Organization] = {}
        new: list[Organization] = []
        for row in rows:
            key = fold(row.values["organization"])
            if key in found:
                continue
            organization = row.clean["organization"]
            if organization is None:
                provider_type = row.clean["provider_type"]
                organization = Organization(
                    name=row.values["organization"].strip(),
                    provider_type=provider_type,
                    agency_id=provider_type.agency_id,
                    email=row.values["email"],
                    website=row.values["website"],
                )
                new.append(organization)
            found[key] = organization
        self._bulk("organization", new)
        return found

    @staticmethod
    def _address(row: RowCheck) -> tuple:
        clean, values = row.clean, row.values
        return address_key(
            values["organization"], clean["municipality_id"], clean["settlement_id"], values["street"], values["house"]
        )

    def _locations(self, rows, organizations) -> dict[tuple, Location]:
        found: dict[tuple, Location] = {}
        new: list[Location] = []
        for row in rows:
            key = self._address(row)
            if key in found:
                continue
            location = row.clean.get("location")
            if location is None:
                clean, values = row.clean, row.values
                location = Location(
                    organization=organizations[fold(values["organization"])],
                    municipality=clean["municipality"],
                    settlement=clean["settlement"],
                    street=values["street"].strip(),
                    house=values["house"].strip(),
                    latitude=clean["latitude"],
                    longitude=clean["longitude"],
                )
                new.append(location)
            found[key] = location
        self._bulk("location", new)
        return found

    def _phones(self, rows, locations) -> None:
        new_locations = self._new("location")
        existing_ids = [location.pk for location in locations.values() if location.pk not in new_locations]
        known: dict[int, list[str]] = {}
        for location_id, number in Phone.objects.filter(location_id__in=existing_ids).values_list(
            "location_id", "number"
        ):
            known.setdefault(location_id, []).append(number)
        new: list[Phone] = []
        for row in rows:
            location = locations[self._address(row)]
            numbers = known.setdefault(location.pk, [])
            for number in row.clean["phones"]:
                if number not in numbers:
                    new.append(Phone(location=location, number=number, sort_order=len(numbers)))
                    numbers.append(number)
        self._bulk("phone", new)

    def _new(self, kind: str) -> set[int]:
        return set(self.created.get(kind, []))

    def _services(self, rows, organizations) -> dict[tuple, Service]:
        found: dict[tuple, Service] = {}
        new: list[tuple[Service, RowCheck]] = []
        for row in rows:
            organization = organizations[fold(row.values["organization"])]
            key = (organization.pk, fold(row.values["service"]))
            if key in found:
                continue
            if row.updates_service is None:
                service = Service(organization=organization, name=row.values["service"].strip())
                _fill(service, row, updating=False)
                new.append((service, row))
            else:
                service = self._update(row)
            found[key] = service
        self._bulk("service", [service for service, _row in new])
        links = {"categories": [], "target_groups": []}
        for service, row in new:
            for name in links:
                links[name].extend((service.pk, obj.pk) for obj in row.clean[name])
        for name, pairs in links.items():
            add_related(name, pairs)
        return found

    def _update(self, row: RowCheck) -> Service:
        service = Service.objects.get(pk=row.updates_service.pk)
        if service.pk in self.updated:
            return service
        self.previous[str(service.pk)] = {
            **{name: getattr(service, name) for name in SNAPSHOT_FIELDS},
            "categories": list(service.categories.values_list("pk", flat=True)),
            "target_groups": list(service.target_groups.values_list("pk", flat=True)),
        }
        _fill(service, row, updating=True)
        service.save()
        for name in ("categories", "target_groups"):
            if row.clean[name]:
                set_related(service, name, [obj.pk for obj in row.clean[name]])
        self.updated.add(service.pk)
        return service

    def _links(self, rows, organizations, locations, services) -> None:
        new_services = self._new("service")  # a pair with a new service cannot exist yet
        old_services = [service.pk for service in services.values() if service.pk not in new_services]
        existing = set(
            ServiceAtLocation.objects.filter(service_id__in=old_services).values_list("service_id", "location_id")
        )
        new: list[ServiceAtLocation] = []
        for row in rows:
            organization = organizations[fold(row.values["organization"])]
            service = services[organization.pk, fold(row.values["service"])]
            location = locations[self._address(row)]
            pair = (service.pk, location.pk)
            if pair in existing:
                continue
            existing.add(pair)
            new.append(ServiceAtLocation(service=service, location=location))
        self._bulk("service_at_location", new)


def _fill(service: Service, row: RowCheck, *, updating: bool) -> None:
    """Copy the row's service fields; when updating, an empty cell keeps the old value."""
    clean, values = row.clean, row.values
    if values["description"] or not updating:
        service.description = values["description"]
    for name in ("cost", "status", "age_min", "age_max"):
        if values[name] or not updating:
            setattr(service, name, clean[name])
    if service.age_min is not None and service.age_max is not None and service.age_min > service.age_max:
        service.age_max = service.age_min


def add_related(name: str, pairs: list[tuple[int, int]]) -> None:
    field = Service._meta.get_field(name)
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    through.objects.bulk_create(
        [through(**{f"{source}_id": service_pk, f"{target}_id": pk}) for service_pk, pk in pairs],
        batch_size=BATCH_SIZE,
    )


def import_commit(*, record: SpreadsheetImport, mode: str, user) -> tuple[SpreadsheetImport, Check]:
    """Write the rows of a checked import. Returns the record (its status says what happened) and the check.

    The record is locked for the whole commit, so two editors pressing «Загрузить» at once write it once.
    """
    started = perf_counter()
    # Thousands of rows in one transaction: its bulk statements may run longer than a web request's.
    with long_statements(), transaction.atomic():
        record = SpreadsheetImport.objects.select_for_update().get(pk=record.pk)
        if not record.can_commit:
            raise ValidationError("Этот импорт уже завершён: загрузите файл заново.")
        _table, check = check_upload(record)
        record.mode = mode
        record.rows_total, record.rows_valid = len(check.rows), len(check.valid_rows)
        record.rows_with_errors = len(check.error_rows)
        if mode == SpreadsheetImport.Mode.ALL_OR_NOTHING and check.has_errors or not check.valid_rows:
            record.status = SpreadsheetImport.Status.REFUSED
            record.save()
            return record, check
        writer = _Writer()
        writer.run(check.valid_rows)
        record.status = SpreadsheetImport.Status.COMMITTED
        record.created_ids = writer.created
        record.previous_values = writer.previous
        record.created_count = sum(len(ids) for ids in writer.created.values())
        record.updated_count = len(writer.updated)
        record.committed_at = timezone.now()
        record.committed_by = user
        record.duration_ms = int((perf_counter() - started) * 1000)
        record.save()
    return record, check


def import_roll_back(*, record: SpreadsheetImport, user) -> SpreadsheetImport:
    """Delete what the import created and restore what it updated; refuses if something protects a record."""
    try:
        with long_statements(), transaction.atomic():
            record = SpreadsheetImport.objects.select_for_update().get(pk=record.pk)
            if not record.can_roll_back:
                raise ValidationError("Отменить можно только загруженный импорт, который ещё не отменён.")
            for pk, values in record.previous_values.items():
                service = Service.objects.filter(pk=pk).first()
                if service is None:
                    continue
                for name in SNAPSHOT_FIELDS:
                    setattr(service, name, values[name])
                service.save()
                set_related(service, "categories", values["categories"])
                set_related(service, "target_groups", values["target_groups"])
            # Wagtail's reference index is cleaned in bulk below instead of two queries per deleted row.
            with disable_reference_index_auto_update():
                for kind in CREATED_ORDER:
                    ids = record.created_ids.get(kind, [])
                    for start in range(0, len(ids), BATCH_SIZE):
                        chunk = ids[start : start + BATCH_SIZE]
                        MODELS[kind].objects.filter(pk__in=chunk).delete()
                        content_type = ContentType.objects.get_for_model(MODELS[kind])
                        keys = [str(pk) for pk in chunk]
                        ReferenceIndex.objects.filter(base_content_type=content_type, object_id__in=keys).delete()
                        ReferenceIndex.objects.filter(to_content_type=content_type, to_object_id__in=keys).delete()
            # The restored links were written without signals: their services' columns and rows.
            sync.databank_changed(services=record.previous_values.keys())
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
