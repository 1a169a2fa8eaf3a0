"""Workspace sign-in: password and TOTP, lockout after repeated failures, idle sessions end."""

import time

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.middleware import SESSION_KEY

from .conftest import cabinet_login

PASSWORD = "x-long-password-123"


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_login_needs_password_and_current_totp_code(client, network):
    user = network.users["curator"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    url = reverse("referrals:login")
    response = client.post(url, {"username": user.username, "password": PASSWORD, "otp_token": "000000"})
    assert "Неверный или устаревший код подтверждения." in response.content.decode()
    response = client.post(url, {"username": user.username, "password": "wrong", "otp_token": current_code(device)})
    assert "Неверное имя пользователя или пароль." in response.content.decode()
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
    assert "не настроен второй фактор" in response.content.decode()


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
