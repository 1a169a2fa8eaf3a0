"""Page weight: what a first visit (empty cache) to each public and kiosk page downloads.

    make bench                                                                    # with the other benchmarks
    .venv/bin/pytest tests/benchmarks/test_page_weight.py -s -q                    # alone

Measured against the production setup on loopback: nginx from deploy/nginx/families.conf (HTTPS, gzip,
static files from STATIC_ROOT with the precompressed files of `collectstatic`) in front of gunicorn from
deploy/systemd/families-web.service, DEBUG off, on the PostgreSQL databank of the public load benchmark
(50,000 synthetic services, the demo pages and the demo kiosk; see public_stack.py). Debian's chromium
(Playwright, as tests/browser) opens every page in a fresh browser context with the cache disabled and service
workers blocked, and the Chrome DevTools protocol counts every response: bytes on the wire
(`Network.loadingFinished.encodedDataLength`: compressed body and headers, as sent), bytes after decompression
(`Network.dataReceived`), requests, and the JavaScript among them.

Targets (issue 9): any public page ≤ 200 KB transferred on first load and ≤ 30 KB of JavaScript. A table is
printed and a JSON file written; the test fails when a page misses a target (after the report).
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlencode

import pytest

from tests.benchmarks import public_stack as stack

PAGE_LIMIT_KB = 200
JS_LIMIT_KB = 30
KIOSK = os.environ.get("BENCH_KIOSK", "kyzyl-hospital")


def chromium_or_skip() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    message = "chromium not found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pages(url: str) -> list[tuple[str, str]]:
    """(label, path) of every kind of public and kiosk page, with real ids from the databank."""
    import psycopg

    with psycopg.connect(url) as connection:
        service = connection.execute(
            "SELECT s.id FROM directory_service s JOIN directory_serviceatlocation sal ON sal.service_id = s.id "
            "WHERE s.status = 'published' ORDER BY s.id LIMIT 1"
        ).fetchone()[0]
        organization = connection.execute(
            "SELECT organization_id FROM directory_service WHERE id = %s", [service]
        ).fetchone()[0]
        root = connection.execute(
            "SELECT p.path, p.url_path FROM wagtailcore_site s JOIN wagtailcore_page p ON p.id = s.root_page_id "
            "WHERE s.is_default_site"
        ).fetchone()
        content = connection.execute(
            "SELECT url_path FROM wagtailcore_page WHERE live AND path LIKE %s AND depth > %s ORDER BY path LIMIT 8",
            [root[0] + "%", len(root[0]) // 4],
        ).fetchall()
    found = [
        ("home", "/"),
        ("results: no query", "/services/"),
        ("results: text + filters + distance", "/services/?" + urlencode(
            {"q": "психолог", "category": "psy", "near": "kyzyl", "radius": 25}
        )),
        ("service", f"/services/{service}/"),
        ("service, printable", f"/services/{service}/print/"),
        ("organisation", f"/organizations/{organization}/"),
        ("request for help", "/help/"),
        ("printed guide form", "/guide/"),
    ]  # fmt: skip
    for (url_path,) in content:
        found.append((f"page {url_path[len(root[1]) - 1 :]}", url_path[len(root[1]) - 1 :]))
    kiosk = f"/kiosk/{KIOSK}/"
    found += [
        ("kiosk: start", kiosk),
        ("kiosk: kinds of help", kiosk + "help/"),
        ("kiosk: situations", kiosk + "situations/"),
        ("kiosk: hotlines", kiosk + "hotlines/"),
        ("kiosk: results", kiosk + "results/?" + urlencode({"category": "psy"})),
        ("kiosk: service", f"{kiosk}services/{service}/"),
        ("kiosk: offline", kiosk + "offline/"),
    ]
    return found


def weigh(browser, base: str, path: str) -> dict:
    context = browser.new_context(ignore_https_errors=True, service_workers="block", locale="ru-RU")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests: dict[str, dict] = {}

    def entry(request_id: str) -> dict:
        return requests.setdefault(request_id, {"encoded": 0, "decoded": 0, "type": "", "url": "", "status": 0})

    def received(event):
        item = entry(event["requestId"])
        item.update(type=event["type"], url=event["response"]["url"], status=event["response"]["status"])

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.dataReceived", lambda e: entry(e["requestId"]).__setitem__(
        "decoded", entry(e["requestId"])["decoded"] + e["dataLength"]
    ))  # fmt: skip
    cdp.on("Network.loadingFinished", lambda e: entry(e["requestId"]).__setitem__("encoded", e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    response = page.goto(base + path, wait_until="networkidle", timeout=120_000)
    status = response.status if response else 0
    context.close()
    done = [r for r in requests.values() if r["url"]]
    scripts = [r for r in done if r["type"] == "Script"]
    return {
        "path": path,
        "status": status,
        "requests": len(done),
        "transferred_kb": round(sum(r["encoded"] for r in done) / 1024, 1),
        "decoded_kb": round(sum(r["decoded"] for r in done) / 1024, 1),
        "js_requests": len(scripts),
        "js_transferred_kb": round(sum(r["encoded"] for r in scripts) / 1024, 1),
        "js_decoded_kb": round(sum(r["decoded"] for r in scripts) / 1024, 1),
        "largest": sorted(
            ({"url": r["url"].replace(base, ""), "type": r["type"], "kb": round(r["encoded"] / 1024, 1)} for r in done),
            key=lambda r: -r["kb"],
        )[:5],
    }


def test_page_weight_on_first_load(tmp_path):
    executable = chromium_or_skip()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    url, facts = stack.ensure_databank()
    rows = []
    with stack.production_stack(url, tmp_path) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            for label, path in pages(url):
                row = weigh(browser, base, path)
                row["page"] = label
                row["meets"] = row["transferred_kb"] <= PAGE_LIMIT_KB and row["js_transferred_kb"] <= JS_LIMIT_KB
                rows.append(row)
        finally:
            browser.close()

    print(
        f"\nPage weight on first load (empty cache, service workers blocked): nginx (gzip) → gunicorn, DEBUG off, "
        f"PostgreSQL, {stack.SERVICES} synthetic services; targets ≤ {PAGE_LIMIT_KB} KB, JS ≤ {JS_LIMIT_KB} KB"
    )
    print(
        f"{'page':<38}{'status':>7}{'requests':>9}{'KB sent':>9}{'KB raw':>9}{'JS req':>7}{'JS KB':>7}"
        f"{'JS raw':>8}  target"
    )
    for r in rows:
        verdict = "ok" if r["meets"] else "MISSED"
        print(
            f"{r['page'][:37]:<38}{r['status']:>7}{r['requests']:>9}{r['transferred_kb']:>9}{r['decoded_kb']:>9}"
            f"{r['js_requests']:>7}{r['js_transferred_kb']:>7}{r['js_decoded_kb']:>8}  {verdict}"
        )
    result = {
        "benchmark": "page_weight",
        "machine": stack.machine(),
        "against": "nginx (deploy/nginx/families.conf, HTTPS, gzip) → gunicorn (families-web.service), DEBUG off",
        "services": stack.SERVICES,
        "database": facts,
        "app_root": str(stack.APP),
        "targets": {"page_kb": PAGE_LIMIT_KB, "js_kb": JS_LIMIT_KB},
        "rows": rows,
    }
    print(f"JSON: {stack.write_result('page-weight', result)}")
    assert all(r["status"] == 200 for r in rows), [(r["page"], r["status"]) for r in rows if r["status"] != 200]
    assert all(r["meets"] for r in rows), [r["page"] for r in rows if not r["meets"]]
