"""Security events and session control (signal receivers, connected in ReferralsConfig.ready).

Sign-ins and failures, second-factor devices, role changes, exports and deactivation go to SecurityEvent;
deactivating a user ends every session of that user at once.
"""

from __future__ import annotations

import ipaddress
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Membership, SecurityEvent, UserSession


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address. REMOTE_ADDR, unless the request came through a proxy this site trusts: then the last
    X-Forwarded-For entry that no trusted proxy added (nginx appends its peer's address: $proxy_add_x_forwarded_for;
    entries to its left are the client's own claim and never read). A request on gunicorn's unix socket has an empty
    REMOTE_ADDR — only a local proxy can have sent it; TRUSTED_PROXY_ADDRESSES names proxies reached over TCP (a
    balancer in front of nginx). Used for sign-in lockout, security events and the access log."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    trusted = set(settings.TRUSTED_PROXY_ADDRESSES)
    if remote and remote not in trusted:
        return _valid_address(remote)
    for entry in reversed(chain):
        if entry not in trusted:
            return _valid_address(entry)
    return _valid_address(remote) if remote else None


def record(kind: str, *, user=None, username: str = "", actor=None, detail: str = "", request=None) -> None:
    SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail[:300],
        ip_address=client_address(request) if request is not None else None,
    )


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("login", user=user, request=request, detail=request.path if request else "")
    if request is not None and getattr(request, "session", None) is not None:
        if not request.session.session_key:
            request.session.save()
        UserSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("logout", user=user, request=request)


LOGIN_FAILURE_DETAILS = {"referrals.forms": "второй фактор", "referrals.forms.no_device": "нет второго фактора"}


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "login_refused_by_lockout", False):
        detail = "вход заблокирован"  # refused before the password was checked (referrals.lockout)
    else:
        detail = LOGIN_FAILURE_DETAILS.get(sender, "пароль")
    record("login_failed", username=str(credentials.get("username", "")), request=request, detail=detail)


@receiver(post_save, sender=Membership)
def on_membership_saved(sender, instance, created, **kwargs):
    state = "добавлена" if created else ("действует" if instance.is_active else "приостановлена")
    record("role_change", user=instance.user, detail=f"{instance.get_role_display()}, {instance.organization}: {state}")


@receiver(post_delete, sender=Membership)
def on_membership_deleted(sender, instance, **kwargs):
    # No foreign key: the user may be being deleted in the same transaction (cascade).
    record(
        "role_change",
        username=instance.user.get_username(),
        detail=f"{instance.get_role_display()}, {instance.organization}: удалена",
    )


def _connect_totp():
    @receiver(post_save, sender=TOTPDevice, weak=False)
    def on_device_saved(sender, instance, created, **kwargs):
        record("2fa_change", user=instance.user, detail="устройство добавлено" if created else "устройство изменено")

    @receiver(post_delete, sender=TOTPDevice, weak=False)
    def on_device_deleted(sender, instance, **kwargs):
        # No foreign key: the user may be being deleted in the same transaction (cascade).
        record("2fa_change", username=instance.user.get_username(), detail="устройство удалено")


def _connect_deactivation():
    User = get_user_model()

    @receiver(pre_save, sender=User, weak=False)
    def remember_active(sender, instance, **kwargs):
        instance._was_active = (
            User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first() if instance.pk else None
        )

    @receiver(post_save, sender=User, weak=False)
    def end_sessions_on_deactivation(sender, instance, created, **kwargs):
        if not created and getattr(instance, "_was_active", None) and not instance.is_active:
            end_all_sessions(instance)
            record("deactivated", user=instance, detail="учётная запись отключена, все сеансы завершены")


def end_all_sessions(user) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    # Through the session engine, wherever it keeps sessions (the database: website/settings.py SESSION_ENGINE).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def connect() -> None:
    _connect_totp()
    _connect_deactivation()
