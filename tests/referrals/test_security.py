"""Security events, deactivation that ends every session, stored XSS rendered inert."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import services
from referrals.codes import Role
from referrals.models import Membership, SecurityEvent, UserSession

from .conftest import ACCEPT, SEND, cabinet_login

PASSWORD = "x-long-password-123"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def sign_in(client, user, device, token=None):
    code = token or f"{totp(device.bin_key):06d}"
    return client.post(reverse("referrals:login"), {"username": user.username, "password": PASSWORD, "otp_token": code})


def test_security_events_are_recorded_and_append_only(client, network):
    user = network.users["curator"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert SecurityEvent.objects.filter(kind="2fa_change", user=user).exists()
    sign_in(client, user, device, token="000000")
    assert SecurityEvent.objects.filter(kind="login_failed", username=user.username, detail="второй фактор").exists()
    device.refresh_from_db()
    device.throttle_reset()
    assert sign_in(client, user, device).status_code == 302
    assert SecurityEvent.objects.filter(kind="login", user=user).exists()
    Membership.objects.create(user=user, organization=network.partner, role=Role.PARTNER_INTAKE)
    assert SecurityEvent.objects.filter(kind="role_change", user=user, detail__contains="добавлена").exists()
    cabinet_login(client, network.users["coordinator"])
    client.get(reverse("referrals:figures"), {"format": "xlsx"})
    assert SecurityEvent.objects.filter(kind="export", user=network.users["coordinator"]).exists()
    event = SecurityEvent.objects.first()
    with pytest.raises(PermissionError):
        event.delete()
    cabinet_login(client, network.users["admin"])
    assert "События безопасности" in client.get(reverse("referrals:access_log")).content.decode()
    cabinet_login(client, network.users["head"])
    assert "События безопасности" not in client.get(reverse("referrals:access_log")).content.decode()


def test_deactivation_ends_every_session_at_once(client, network):
    from django.test import Client

    user = network.users["curator"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    other_browser = Client()
    assert sign_in(client, user, device).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1  # a second sign-in in the same 30 s: the code may be used again in this test only
    device.save()
    assert sign_in(other_browser, user, device).status_code == 302
    assert UserSession.objects.filter(user=user).count() == 2
    assert client.get(reverse("referrals:home")).status_code == 200
    user.is_active = False
    user.save()
    for browser in (client, other_browser):
        response = browser.get(reverse("referrals:home"))
        assert response.status_code == 302 and response.url.startswith(reverse("referrals:login"))
    assert not UserSession.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(kind="deactivated", user=user).exists()


def test_stored_xss_in_free_text_is_rendered_inert(client, network):
    network.case.narrative = XSS
    network.case.save()
    referral = network.new_referral(steps=[SEND, ACCEPT])
    services.message_post(user=network.users["intake"], referral=referral, body=XSS)
    referral.narrative = XSS
    referral.save()
    pages = [
        (network.users["curator"], reverse("referrals:case", args=[network.case.uuid])),
        (network.users["curator"], reverse("referrals:referral", args=[referral.uuid])),
        (network.users["intake"], reverse("referrals:referral", args=[referral.uuid])),
        (network.users["intake"], reverse("referrals:referral_print", args=[referral.uuid])),
    ]
    for user, url in pages:
        cabinet_login(client, user)
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html


def test_deleting_a_user_with_a_device_and_roles_keeps_the_trail(network):
    user = network.users["intake"]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    username = user.username
    user.delete()  # cascades to the device and the membership: their events must not point at the user
    assert SecurityEvent.objects.filter(kind="2fa_change", username=username, detail="устройство удалено").exists()
    assert SecurityEvent.objects.filter(kind="role_change", username=username, detail__endswith="удалена").exists()
