"""The Content-Security-Policy in a real browser (chromium enforcing it, no bypass): no violation on the public
pages, the quick-exit page, a service page, the kiosk, the workspace login and report and the API's docs; the
scripts that moved to static files still work under it (quick exit by button and Esc, kiosk idle reset)."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp

from directory.models import Service

from .conftest import COORDINATOR_PASSWORD, COORDINATOR_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "csp-browser-password-2026"
# Every violation, whatever reports it: the DOM event (also for blocked inline styles) and the console message.
LISTEN = """document.addEventListener("securitypolicyviolation", function (e) {
  (window.__cspViolations = window.__cspViolations || []).push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
}, true);"""


@pytest.fixture
def strict_page(browser):
    """A page whose context enforces the site's CSP (the shared `context` fixture bypasses it for axe-core)."""
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.violations = []
    page.on(
        "console",
        lambda m: page.violations.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: page.violations.append(f"page error: {error}"))
    yield page
    context.close()


def visit(page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_timeout(200)  # late violations (deferred scripts, images) are reported by now
    page.violations += page.evaluate("window.__cspViolations || []")
    assert page.violations == [], f"{url}: {page.violations}"


@pytest.fixture
def site(live_server, settings):
    settings.QUICK_EXIT_URL = f"{live_server.url}/services/?neutral=1"  # no request leaves the machine
    return live_server.url


def test_public_pages_have_no_csp_violation(site, strict_page):
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    organization = service.organization
    for path in (
        "/",
        "/services/?q=психолог",
        "/services/?q=gjcj,bt",  # «did you mean» and the autocomplete script
        service.get_absolute_url(),
        organization.get_absolute_url(),
        "/nasilie-v-seme/",  # quick exit
        "/edinoe-posobie/",  # a measure with JSON-LD
        "/help/",
        "/api/v1/docs",
    ):
        visit(strict_page, site + path)
    # The JSON-LD data blocks carry the nonce of the header.
    strict_page.goto(site + "/edinoe-posobie/")
    nonce = strict_page.evaluate("document.querySelector('script[type=\"application/ld+json\"]').nonce")
    assert nonce


def test_scripts_work_under_the_policy(site, strict_page):
    page = strict_page
    # Autocomplete (static/js/autocomplete.js) fetches suggestions from the site itself.
    visit(page, site + "/")
    # Quick exit: the button, then Esc, both through static/js/quick-exit.js (location.replace, no history).
    visit(page, site + "/nasilie-v-seme/")
    before = page.evaluate("history.length")
    page.get_by_role("link", name="Быстрый выход").click()
    page.wait_for_url("**/services/?neutral=1")
    assert page.evaluate("history.length") == before
    visit(page, site + "/nasilie-v-seme/")
    before = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.wait_for_url("**/services/?neutral=1")
    assert page.evaluate("history.length") == before
    page.violations += page.evaluate("window.__cspViolations || []")
    assert page.violations == []


def test_kiosk_idle_reset_under_the_policy(kiosk_site, strict_page):
    base, kiosk = kiosk_site
    type(kiosk).objects.filter(pk=kiosk.pk).update(idle_timeout_seconds=4)
    page = strict_page
    visit(page, f"{base}/kiosk/{kiosk.code}/results/?q=психолог")
    visit(page, f"{base}/kiosk/{kiosk.code}/")
    page.fill("#k-q", "юрист")
    page.evaluate("sessionStorage.setItem('probe', '1')")
    page.locator(".k-idle").wait_for(state="visible", timeout=8000)  # static/kiosk/kiosk.js counts down
    page.locator(".k-idle").wait_for(state="hidden", timeout=15000)  # then a clean start screen
    page.wait_for_url(f"{base}/kiosk/{kiosk.code}/")
    page.wait_for_selector("#k-q")
    assert page.input_value("#k-q") == ""
    assert page.evaluate("sessionStorage.length") == 0
    page.violations += page.evaluate("window.__cspViolations || []")
    assert page.violations == []


def test_workspace_login_and_report_have_no_csp_violation(coordinator, strict_page):
    base, user = coordinator
    page = strict_page
    visit(page, f"{base}/cabinet/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", COORDINATOR_PASSWORD)
    page.fill("#id_otp_token", f"{totp(COORDINATOR_SECRET):06d}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/cabinet/**")
    visit(page, f"{base}/cabinet/figures/")
    assert page.locator("figure svg[role=img]").first.is_visible()


@pytest.fixture
def editor(live_server):
    user = get_user_model().objects.create_superuser("t-csp-editor", "editor@example.ru", PASSWORD)
    yield live_server.url, user
    get_user_model().objects.filter(pk=user.pk).delete()


def test_wagtail_admin_works_under_its_policy(editor, strict_page):
    """The admin keeps frame-ancestors, form-action, object-src and base-uri; only inline scripts and styles of
    Wagtail's own templates are allowed there (core/csp.py)."""
    base, user = editor
    page = strict_page
    visit(page, f"{base}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    for path in ("/admin/", "/admin/pages/", "/admin/images/", "/admin/snippets/"):
        visit(page, base + path)
    header = page.goto(f"{base}/admin/").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in header and "object-src 'none'" in header
