"""Printed guide benchmark: time to render the PDF booklet of a district with 200 entries (issue 7: under 10 s).

Not part of the normal suite (pyproject's `norecursedirs` skips tests/benchmarks). Run it with

    make bench
    .venv/bin/pytest tests/benchmarks/test_guide_benchmark.py -s -q
    BENCH_GUIDE_ENTRIES=500 BENCH_RUNS=3 .venv/bin/pytest tests/benchmarks/test_guide_benchmark.py -s -q

A new district is made in the test database (on top of the demo databank) with `BENCH_GUIDE_ENTRIES` published
services (default 200), each at its own address with weekly hours and a phone, spread over the five kinds of
help, with the texts of the demo services. Then the booklet is rendered `BENCH_RUNS` times (default 3) in A4 and
in A5 through `website.guide.render.guide_pdf` (selection, layout, PDF), and the times are printed with the
number of pages and SQL queries. Nothing is asserted about timings; see docs/performance.md.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
from datetime import time
from decimal import Decimal
from time import perf_counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from directory.models import (
    Category,
    Location,
    Municipality,
    Organization,
    Phone,
    ProviderType,
    Schedule,
    Service,
    ServiceAtLocation,
    Settlement,
)
from website.guide import render, selectors

ENTRIES = int(os.environ.get("BENCH_GUIDE_ENTRIES", "200"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PER_ORGANIZATION = 10

pytestmark = pytest.mark.django_db


def make_district(entries: int) -> Municipality:
    """A district with `entries` published services, each at its own place (bulk inserts, no signals needed)."""
    district = Municipality.objects.create(code="bench-guide", region="Республика Тыва", name="Тестовый кожуун")
    settlement = Settlement.objects.create(
        municipality=district,
        code="bench-guide-selo",
        name="Тестовое",
        kind="село",
        latitude=Decimal("51.5"),
        longitude=Decimal("94.5"),
    )
    texts = list(
        Service.objects.filter(status="published")
        .exclude(description="")
        .values("name", "description", "eligibility", "how_to_apply")[:100]
    )
    groups = list(Category.objects.filter(scheme="measure", parent__isnull=True).exclude(code="other"))
    provider_type = ProviderType.objects.first()
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Тестовая организация № {n + 1} Тестового кожууна", provider_type=provider_type)
        for n in range((entries + PER_ORGANIZATION - 1) // PER_ORGANIZATION)
    )
    locations = Location.objects.bulk_create(
        Location(
            organization=organizations[n // PER_ORGANIZATION],
            municipality=district,
            settlement=settlement,
            street="ул. Центральная",
            house=str(n + 1),
            latitude=Decimal("51.5"),
            longitude=Decimal("94.5"),
        )
        for n in range(entries)
    )
    services = Service.objects.bulk_create(
        Service(
            organization=organizations[n // PER_ORGANIZATION],
            name=f"{texts[n % len(texts)]['name']} (№ {n + 1})",
            description=texts[n % len(texts)]["description"],
            eligibility=texts[n % len(texts)]["eligibility"],
            how_to_apply=texts[n % len(texts)]["how_to_apply"],
            status=Service.Status.PUBLISHED,
            delivery_in_person=True,
            delivery_phone=n % 2 == 0,
        )
        for n in range(entries)
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(service=s, location=loc) for s, loc in zip(services, locations, strict=True)
    )
    Service.categories.through.objects.bulk_create(
        Service.categories.through(service_id=s.pk, category_id=groups[n % len(groups)].pk)
        for n, s in enumerate(services)
    )
    Schedule.objects.bulk_create(
        Schedule(location=loc, weekday=day, opens_at=time(9), closes_at=time(18))
        for loc in locations
        for day in range(5)
    )
    Phone.objects.bulk_create(Phone(location=loc, number=f"+73942{n:06d}") for n, loc in enumerate(locations))
    return district


def test_guide_render_time():
    district = make_district(ENTRIES)
    print(f"\nPrinted guide benchmark: {ENTRIES} entries, {RUNS} runs per size")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU")
    print(f"database: {connection.vendor}; load average before: {os.getloadavg()}")
    print("| size | pages | KB | SQL | wall p50 s | wall max s | CPU p50 s |")
    print("|---|---|---|---|---|---|---|")
    for size in ("a4", "a5"):
        selection = selectors.Selection(municipality=district, size=size)
        walls, cpus = [], []
        for _ in range(RUNS):
            started, cpu = perf_counter(), os.times()
            with CaptureQueriesContext(connection) as queries:
                pdf, count = render.guide_pdf(selection, base_url="https://families.example.ru/")
            walls.append(perf_counter() - started)
            after = os.times()
            cpus.append(after.user + after.system - cpu.user - cpu.system)
        assert count == ENTRIES
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"| {size.upper()} | {pages} | {len(pdf) // 1024} | {len(queries)} | {statistics.median(walls):.2f} "
            f"| {max(walls):.2f} | {statistics.median(cpus):.2f} |"
        )
    print(f"load average after: {os.getloadavg()}")
