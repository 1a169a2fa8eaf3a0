"""Workspace sign-in: password and TOTP, lockout after repeated failures, idle sessions end.

The lockout tests (issue 23, point 4) post what a browser posts: each «browser» is a client of its own with CSRF
checks on and its own address, which fetches the login page and posts the form's fields with the token."""

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.middleware import SESSION_KEY
from referrals.models import SecurityEvent
from referrals.security import client_address

from .conftest import cabinet_login
from .test_case_form_browser_post import rendered_fields

PASSWORD = "x-long-password-123"
ONE_MESSAGE = "Вход не выполнен: неверное имя пользователя, пароль или код подтверждения."
LOCKED = "Вход временно заблокирован"


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


def browser(address: str) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def sign_in(address_or_client, username, password, code, next_=""):
    """Fetch the login page, fill in its form and post every field of it (the CSRF token too)."""
    client = browser(address_or_client) if isinstance(address_or_client, str) else address_or_client
    url = reverse("referrals:login") + (f"?next={next_}" if next_ else "")
    page = client.get(url)
    assert page.status_code == 200
    fields = rendered_fields(page.content.decode())
    assert {"csrfmiddlewaretoken", "username", "password", "otp_token"} <= set(fields)
    fields.update({"username": username, "password": password, "otp_token": code})
    response = client.post(url, fields)
    response.signed_in = "_auth_user_id" in client.session
    return response


def signed_in_home(response) -> bool:
    return response.status_code == 302 and response.url == reverse("referrals:home") and response.signed_in


def page_without_tokens(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r'nonce="[^"]*"', "nonce", html)


def test_login_needs_password_and_current_totp_code(client, network):
    user = network.users["curator"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    url = reverse("referrals:login")
    response = client.post(url, {"username": user.username, "password": PASSWORD, "otp_token": "000000"})
    assert ONE_MESSAGE in response.content.decode()
    response = client.post(url, {"username": user.username, "password": "wrong", "otp_token": current_code(device)})
    assert ONE_MESSAGE in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code; the user waits a moment
    response = client.post(url, {"username": user.username, "password": PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 302 and response.url == reverse("referrals:home")
    assert client.get(reverse("referrals:home")).status_code == 200


def test_user_without_second_factor_cannot_sign_in(client, network):
    user = network.users["intake"]
    response = client.post(
        reverse("referrals:login"), {"username": user.username, "password": PASSWORD, "otp_token": "123456"}
    )
    assert ONE_MESSAGE in response.content.decode()  # the password was right: the page does not say so
    assert SecurityEvent.objects.filter(kind="login_failed", username=user.username, detail="нет второго фактора")


def test_lockout_after_repeated_failures(client, network, settings):
    user = network.users["head"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    url = reverse("referrals:login")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": user.username, "password": "wrong", "otp_token": "000000"})
    response = client.post(url, {"username": user.username, "password": PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()


def test_idle_session_ends(client, network, settings):
    cabinet_login(client, network.users["curator"])
    assert client.get(reverse("referrals:home")).status_code == 200
    session = client.session
    session[SESSION_KEY] = time.time() - settings.CABINET_IDLE_MINUTES * 60 - 1
    session.save()
    response = client.get(reverse("referrals:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("referrals:login"))
    assert client.get(reverse("referrals:home")).status_code == 302


def test_workspace_pages_are_not_cached(client, network):
    cabinet_login(client, network.users["curator"])
    response = client.get(reverse("referrals:case", args=[network.case.uuid]))
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_incomplete_login_form_gets_field_messages(client, db):
    response = client.post(reverse("referrals:login"), {"username": "", "password": "", "otp_token": ""})
    assert response.status_code == 200
    assert response.content.decode().count("Требуется заполнить это поле.") == 3


def test_login_redirects_only_inside_the_workspace(client, network):
    user = network.users["curator"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    response = client.post(
        reverse("referrals:login") + "?next=https://evil.example/steal",
        {"username": user.username, "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert response.status_code == 302 and response.url == reverse("referrals:home")


# -- One message, lockout per account and per address, unlocking (issue 23, point 4) ----------------------------


@pytest.fixture
def head(network):
    user = network.users["head"]
    return user, TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def lock_account(username, address="198.51.100.10", limit=None):
    from django.conf import settings

    for _attempt in range(limit or settings.AXES_FAILURE_LIMIT):
        sign_in(address, username, "wrong-password", "123456")


def test_one_message_and_the_same_page_whatever_failed(network, head):
    """Wrong password, right password with a wrong code, unknown user, no second factor: the same answer."""
    user, device = head
    code = wrong_code(device)
    wrong_password = sign_in("198.51.100.21", user.username, "wrong-password", code)
    wrong_code_answer = sign_in("198.51.100.22", user.username, PASSWORD, code)
    for response in (wrong_password, wrong_code_answer):
        assert response.status_code == 200 and not response.signed_in
        assert ONE_MESSAGE in response.content.decode()
    assert page_without_tokens(wrong_password) == page_without_tokens(wrong_code_answer)
    assert sorted(wrong_password.headers) == sorted(wrong_code_answer.headers)
    assert sorted(wrong_password.cookies) == sorted(wrong_code_answer.cookies)

    no_device_user = network.users["intake"]  # has no TOTP device
    unknown = sign_in("198.51.100.23", "no-such-user", "wrong-password", code)
    no_device = sign_in("198.51.100.24", no_device_user.username, PASSWORD, code)
    for response, username in ((unknown, "no-such-user"), (no_device, no_device_user.username)):
        assert response.status_code == 200 and not response.signed_in
        assert page_without_tokens(response).replace(username, user.username) == page_without_tokens(wrong_password)
    # The security events (administrators only) do say which step failed.
    details = dict(SecurityEvent.objects.filter(kind="login_failed").values_list("ip_address", "detail"))
    assert details == {
        "198.51.100.21": "пароль",
        "198.51.100.22": "второй фактор",
        "198.51.100.23": "пароль",
        "198.51.100.24": "нет второго фактора",
    }


def test_an_account_is_locked_whatever_the_address(network, head, settings):
    """Issue 23: eight failures from one address, then the right password from another, signed in at once."""
    user, device = head
    limit = settings.AXES_FAILURE_LIMIT
    answers = [sign_in("198.51.100.1", user.username, "wrong-password", "123456").status_code for _ in range(8)]
    assert answers == [200] * (limit - 1) + [429] * (8 - limit + 1)
    right = sign_in("203.0.113.9", user.username, PASSWORD, current_code(device))
    assert right.status_code == 429 and LOCKED in right.content.decode() and not right.signed_in
    wrong = sign_in("203.0.113.10", user.username, "wrong-password", current_code(device))
    assert page_without_tokens(wrong) == page_without_tokens(right)  # the password is not checked while locked
    events = SecurityEvent.objects.filter(kind="lockout_account", username=user.username)
    assert [(event.user, event.ip_address) for event in events] == [(user, "198.51.100.1")]
    assert SecurityEvent.objects.filter(kind="login_failed", detail="вход заблокирован").count() == 8 - limit + 2


def test_an_address_is_locked_whatever_the_account(network, head, settings):
    """Issue 23: sixteen wrong attempts sprayed over eight usernames from one address were never blocked."""
    user, device = head
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT < limit <= 16
    usernames = [user.username, "t-curator", "t-intake", "t-coordinator", "ghost-1", "ghost-2", "ghost-3", "ghost-4"]
    answers = [sign_in("198.51.100.2", usernames[i % 8], "wrong-password", "123456").status_code for i in range(16)]
    assert answers == [200] * (limit - 1) + [429] * (16 - limit + 1)
    for username in usernames:  # no account reached its own limit: the address did
        assert AccessAttempt.objects.filter(username=username).count() == 1
        assert AccessAttempt.objects.get(username=username).failures_since_start <= 2
    blocked = sign_in("198.51.100.2", user.username, PASSWORD, current_code(device))
    assert blocked.status_code == 429 and not blocked.signed_in
    assert SecurityEvent.objects.filter(kind="lockout_address", ip_address="198.51.100.2").count() == 1
    assert signed_in_home(sign_in("198.51.100.3", user.username, PASSWORD, current_code(device)))


def test_wrong_codes_from_many_addresses_lock_the_account(network, head, settings):
    """Issue 23: twenty wrong TOTP codes from twenty addresses were never blocked."""
    user, device = head
    limit = settings.AXES_FAILURE_LIMIT
    answers = [sign_in(f"203.0.113.{n}", user.username, PASSWORD, wrong_code(device)).status_code for n in range(20)]
    assert answers == [200] * (limit - 1) + [429] * (20 - limit + 1)
    device.refresh_from_db()
    device.throttle_reset()
    right = sign_in("203.0.113.100", user.username, PASSWORD, current_code(device))
    assert right.status_code == 429 and not right.signed_in
    assert SecurityEvent.objects.filter(kind="login_failed", detail="второй фактор").count() == limit
    assert SecurityEvent.objects.filter(kind="lockout_account", username=user.username).count() == 1


def test_fewer_failures_than_the_limit_still_let_the_right_user_in_at_once(network, head, settings):
    user, device = head
    limit = settings.AXES_FAILURE_LIMIT
    sign_in("198.51.100.5", "t-curator", "wrong-password", "123456")  # a colleague's typo from the same office
    for _attempt in range(2):
        sign_in("198.51.100.4", user.username, "wrong-password", "123456")
    for _attempt in range(limit - 3):
        sign_in("198.51.100.5", user.username, PASSWORD, wrong_code(device))
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code; the user waits a moment
    assert signed_in_home(sign_in("198.51.100.5", user.username, PASSWORD, current_code(device)))
    assert not AccessAttempt.objects.filter(username=user.username).exists()  # the account's failures, cleared
    assert AccessAttempt.objects.filter(username="t-curator", ip_address="198.51.100.5").exists()  # not others'
    assert not SecurityEvent.objects.filter(kind__startswith="lockout").exists()


def test_an_administrator_unlocks_an_account_and_an_address_with_the_command(network, head, settings):
    user, device = head
    admin = network.users["admin"]
    lock_account(user.username)
    assert sign_in("203.0.113.1", user.username, PASSWORD, current_code(device)).status_code == 429
    call_command("cabinet_unlock", user.username, "--by", admin.username)
    event = SecurityEvent.objects.get(kind="unlock_account", username=user.username)
    assert event.actor == admin and event.user == user
    assert "cabinet_unlock" in event.detail and "была заблокирована" in event.detail
    assert signed_in_home(sign_in("203.0.113.1", user.username, PASSWORD, current_code(device)))

    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        sign_in("198.51.100.30", f"ghost-{n}", "wrong-password", "123456")
    assert sign_in("198.51.100.30", "t-curator", PASSWORD, "123456").status_code == 429
    call_command("cabinet_unlock", "--address", "198.51.100.30")
    assert SecurityEvent.objects.filter(kind="unlock_address", ip_address="198.51.100.30").count() == 1
    again = sign_in("198.51.100.30", "t-curator", "wrong-password", "123456")
    assert again.status_code == 200 and ONE_MESSAGE in again.content.decode()


def test_an_administrator_unlocks_an_account_in_the_admin(client, admin_client, admin_user, network, head):
    user, device = head
    lock_account(user.username)
    page = admin_client.get(reverse("referrals_lockouts"))
    assert page.status_code == 200 and user.username in page.content.decode()
    response = admin_client.post(reverse("referrals_lockouts"), {"scope": "account", "key": user.username})
    assert response.status_code == 302
    event = SecurityEvent.objects.get(kind="unlock_account", username=user.username)
    assert event.actor == admin_user and "админка" in event.detail
    assert "Блокировок нет." in admin_client.get(reverse("referrals_lockouts")).content.decode()
    assert signed_in_home(sign_in("203.0.113.2", user.username, PASSWORD, current_code(device)))
    cabinet_user = Client()
    cabinet_user.force_login(network.users["admin"])  # the cabinet's administrator is no Wagtail superuser
    assert cabinet_user.get(reverse("referrals_lockouts")).status_code in (302, 403)


def test_a_lockout_ends_after_the_cool_off_and_the_end_is_recorded(network, head, settings):
    user, device = head
    lock_account(user.username, address="198.51.100.40")
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        sign_in("198.51.100.41", f"ghost-{n}", "wrong-password", "123456")
    assert sign_in("203.0.113.3", user.username, PASSWORD, current_code(device)).status_code == 429
    assert not SecurityEvent.objects.filter(kind__startswith="unlock").exists()
    # The window passes (AXES_COOLOFF_MINUTES after the last failure of each username and address).
    passed = datetime.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60, seconds=1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - passed)
    assert signed_in_home(sign_in("203.0.113.3", user.username, PASSWORD, current_code(device)))
    unlock = SecurityEvent.objects.get(kind="unlock_account", username=user.username)
    assert "по истечении времени" in unlock.detail and unlock.actor is None
    login = SecurityEvent.objects.get(kind="login", user=user)
    assert unlock.pk < login.pk  # recorded before the sign-in it let through
    # The address's lockout ended too and was recorded at the same sign-in attempt; the sweep finds nothing more.
    assert SecurityEvent.objects.filter(kind="unlock_address", ip_address="198.51.100.41").count() == 1
    call_command("cabinet_unlock", "--sweep")
    assert SecurityEvent.objects.filter(kind__startswith="unlock").count() == 2


def test_the_sweep_records_an_ended_lockout_without_a_sign_in(network, head, settings):
    user, _device = head
    lock_account(user.username)
    passed = datetime.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60, seconds=1)
    AccessAttempt.objects.update(attempt_time=timezone.now() - passed)
    call_command("cabinet_unlock", "--sweep")
    assert SecurityEvent.objects.filter(kind="unlock_account", username=user.username).count() == 1


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("", "6.6.6.6, 198.51.100.7", [], "198.51.100.7"),  # nginx on gunicorn's unix socket: its entry
        ("203.0.113.5", "6.6.6.6", [], "203.0.113.5"),  # straight to the app: the header is the client's claim
        ("10.0.0.2", "6.6.6.6, 198.51.100.8", ["10.0.0.2"], "198.51.100.8"),  # a trusted balancer
        ("10.0.0.2", "6.6.6.6, 198.51.100.8, 10.0.0.3", ["10.0.0.2", "10.0.0.3"], "198.51.100.8"),
        ("", "not-an-address", [], None),
        ("", "", [], None),
    ],
)
def test_the_client_address_behind_the_proxy(settings, remote, forwarded, trusted, expected):
    settings.TRUSTED_PROXY_ADDRESSES = trusted
    request = RequestFactory().get("/cabinet/login/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_lockout_counts_the_address_nginx_forwards(network, head, settings):
    """Behind nginx on a unix socket REMOTE_ADDR is empty: the address is nginx's X-Forwarded-For entry, so one
    address's failures do not lock everyone else out."""
    user, device = head
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        sign_in(
            Client(enforce_csrf_checks=True, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.50"), f"g{n}", "x", "1"
        )
    via_nginx = Client(enforce_csrf_checks=True, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.51")
    assert signed_in_home(sign_in(via_nginx, user.username, PASSWORD, current_code(device)))
    assert SecurityEvent.objects.get(kind="lockout_address").ip_address == "198.51.100.50"
