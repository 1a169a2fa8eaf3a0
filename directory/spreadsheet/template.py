"""The columns of the import template and the template files an editor downloads.

One row of the table is one service of an organisation at one address. Rows of the same organisation repeat
its name (and address); an organisation, an address and a service found in several rows are created once.
The header is matched by the Russian title (with or without the «*» of required columns, any case) or by
the technical key, so a column may be moved or renamed to its key.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool
    help: str
    example: str

    @property
    def header(self) -> str:
        return f"{self.title}*" if self.required else self.title


COLUMNS = (
    Column("organization", "Организация", True, "Полное название организации.", "КЦСОН города Кызыла"),
    Column(
        "provider_type",
        "Тип организации",
        False,
        "Название или код из справочника «Типы организаций». Пусто — «Иное».",
        "social_service",
    ),
    Column(
        "municipality",
        "Район",
        True,
        "Муниципальный район или городской округ: название или код из справочника.",
        "Город Кызыл",
    ),
    Column("settlement", "Населённый пункт", False, "Название населённого пункта этого района.", "Кызыл"),
    Column("street", "Улица", False, "Улица, переулок, микрорайон.", "ул. Кочетова"),
    Column("house", "Дом", False, "Номер дома, корпус.", "10"),
    Column("latitude", "Широта", False, "Десятичные градусы, точка или запятая; в пределах региона.", "51.7191"),
    Column("longitude", "Долгота", False, "Десятичные градусы; указывается вместе с широтой.", "94.4378"),
    Column(
        "phone",
        "Телефон",
        False,
        "Один или несколько номеров через «;». Например, +7 394 222-33-44 или 8 800 200-01-22.",
        "+7 39422 2-33-44",
    ),
    Column("email", "Эл. почта", False, "Адрес электронной почты организации.", "kcson@example.ru"),
    Column("website", "Сайт", False, "Адрес сайта организации, с https://.", "https://kcson.example.ru"),
    Column("service", "Услуга", True, "Название услуги.", "Консультация психолога"),
    Column("description", "Описание услуги", False, "Что получает семья.", "Индивидуальные консультации."),
    Column(
        "categories",
        "Категории помощи",
        False,
        "Коды или названия из справочника «Категории помощи» через «;».",
        "psy; A4.3",
    ),
    Column(
        "target_groups",
        "Категории семей",
        False,
        "Коды или названия из справочника «Категории семей» через «;».",
        "large",
    ),
    Column("cost", "Стоимость", False, "бесплатно, частично бесплатно или платно. Пусто — бесплатно.", "бесплатно"),
    Column("age_min", "Возраст от", False, "Возраст ребёнка от, лет (0–18).", "0"),
    Column("age_max", "Возраст до", False, "Возраст ребёнка до, лет (0–18).", "18"),
    Column(
        "status",
        "Статус",
        False,
        "черновик или опубликовано. Пусто — черновик: услуга появится на сайте после проверки.",
        "черновик",
    ),
)

BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = tuple(column.key for column in COLUMNS if column.required)
LIST_SEPARATOR = ";"


def header_key(text) -> str | None:
    """The column key of a header cell, or None for a column the template does not know."""
    label = " ".join(str(text or "").replace("*", " ").split()).casefold().replace("ё", "е")
    if not label:
        return None
    for column in COLUMNS:
        if label in (column.key, column.title.casefold().replace("ё", "е")):
            return column.key
    return None


def template_xlsx() -> bytes:
    """The template workbook: the header with a note on every column, one example row, a sheet of help."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Услуги"
    sheet.append([column.header for column in COLUMNS])
    sheet.append([column.example for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.comment = Comment(column.help, "Банк данных")
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("Описание столбцов")
    help_sheet.append(["Столбец", "Обязательный", "Что указать", "Пример"])
    for column in COLUMNS:
        help_sheet.append([column.title, "да" if column.required else "нет", column.help, column.example])
    for letter, width in zip("ABCD", (22, 14, 80, 40), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a byte order mark and «;», which Excel in a Russian locale opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    writer.writerow([column.example for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
