"""How the databank maps onto HSDS 3.1: identifiers, taxonomies, table columns.

Organisations, places, services and «service at a place» rows keep their own `uuid`. Everything else gets
an identifier derived with uuid5 from a stable key (a reference code, or the owner's uuid and a position),
so that an export, imported into an empty databank and exported again, gives the same files.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path

HSDS_VERSION = "3.1"
PROFILE = "https://openreferral.org/specification/3.1"
SCHEMA_DIR = Path(__file__).parent / "schema"
NAMESPACE = uuid.UUID("6c1f0a52-2d3e-5f7a-9b41-8e0d2c4a7b19")
COUNTRY = "RU"
CURRENCY = "RUB"


def derived_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


# key -> (name, description). Attribute links from services, organisations and places go to their terms.
TAXONOMIES = {
    "kind": ("Виды помощи", "Пять видов помощи: медицинская, психологическая, педагогическая, правовая, социальная."),
    "measure": ("Перечень мер помощи", "Группы и пункты регионального перечня мер помощи семьям с детьми."),
    "target_group": ("Категории семей", "Категории семей, для которых предназначена услуга."),
    "provider_type": ("Типы организаций", "Тип организации, оказывающей помощь."),
    "agency": ("Ведомства", "Ведомственная принадлежность организации."),
    "municipality": ("Муниципальные образования", "Муниципальный район или городской округ места приёма."),
    "delivery": ("Способы получения", "Как можно получить услугу."),
    "cost": ("Стоимость", "Бесплатно, частично бесплатно или платно."),
    "feature": ("Особенности", "Горячая линия, доступный вход, круглосуточная работа, конфиденциальный адрес."),
}

DELIVERY_TERMS = {
    "in_person": ("delivery_in_person", "Очно"),
    "phone": ("delivery_phone", "По телефону"),
    "online": ("delivery_online", "Онлайн"),
    "home_visit": ("delivery_home_visit", "Выезд на дом"),
}
COST_TERMS = {"free": "Бесплатно", "partly_free": "Частично бесплатно", "paid": "Платно"}
FEATURE_TERMS = {
    "hotline": "Горячая линия",
    "wheelchair_accessible": "Доступный вход",
    "open_24_7": "Круглосуточно",
    "confidential_address": "Адрес не публикуется",
}

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PHONE_TYPES = {"main": "voice", "hotline": "voice", "reception": "voice", "mobile": "cell", "fax": "fax"}
PHONE_KINDS = {"voice": "main", "cell": "mobile", "fax": "fax"}
FRONT_DOOR_PHONE = "Телефон для обращения"
CLOSED_DAY = "Не работает"
SPECIAL_HOURS = "Особые часы работы"


def taxonomy_id(key: str) -> str:
    return derived_id("taxonomy", key)


def term_id(taxonomy: str, code: str) -> str:
    return derived_id("term", taxonomy, code)


# The tables written to the tabular package, in dependency order (table name -> HSDS schema name).
TABLES = [
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "address",
    "accessibility",
    "service",
    "service_at_location",
    "phone",
    "schedule",
    "language",
    "required_document",
    "attribute",
]

# Nested JSON keys and the table their objects belong to.
NESTED = {
    "organization": "organization",
    "services": "service",
    "locations": "location",
    "location": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "service_at_locations": "service_at_location",
    "phones": "phone",
    "schedules": "schedule",
    "languages": "language",
    "required_documents": "required_document",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}


@cache
def datapackage() -> dict:
    return json.loads((SCHEMA_DIR / "datapackage.json").read_text(encoding="utf-8"))


@cache
def resources() -> dict[str, dict]:
    """HSDS table name -> its tabular resource (path, schema with fields)."""
    return {resource["name"]: resource for resource in datapackage()["resources"]}


def columns(table: str) -> list[str]:
    return [field["name"] for field in resources()[table]["schema"]["fields"]]


@cache
def all_tables() -> tuple[str, ...]:
    """Every table of the HSDS 3.1 tabular package, in the datapackage's order: what the export writes (the
    importer reads `TABLES`)."""
    return tuple(resource["name"] for resource in datapackage()["resources"])


@cache
def schema(table: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{table}.json").read_text(encoding="utf-8"))


@cache
def required(table: str) -> tuple[str, ...]:
    """The columns a row of `table` must fill: required in the datapackage or in the table's JSON schema."""
    fields = resources()[table]["schema"]["fields"]
    in_package = {field["name"] for field in fields if field.get("constraints", {}).get("required")}
    in_schema = set(schema(table).get("required", []))
    return tuple(name for name in columns(table) if name in in_package | in_schema)


def field_types(table: str) -> dict[str, str]:
    return {field["name"]: field["type"] for field in resources()[table]["schema"]["fields"]}


# Older file names (HSDS 2.x/3.0 packages) accepted on import.
FILE_ALIASES = {
    "service_at_locations.csv": "service_at_location",
    "accessibility_for_disabilities.csv": "accessibility",
    "taxonomy.csv": "taxonomy",
    "organisations.csv": "organization",
}

# Tables the export derives from what the databank holds (beyond the importer's `TABLES`).
URL_LABELS = {"organization": "Сайт организации", "service": "Страница услуги"}
SERVICE_AREA_NOTE = (
    "Район, где находится место приёма по этой услуге. Банк данных не хранит, жителям каких районов услуга "
    "положена: это место получения услуги, а не граница права на неё."
)
METADATA_ACTION = "update"  # the databank keeps the moment of the record's last change (`updated_at`), nothing more
TABLE_LANGUAGE = "ru"
TABLE_CHARACTER_SET = "UTF-8"

# Tables written with their header only: why the databank has nothing for them.
EMPTY_TABLES = {
    "program": "В банке данных нет программ (групп услуг одной организации).",
    "contact": "Банк данных не хранит контактных лиц: электронная почта и телефоны организаций, мест и услуг "
    "выгружены в organization, service и phone.",
    "funding": "Банк данных не хранит источники финансирования.",
    "organization_identifier": "Банк данных не хранит ИНН, ОГРН или другие идентификаторы организаций.",
    "service_capacity": "Банк данных не хранит вместимость услуг (число мест).",
    "unit": "Нет вместимости услуг — нет и единиц её измерения. В datapackage.json HSDS 3.1 у этой таблицы нет "
    "полей, поэтому её заголовок пуст.",
    "url": "Ни у одной выгружаемой организации или услуги нет сайта.",
    "cost_option": "Все выгружаемые услуги бесплатны.",
}
EMPTY_TABLE_DEFAULT = "В выгружаемых данных нет ни одной строки для этой таблицы."

# Why a required value is left empty: (table, field) -> reason. A gap without its own reason gets GAP_DEFAULT.
GAP_REASONS = {
    ("address", "postal_code"): "Почтовый индекс места не указан в банке данных. HSDS требует поле, но не задаёт "
    "ему формата; индекс не выдумывается, а строка адреса сохранена, чтобы не потерять улицу и населённый пункт.",
    ("address", "address_1"): "Улица и дом места не указаны: известен только населённый пункт.",
    ("organization", "description"): "Описание организации не заполнено в банке данных.",
    ("metadata", "field_name"): "Банк данных хранит только дату последнего изменения записи, без журнала полей.",
    ("metadata", "previous_value"): "Банк данных не хранит прежних значений полей.",
    ("metadata", "replacement_value"): "Банк данных не хранит журнал изменений: какое поле получило какое "
    "значение, неизвестно.",
    ("metadata", "updated_by"): "Банк данных не хранит, кто изменил запись.",
}
GAP_DEFAULT = "Значение не заполнено в банке данных."
TERM_DESCRIPTION_FROM_NAME = (
    "У термина нет своего описания, а HSDS требует description: подставлено название термина — самое точное "
    "описание, какое есть в банке данных."
)
