"""Reading an uploaded table into rows of text keyed by the template's column keys.

XLSX is read with openpyxl (the first sheet, values only); CSV is decoded as UTF-8 (with or without a byte
order mark) or, failing that, Windows-1251, and its delimiter («;», «,» or a tab) is taken from the header
line. Anything else — an image renamed to .xlsx, a legacy .xls, a damaged archive — raises `ParseError` with
a message for the editor; nothing is written.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .template import COLUMNS, REQUIRED, header_key

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc)


class ParseError(Exception):
    """The file cannot be read as a table; the message is for the editor."""


@dataclass
class Table:
    """The rows of an uploaded file. `rows` are (row number in the file, {column key: text})."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def read_table(name: str, data: bytes) -> Table:
    lower = (name or "").lower()
    if not data:
        raise ParseError("Файл пустой: в нём нет ни заголовка, ни строк.")
    if len(data) > MAX_BYTES:
        raise ParseError(f"Файл больше {MAX_BYTES // (1024 * 1024)} МБ: разделите его на части.")
    if data.startswith(OLE_MAGIC):
        raise ParseError("Это файл старого формата Excel (.xls). Сохраните его как «Книга Excel (.xlsx)» или CSV.")
    if data.startswith(ZIP_MAGIC) or lower.endswith(XLSX_EXTENSIONS):
        return _table(*_read_xlsx(data))
    if lower.endswith(CSV_EXTENSIONS) or not lower.rpartition(".")[1]:
        return _table(*_read_csv(data))
    raise ParseError("Загрузите таблицу в формате XLSX или CSV (по образцу шаблона).")


def _read_xlsx(data: bytes):
    not_a_table = "Файл не удалось прочитать как таблицу Excel (.xlsx): он повреждён или это файл другого типа."
    if not data.startswith(ZIP_MAGIC):
        raise ParseError(not_a_table)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError(not_a_table) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ParseError("В книге нет ни одного листа.")
        lines = [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    except ParseError:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged sheet
        raise ParseError(not_a_table) from exc
    finally:
        book.close()
    return lines, "", ""


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ParseError("Файл не похож на текстовую таблицу CSV. Загрузите XLSX или CSV по образцу шаблона.")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace"), "Windows-1251"


def _read_csv(data: bytes):
    text, encoding = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ";"
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ParseError(f"Файл CSV не удалось прочитать: {exc}.") from exc
    return [[cell.strip() for cell in line] for line in lines], encoding, delimiter


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def _table(lines: list[list[str]], encoding: str, delimiter: str) -> Table:
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if any(line)]
    if not numbered:
        raise ParseError("Файл пустой: в нём нет ни заголовка, ни строк.")
    header = numbered[0][1]
    keys: list[str | None] = []
    table = Table(encoding=encoding, delimiter=delimiter)
    for cell in header:
        key = header_key(cell)
        if key is None and cell:
            table.unknown_headers.append(cell)
        keys.append(key if key not in keys else None)
    table.columns = [key for key in keys if key]
    if not table.columns:
        raise ParseError(
            "В первой строке нет ни одного заголовка шаблона (например, «Организация», «Район», «Услуга»). "
            "Скачайте шаблон на этой странице и перенесите данные в него."
        )
    table.missing_required = [key for key in REQUIRED if key not in table.columns]
    data_lines = numbered[1:]
    if len(data_lines) > MAX_ROWS:
        raise ParseError(f"В файле {len(data_lines)} строк, можно не больше {MAX_ROWS}: разделите файл на части.")
    for number, line in data_lines:
        row = {column.key: "" for column in COLUMNS}
        for key, value in zip(keys, line, strict=False):
            if key:
                row[key] = value
        table.rows.append((number, row))
    return table
