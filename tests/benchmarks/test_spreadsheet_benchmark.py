"""Spreadsheet import benchmark: a 5,000-row XLSX file, read, checked and committed (issue 7, part 3).

Not part of the normal suite (tests/benchmarks is skipped). Run it with

    .venv/bin/pytest tests/benchmarks/test_spreadsheet_benchmark.py -s -q
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        .venv/bin/pytest tests/benchmarks/test_spreadsheet_benchmark.py -s -q

`BENCH_IMPORT_ROWS` changes the number of rows (default 5000). The file has 1,000 organisations with one place
each and five services per place, every row with a phone, two categories of help and a family category — the
shape of a municipal list. The phases are timed separately: reading the file, checking every row, and the commit
(which checks the stored file again, then writes, then runs the after-commit refresh of the search columns that
a real request runs too). Nothing is asserted about timings; the figures are printed. See docs/performance.md.
"""

from __future__ import annotations

import io
import os
import platform
from datetime import UTC, datetime
from time import perf_counter

import pytest
from django.db import connection
from openpyxl import Workbook

from directory.models import Service, SpreadsheetImport
from directory.spreadsheet import services
from directory.spreadsheet.parse import read_table
from directory.spreadsheet.template import COLUMNS
from directory.spreadsheet.validate import check_table

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
pytestmark = pytest.mark.django_db


def big_file(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Услуги")
    sheet.append([column.header for column in COLUMNS])
    for n in range(rows):
        values = {
            "organization": f"Центр помощи семье № {n // 5}",
            "provider_type": "family_centre",
            "municipality": "Город Кызыл",
            "settlement": "Кызыл",
            "street": "ул. Ленина",
            "house": str(n // 5),
            "latitude": "51.7191",
            "longitude": "94.4378",
            "phone": f"+7 39422 {10000 + n // 5}",
            "email": f"centre{n // 5}@example.ru",
            "website": "",
            "service": f"Услуга {n % 5}",
            "description": "Консультации специалистов для семей с детьми.",
            "categories": "psy; A4.3",
            "target_groups": "large",
            "cost": "бесплатно",
            "age_min": "0",
            "age_max": "18",
            "status": "опубликовано",
        }
        sheet.append([values[column.key] for column in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_of_a_large_file(django_user_model, django_capture_on_commit_callbacks):
    user = django_user_model.objects.create_superuser("bench", "bench@example.ru", "correct-horse-battery")
    started = perf_counter()
    data = big_file(ROWS)
    made = perf_counter() - started

    started = perf_counter()
    table = read_table("bench.xlsx", data)
    read = perf_counter() - started
    started = perf_counter()
    check = check_table(table)
    checked = perf_counter() - started
    assert len(check.valid_rows) == ROWS, check.error_rows[:1] and check.error_rows[0].messages

    record = SpreadsheetImport.objects.create(uploaded_by=user, file_name="bench.xlsx", file_data=data)
    started = perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        record, _check = services.import_commit(record=record, mode="valid_only", user=user)
    committed = perf_counter() - started
    assert record.status == "committed"
    assert Service.objects.filter(organization__name__startswith="Центр помощи семье № ").count() == ROWS

    started = perf_counter()
    services.import_roll_back(record=record, user=user)
    rolled_back = perf_counter() - started

    print()
    print(f"Spreadsheet import benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, {connection.vendor}"
    )
    print(f"rows: {ROWS}, file: {len(data) / 1024:.0f} KiB (generated in {made:.1f} s)")
    print(f"read XLSX:            {read:6.1f} s")
    print(f"check rows:           {checked:6.1f} s")
    print(f"commit (incl. check): {committed:6.1f} s   ({record.created_count} records created)")
    print(f"rollback:             {rolled_back:6.1f} s")
