"""A task worker killed mid-task: the task is not lost (requeue_stale_tasks --worker-id, as the worker unit runs it
before it restarts the worker, puts it back at once), the next worker runs it, and its effect happens once — one
e-mail reaches the SMTP server, the outbox row is sent once.

The task is the real e-mail delivery (`referrals.tasks.deliver_outbox`) run by real `manage.py db_worker`
processes; the local SMTP server holds the first delivery at RCPT until the worker has been killed."""

import asyncio
import os
import signal
import subprocess
import sys
import threading

import pytest
from aiosmtpd.controller import Controller

from .scratch import ROOT, app_database, manage, shell_json
from .servers import free_port

RECIPIENT = "worker-test@example.ru"

ENQUEUE = f"""
import json
from django.db import transaction
from referrals.notifications import queue_email
with transaction.atomic():
    message = queue_email({RECIPIENT!r}, subject="Проверка доставки", lines=["Новое направление"])
from django_tasks_db.models import DBTaskResult
tasks = [str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)]
print(json.dumps({{"outbox": message.pk, "tasks": tasks}}))
"""

STATE = f"""
import json
from django_tasks_db.models import DBTaskResult
from referrals.models import OutgoingEmail
message = OutgoingEmail.objects.get(to={RECIPIENT!r})
print(json.dumps({{
    "tasks": [[str(t.id), t.status, len(t.worker_ids)] for t in DBTaskResult.objects.all()],
    "sent": message.sent_at is not None,
    "attempts": message.attempts,
}}))
"""


class GatedHandler:
    """Accepts mail, but holds every RCPT until the gate opens; counts the messages it accepted."""

    def __init__(self):
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.entered.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    handler = GatedHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.gate.set()
    controller.stop()


def worker_env(url: str, smtp_port: int) -> dict:
    """Production settings (website.settings, DEBUG off) with the database queue and a real SMTP backend."""
    return {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "localhost",
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS", ""),
        "FIELD_HASH_KEY": os.environ.get("FIELD_HASH_KEY", ""),
        "DATABASE_URL": url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }


def start_worker(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-startup-delay", "--no-reload", *extra],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.django_db
def test_a_killed_worker_loses_no_task_and_the_retry_sends_once(smtp, tmp_path):
    handler, port = smtp
    with app_database(tmp_path, "worker") as url:
        env = worker_env(url, port)
        enqueued = shell_json(ENQUEUE, env)
        assert len(enqueued["tasks"]) == 1

        first = start_worker(env, "--worker-id", "worker-under-test")  # as families-worker.service runs it
        try:
            assert handler.entered.wait(timeout=180), "the worker never reached the SMTP server"
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait()

        state = shell_json(STATE, env)
        assert state["tasks"] == [[enqueued["tasks"][0], "RUNNING", 1]]  # what django-tasks-db leaves behind
        assert state["sent"] is False and handler.messages == []

        # What the worker unit runs before it starts the worker again (ExecStartPre): the task is young (seconds),
        # far below any time bound, and comes back at once because its worker is the one being restarted.
        assert "Возвращено в очередь: 0" in manage("requeue_stale_tasks", env=env).stdout
        recovered = manage("requeue_stale_tasks", "--worker-id", "worker-under-test", env=env)
        assert "Возвращено в очередь: 1" in recovered.stdout

        handler.gate.set()
        manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env)
        state = shell_json(STATE, env)
        assert state["tasks"] == [[enqueued["tasks"][0], "SUCCESSFUL", 2]]
        assert state["sent"] is True and state["attempts"] == 1
        assert [m.rcpt_tos for m in handler.messages] == [[RECIPIENT]]

        # Nothing is stale any more, and another delivery run finds nothing to send again.
        assert "Возвращено в очередь: 0" in manage("requeue_stale_tasks", "--older-than-minutes", "0", env=env).stdout
        shell_json(
            "import json; from referrals.tasks import deliver_outbox; print(json.dumps(deliver_outbox.call()))", env
        )
        assert len(handler.messages) == 1
