"""The workspace in a real browser: sign in with password and TOTP, the working group's report with its chart."""

from django_otp.oath import totp

from .conftest import COORDINATOR_PASSWORD as PASSWORD
from .conftest import COORDINATOR_SECRET as SECRET
from .conftest import assert_accessible


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
