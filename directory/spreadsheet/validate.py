"""The row-by-row check of an uploaded table against the databank. Nothing is written here.

Every problem is tied to a row and, where it can be, a column, with a message in Russian. Reference lists
are read once per check (`Reference`), so that a file of thousands of rows takes a handful of queries.

Duplicates:
- the same organisation (by name), address and service twice in the file: the second row is an error;
- an organisation whose name is already in the databank: the row is attached to it, and an address equal to
  one of its addresses (district, settlement, street, house) is reused — neither is changed;
- a service of that organisation with the same name: «будет обновлено» (description, categories, cost, ages
  and status are taken from the row, the previous values are kept for a rollback), or, when the editor asks
  for it, an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from directory.models import (
    MAX_CHILD_AGE,
    Category,
    Location,
    Municipality,
    Organization,
    ProviderType,
    Service,
    Settlement,
    TargetGroup,
)
from directory.validators import normalise_phone

from .parse import Table
from .template import BY_KEY, LIST_SEPARATOR

COORDINATE = Decimal("0.000001")
MAX_LENGTHS = {"organization": 500, "service": 300, "street": 200, "house": 50, "email": 254, "website": 200}
COSTS = {
    "бесплатно": Service.Cost.FREE,
    "free": Service.Cost.FREE,
    "частично бесплатно": Service.Cost.PARTLY_FREE,
    "частично платно": Service.Cost.PARTLY_FREE,
    "partly_free": Service.Cost.PARTLY_FREE,
    "платно": Service.Cost.PAID,
    "paid": Service.Cost.PAID,
}
STATUSES = {
    "черновик": Service.Status.DRAFT,
    "draft": Service.Status.DRAFT,
    "опубликовано": Service.Status.PUBLISHED,
    "опубликована": Service.Status.PUBLISHED,
    "published": Service.Status.PUBLISHED,
}
UPDATE, ERROR = "update", "error"


def fold(text: str) -> str:
    return " ".join(str(text or "").split()).casefold().replace("ё", "е")


def number(value: Decimal) -> str:
    """A decimal as people write it: 54, 49.5, 51.7191 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def region_bounds() -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(south, west, north, east) of the region the databank describes, from settings."""
    return tuple(Decimal(str(value)) for value in settings.DIRECTORY_REGION_BOUNDS)


def address_key(organization: str, municipality_id, settlement_id, street: str, house: str) -> tuple:
    return (fold(organization), municipality_id, settlement_id, fold(street), fold(house))


class Reference:
    """The reference lists and the existing records a check compares rows with, read once."""

    def __init__(self):
        self.provider_types = self._by_code_and_name(ProviderType.objects.all())
        self.default_provider_type = ProviderType.objects.filter(code="other").first() or ProviderType.objects.first()
        self.municipalities = self._by_code_and_name(Municipality.objects.all())
        self.settlements: dict[tuple[int, str], Settlement] = {}
        for settlement in Settlement.objects.order_by("-code"):
            self.settlements[settlement.municipality_id, fold(settlement.name)] = settlement
            self.settlements[settlement.municipality_id, fold(settlement.code)] = settlement
        self.categories = self._by_code_and_name(Category.objects.all(), extra="short_name")
        self.target_groups = self._by_code_and_name(TargetGroup.objects.all())
        self.organizations: dict[str, Organization] = {}
        for organization in Organization.objects.order_by("-pk").only("pk", "name", "short_name"):
            self.organizations[fold(organization.name)] = organization
        self.locations: dict[tuple, Location] = {}
        for location in Location.objects.select_related("organization").only(
            "pk", "organization__name", "municipality_id", "settlement_id", "street", "house"
        ):
            key = address_key(
                location.organization.name,
                location.municipality_id,
                location.settlement_id,
                location.street,
                location.house,
            )
            self.locations.setdefault(key, location)
        self.services: dict[tuple[int, str], Service] = {}
        for service in Service.objects.order_by("-pk").only("pk", "organization_id", "name"):
            self.services[service.organization_id, fold(service.name)] = service
        self.south, self.west, self.north, self.east = region_bounds()

    @staticmethod
    def _by_code_and_name(queryset, extra=None) -> dict:
        found = {}
        for obj in queryset:
            for value in (obj.name, getattr(obj, extra) if extra else "", obj.code):
                if value:
                    found.setdefault(fold(value), obj)
        return found


@dataclass
class RowCheck:
    """One row of the file: its values, its errors per column ('' for the row as a whole) and what it does."""

    number: int
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    updates_service: Service | None = None
    clean: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))

    def errors_of(self, key: str) -> list[str]:
        return [message for column, message in self.errors if column == key]

    @property
    def messages(self) -> list[str]:
        """Every error as «Столбец: сообщение» (the whole-row ones without a column)."""
        return [f"{BY_KEY[key].title}: {message}" if key else message for key, message in self.errors]


@dataclass
class Check:
    rows: list[RowCheck] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[RowCheck]:
        return [] if self.file_errors else [row for row in self.rows if row.ok]

    @property
    def error_rows(self) -> list[RowCheck]:
        return self.rows if self.file_errors else [row for row in self.rows if not row.ok]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows)


def check_table(table: Table, *, on_duplicate: str = UPDATE, reference: Reference | None = None) -> Check:
    reference = reference or Reference()
    result = Check(unknown_headers=list(table.unknown_headers))
    for key in table.missing_required:
        result.file_errors.append(f"Нет обязательного столбца «{BY_KEY[key].title}». Добавьте его по образцу шаблона.")
    if not table.rows:
        result.file_errors.append("В файле нет ни одной строки с данными — только заголовок.")
    seen: dict[tuple, int] = {}
    for number, values in table.rows:
        row = RowCheck(number=number, values=values)
        check_row(row, reference, on_duplicate=on_duplicate)
        if row.ok or row.clean.get("municipality") is not None:
            clean = row.clean
            key = (
                *address_key(
                    values["organization"],
                    clean.get("municipality_id"),
                    clean.get("settlement_id"),
                    values["street"],
                    values["house"],
                ),
                fold(values["service"]),
            )
            if key in seen:
                row.error(
                    "service", f"Повторяет строку {seen[key]}: та же услуга той же организации по тому же адресу."
                )
            else:
                seen[key] = number
        result.rows.append(row)
    return result


def check_row(row: RowCheck, reference: Reference, *, on_duplicate: str = UPDATE) -> None:
    values, clean = row.values, row.clean
    for key in ("organization", "municipality", "service"):
        if not values[key]:
            row.error(key, "Обязательное поле не заполнено.")
    for key, limit in MAX_LENGTHS.items():
        if len(values[key]) > limit:
            row.error(key, f"Слишком длинное значение: {len(values[key])} знаков, можно не больше {limit}.")

    clean["provider_type"] = reference.default_provider_type
    if values["provider_type"]:
        provider_type = reference.provider_types.get(fold(values["provider_type"]))
        if provider_type is None:
            row.error("provider_type", f"Неизвестный тип организации «{values['provider_type']}».")
        clean["provider_type"] = provider_type

    municipality = None
    if values["municipality"]:
        municipality = reference.municipalities.get(fold(values["municipality"]))
        if municipality is None:
            row.error("municipality", f"Неизвестный район «{values['municipality']}». Укажите название из справочника.")
    clean["municipality"] = municipality
    clean["municipality_id"] = municipality.pk if municipality else None
    clean["settlement"] = clean["settlement_id"] = None
    if values["settlement"] and municipality is not None:
        settlement = reference.settlements.get((municipality.pk, fold(values["settlement"])))
        if settlement is None:
            row.error(
                "settlement", f"Населённый пункт «{values['settlement']}» не найден в районе «{municipality.name}»."
            )
        else:
            clean["settlement"], clean["settlement_id"] = settlement, settlement.pk

    _check_coordinates(row, reference)
    _check_phones(row)
    _check_contacts(row)
    clean["categories"] = _lookup_list(row, "categories", reference.categories, "категория помощи")
    clean["target_groups"] = _lookup_list(row, "target_groups", reference.target_groups, "категория семей")

    clean["cost"] = Service.Cost.FREE
    if values["cost"]:
        clean["cost"] = COSTS.get(fold(values["cost"]))
        if clean["cost"] is None:
            row.error("cost", f"«{values['cost']}»: укажите «бесплатно», «частично бесплатно» или «платно».")
    clean["status"] = Service.Status.DRAFT
    if values["status"]:
        clean["status"] = STATUSES.get(fold(values["status"]))
        if clean["status"] is None:
            row.error("status", f"«{values['status']}»: укажите «черновик» или «опубликовано».")
    clean["age_min"] = _age(row, "age_min")
    clean["age_max"] = _age(row, "age_max")
    if clean["age_min"] is not None and clean["age_max"] is not None and clean["age_min"] > clean["age_max"]:
        row.error("age_max", "Возраст «до» меньше возраста «от».")

    organization = reference.organizations.get(fold(values["organization"])) if values["organization"] else None
    clean["organization"] = organization
    if organization is not None and municipality is not None:
        location = reference.locations.get(
            address_key(
                values["organization"], municipality.pk, clean["settlement_id"], values["street"], values["house"]
            )
        )
        clean["location"] = location
        if location is not None:
            row.notes.append("Организация и адрес уже есть в банке данных: к ним добавится услуга.")
        else:
            row.notes.append("Организация уже есть в банке данных: к ней добавится адрес.")
    if organization is not None and values["service"]:
        service = reference.services.get((organization.pk, fold(values["service"])))
        if service is not None:
            if on_duplicate == ERROR:
                row.error(
                    "service",
                    f"Услуга «{values['service']}» организации «{values['organization']}» уже есть в банке данных.",
                )
            else:
                row.updates_service = service
                row.notes.append("Такая услуга у организации уже есть: будет обновлено.")


def _check_coordinates(row: RowCheck, reference: Reference) -> None:
    values, clean = row.values, row.clean
    clean["latitude"] = _decimal(row, "latitude")
    clean["longitude"] = _decimal(row, "longitude")
    latitude, longitude = clean["latitude"], clean["longitude"]
    given = [bool(values["latitude"]), bool(values["longitude"])]
    if given == [True, False]:
        row.error("longitude", "Укажите долготу вместе с широтой (или не указывайте ни одну).")
    elif given == [False, True]:
        row.error("latitude", "Укажите широту вместе с долготой (или не указывайте ни одну).")
    if latitude is None or longitude is None:
        return
    region = settings.DIRECTORY_REGION_NAME
    if not reference.south <= latitude <= reference.north:
        row.error(
            "latitude",
            f"Широта {number(latitude)} вне региона «{region}» "
            f"(от {number(reference.south)} до {number(reference.north)}). "
            "Проверьте, не перепутаны ли широта и долгота.",
        )
    if not reference.west <= longitude <= reference.east:
        row.error(
            "longitude",
            f"Долгота {number(longitude)} вне региона «{region}» "
            f"(от {number(reference.west)} до {number(reference.east)}).",
        )


def _decimal(row: RowCheck, key: str) -> Decimal | None:
    text = row.values[key].replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
        return value.quantize(COORDINATE)
    except (InvalidOperation, ValueError):
        row.error(key, f"«{row.values[key]}» не число. Пример: 51.7191.")
        return None


def _check_phones(row: RowCheck) -> None:
    numbers = []
    for part in row.values["phone"].split(LIST_SEPARATOR):
        if not part.strip():
            continue
        try:
            numbers.append(normalise_phone(part))
        except ValidationError as exc:
            row.error("phone", " ".join(exc.messages))
    row.clean["phones"] = list(dict.fromkeys(numbers))


def _check_contacts(row: RowCheck) -> None:
    email, website = row.values["email"], row.values["website"]
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            row.error("email", f"«{email}» не похоже на адрес электронной почты. Пример: name@example.ru.")
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            row.error("website", f"«{website}» не похоже на адрес сайта. Пример: https://example.ru.")


def _lookup_list(row: RowCheck, key: str, known: dict, what: str) -> list:
    found = []
    for part in row.values[key].split(LIST_SEPARATOR):
        if not part.strip():
            continue
        obj = known.get(fold(part))
        if obj is None:
            row.error(key, f"Неизвестная {what} «{part.strip()}».")
        elif obj not in found:
            found.append(obj)
    return found


def _age(row: RowCheck, key: str) -> int | None:
    text = row.values[key].strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_CHILD_AGE:
        row.error(key, f"«{text}»: укажите целое число лет от 0 до {MAX_CHILD_AGE}.")
        return None
    return int(text)
