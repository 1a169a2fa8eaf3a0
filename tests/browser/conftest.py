"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).

They skip, with the reason, only when chromium or Playwright is truly missing on a developer machine; in CI
(CI=true) a missing browser is a failure, never a silent skip. The live server listens on 127.0.0.1.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import OperationalError
from django.test.testcases import LiveServerThread

os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
# Playwright's sync API keeps an event loop in the test thread; database calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime:
    """With in-memory SQLite, Django hands the test's single database connection to every thread of the live
    server; requests served at once (the kiosk's service worker fetches three screens in parallel) would
    interleave their transactions on that one connection (IntegrityError, «You can't execute queries until the
    end of the 'atomic' block»). One request at a time, the response read out inside the lock."""

    def __init__(self, application):
        self.application, self.lock = application, threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            response = self.application(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()


class _LiveServer(ThreadedWSGIServer):
    def set_app(self, application):
        # only a shared connection needs it (PostgreSQL gives every thread its own)
        super().set_app(_OneRequestAtATime(application) if self.connections_override else application)


LiveServerThread.server_class = _LiveServer

CHROMIUM_CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", shutil.which("chromium") or ""]
AXE_JS = Path(__file__).resolve().parents[2] / "static" / "kiosk" / "vendor" / "axe.min.js"
PORTRAIT = {"width": 1080, "height": 1920}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run; .ci/run installs chromium)")
    pytest.skip(reason)


def chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    _unavailable("chromium not found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH")
    return ""


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield instance
        instance.close()


@pytest.fixture(scope="module", autouse=True)
def _keep_the_demo_databank():
    """live_server tests need a transactional database, which Django empties (flush) after each test: the
    demo databank, the reference data of the migrations and Wagtail's root would be gone for every later
    test. Browser tests only read the databank; what they write (the kiosk, its heartbeat and counters) is
    removed by `kiosk_site` itself, so the flush is skipped while this module runs."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = lambda self: None
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture
def kiosk_site(live_server, transactional_db):
    from demo.kiosk import load_demo_kiosk
    from website.kiosk.models import Kiosk

    kiosk = load_demo_kiosk()
    yield live_server.url, kiosk
    for attempt in range(10):  # requests of the closed page may still hold the SQLite lock for a moment
        try:
            Kiosk.objects.filter(pk=kiosk.pk).delete()  # with its usage rows
            break
        except OperationalError:
            time.sleep(0.5 * (attempt + 1))


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=PORTRAIT, has_touch=True, bypass_csp=True, locale="ru-RU")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


def assert_accessible(page, screen: str):
    """axe-core (vendored, injected from disk) inside the page: no serious or critical violations."""
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    assert violations == [], f"{screen}: {violations}"


def assert_touch_targets(page, screen: str, minimum: int = 48):
    small = page.evaluate(
        """(minimum) => Array.from(document.querySelectorAll("a[href], button, input, [role=button]"))
            .filter(el => el.offsetParent !== null)
            .map(el => { const r = el.getBoundingClientRect(); return {t: (el.textContent || el.name || "").trim()
                .slice(0, 30), w: Math.round(r.width), h: Math.round(r.height)}; })
            .filter(r => r.w < minimum || r.h < minimum)""",
        minimum,
    )
    assert small == [], f"{screen}: targets smaller than {minimum}×{minimum} px: {small}"


COORDINATOR_SECRET = b"browser-test-secret!"  # 20 bytes
COORDINATOR_PASSWORD = "browser-test-password-2026"


@pytest.fixture
def coordinator(live_server, transactional_db):
    """A coordinator of the referral network with a confirmed TOTP device: (live server URL, user)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from directory.models import Organization
    from referrals.codes import Role
    from referrals.models import Membership

    organization = Organization.objects.filter(is_network_partner=True).order_by("pk").first()
    user = get_user_model().objects.create_user("t-browser-coordinator", "c@example.ru", COORDINATOR_PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=Role.COORDINATOR)
    TOTPDevice.objects.create(user=user, name="app", key=COORDINATOR_SECRET.hex(), confirmed=True)
    yield live_server.url, user
    get_user_model().objects.filter(pk=user.pk).delete()  # the browser module keeps the database (see above)
