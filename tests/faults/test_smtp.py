"""A mail server that accepts and never answers (tests/faults/blackhole.py): `send_notifications` ends within
EMAIL_TIMEOUT (plus the rest of the run), every message stays in the outbox, and a real SMTP server (aiosmtpd)
gets each of them once afterwards."""

from __future__ import annotations

import datetime
import io
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from referrals import notifications
from referrals.models import OutgoingEmail

from .blackhole import blackhole

pytestmark = pytest.mark.django_db

EMAIL_TIMEOUT = 2
MARGIN = 3


def smtp_to(settings, host: str, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = host, port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT


class Inbox:
    def __init__(self):
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.rcpt_tos[0])
        return "250 OK"


def test_the_setting_bounds_every_smtp_call():
    assert 0 < django_settings.EMAIL_TIMEOUT <= 60


def test_a_mail_server_that_never_answers_costs_one_timeout_and_loses_nothing(settings):
    queued = [
        notifications.queue_email(f"specialist{number}@example.ru", subject="Новое направление", lines=["Строка"])
        for number in range(3)
    ]
    output = io.StringIO()
    with blackhole() as (host, port):
        smtp_to(settings, host, port)
        started = time.monotonic()
        call_command("send_notifications", stdout=output)
        elapsed = time.monotonic() - started
    # One timeout for the run, not one per message (and never «for ever»).
    assert elapsed < EMAIL_TIMEOUT + MARGIN, elapsed
    assert "писем отправлено: 0, отложено: 1" in output.getvalue()

    rows = {row.pk: row for row in OutgoingEmail.objects.filter(pk__in=[m.pk for m in queued])}
    assert all(row.sent_at is None for row in rows.values())  # nothing lost
    first, *rest = (rows[m.pk] for m in queued)
    assert first.attempts == 1 and first.next_attempt_at > timezone.now() and "timed out" in first.last_error
    assert all(row.attempts == 0 and row.next_attempt_at <= timezone.now() for row in rest)  # untouched, still due

    # The server answers again: each message is delivered, once.
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=free)
    controller.start()
    try:
        smtp_to(settings, "127.0.0.1", free)
        later = timezone.now() + datetime.timedelta(minutes=5)
        assert notifications.deliver_due(later) == {"sent": 3, "failed": 0}
        assert notifications.deliver_due(later + datetime.timedelta(days=1)) == {"sent": 0, "failed": 0}
    finally:
        controller.stop()
    assert sorted(inbox.received) == sorted(m.to for m in queued)
