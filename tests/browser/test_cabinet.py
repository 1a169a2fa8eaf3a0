"""The workspace in a real browser: sign in with password and TOTP, the working group's report with its chart."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.models import Organization
from referrals.codes import Role
from referrals.models import Membership

from .conftest import assert_accessible

SECRET = b"browser-test-secret!"  # 20 bytes
PASSWORD = "browser-test-password-2026"


@pytest.fixture
def coordinator(live_server, transactional_db):
    organization = Organization.objects.filter(is_network_partner=True).order_by("pk").first()
    user = get_user_model().objects.create_user("t-browser-coordinator", "c@example.ru", PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=Role.COORDINATOR)
    TOTPDevice.objects.create(user=user, name="app", key=SECRET.hex(), confirmed=True)
    yield live_server.url, user
    get_user_model().objects.filter(pk=user.pk).delete()  # the browser module keeps the database (see conftest)


def test_sign_in_with_totp_and_read_the_report_chart(coordinator, page):
    base, user = coordinator
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/cabinet/figures/")
    assert "/cabinet/login/" in page.url  # no way in without both factors
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{totp(SECRET):06d}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/cabinet/figures/")
    charts = page.locator("figure svg[role=img]")
    assert charts.count() == 2  # bars by kind of help, line by week
    assert charts.first.is_visible() and charts.last.is_visible()
    assert page.locator("text=Анализ сопровождения семей").first.is_visible()
    assert_accessible(page, "workspace report")
    assert errors == []
