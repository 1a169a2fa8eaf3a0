"""The request id: taken from nginx's X-Request-ID (or made), returned in the response, on every log line of the
request — and on the log lines of the task the request enqueued, whether the task runs at once (immediate backend)
or later in a real `manage.py db_worker` process with LOG_FORMAT=json (core/request_log.py)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.test import override_settings

from core.request_log import JsonFormatter, RequestContextFilter
from tests.reliability.scratch import app_database, manage

URLS = "tests.operations.request_id_urls"
NGINX_ID = "0f3c9a7e5b1d4c2a8e6f0a1b2c3d4e5f"  # what nginx's $request_id looks like
TASK = "referrals.tasks.deliver_outbox"


@pytest.fixture
def json_log():
    """The JSON lines every logger writes during the test, as the production console handler formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "website.requests", "website.tasks")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=URLS)
def test_the_request_id_follows_the_request_into_its_task(client, json_log):
    response = client.get("/queue-email/?q=Иванова+Мария", HTTP_X_REQUEST_ID=NGINX_ID)
    assert response.status_code == 200
    assert response["X-Request-ID"] == NGINX_ID

    lines = json_log()
    mine = [line for line in lines if line.get("request_id") == NGINX_ID]
    assert {"tests.request_id", "website.tasks", "website.requests"} <= {line["logger"] for line in mine}, lines
    task_lines = [line for line in mine if line.get("task") == TASK]
    assert [line["message"].split()[1] for line in task_lines] == ["started", "finished"]
    assert task_lines[-1]["task_status"] == "SUCCESSFUL"
    (access,) = [line for line in mine if line["logger"] == "website.requests"]
    assert access["status"] == 200 and access["method"] == "GET" and access["path"] == "/queue-email/"
    assert access["duration_ms"] >= 0 and "time" in access and access["level"] == "INFO"
    # The query string (a search may name a person) is never logged.
    assert "Иванова" not in json.dumps(lines, ensure_ascii=False)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=URLS)
def test_a_malformed_or_missing_request_id_is_replaced(client, json_log):
    ids = set()
    for header in ({"HTTP_X_REQUEST_ID": "bad id\n{json}"}, {"HTTP_X_REQUEST_ID": "x" * 300}, {}):
        response = client.get("/queue-email/", **header)
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
        ids.add(response["X-Request-ID"])
    assert len(ids) == 3
    assert {line.get("request_id") for line in json_log() if line["logger"] == "website.requests"} == ids


@pytest.mark.django_db
def test_a_signed_in_user_is_logged_by_id_only(client, json_log, django_user_model):
    user = django_user_model.objects.create_user("log-user", "log-user@example.ru", "correct-horse-battery")
    client.force_login(user)
    with override_settings(ROOT_URLCONF=URLS):
        client.get("/queue-email/")
    (access,) = [line for line in json_log() if line["logger"] == "website.requests"]
    assert access["user_id"] == user.pk
    assert "log-user" not in json.dumps(json_log())


WORKER_ROW = """
import json
from django_tasks_db.models import DBTaskResult
DBTaskResult.objects.create(**json.loads({row!r}))
print(json.dumps({{"ready": DBTaskResult.objects.filter(status="READY").count()}}))
"""


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=URLS, TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_real_worker_logs_the_task_with_the_request_id(client, json_log, tmp_path):
    from django_tasks_db.models import DBTaskResult

    # A committed copy of the database that a worker process can open (taken before the request writes anything).
    with app_database(tmp_path, "request_id") as url:
        response = client.get("/queue-email/", HTTP_X_REQUEST_ID=NGINX_ID)
        assert response["X-Request-ID"] == NGINX_ID
        fields = ("id", "task_path", "args_kwargs", "queue_name", "backend_name", "run_after")
        (row,) = DBTaskResult.objects.values(*fields)
        assert row["task_path"] == TASK
        assert row["args_kwargs"]["kwargs"] == {"_request_id": NGINX_ID}  # stored with the task: a retry keeps it
        assert any(line.get("request_id") == NGINX_ID for line in json_log())

        # The task row exactly as the request wrote it, then a real worker with JSON logs.
        row = {**row, "id": str(row["id"]), "run_after": row["run_after"].isoformat()}
        env = {"DATABASE_URL": url, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "LOG_FORMAT": "json"}
        created = manage("shell", "-c", WORKER_ROW.format(row=json.dumps(row)), env=env)
        assert json.loads(created.stdout.strip().splitlines()[-1]) == {"ready": 1}
        worker = manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env, timeout=300)

    output = worker.stdout + worker.stderr
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    task_lines = [line for line in lines if line.get("task") == TASK]
    assert task_lines, output
    assert {line["request_id"] for line in task_lines} == {NGINX_ID}
    assert {line["task_id"] for line in task_lines} == {row["id"]}
    assert task_lines[-1]["message"].startswith("task finished") and task_lines[-1]["task_status"] == "SUCCESSFUL"
