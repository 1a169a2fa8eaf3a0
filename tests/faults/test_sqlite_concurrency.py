"""The embedded default under concurrent use: a file SQLite database (never :memory:) written at once by an import
in another process (`manage.py`, with the settings the site makes from DATABASE_URL) and by request-like threads
that read and then write in one transaction — the pattern that gave «database is locked» (a sign-in in
django-axes' failure handler, an HSDS import run while the site was in use). With the settings of
core/db_timeouts.py nobody fails; with the settings before them the same work fails at once."""

from __future__ import annotations

import contextlib
import threading
import time

import dj_database_url
import pytest
from django.db import OperationalError, connections, transaction
from django.db.utils import load_backend

from core.db_timeouts import database_settings

pytestmark = pytest.mark.usefixtures("database_access")

THREADS = 4
ROUNDS = 15
IMPORT_ROWS = 100


@pytest.fixture
def database_access(django_db_blocker):
    """These tests use databases of their own (files in tmp_path), not the test database."""
    with django_db_blocker.unblock():
        yield


@contextlib.contextmanager
def own_connection(config: dict, alias: str):
    """`alias` in this thread is a connection of its own to the file (as each gunicorn thread has)."""
    config = connections.configure_settings({"default": config})["default"]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def create_table(config: dict) -> None:
    with own_connection(config, "concurrency") as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS visit (id INTEGER PRIMARY KEY, who TEXT NOT NULL, seen INTEGER)")


def request_like(config: dict, who: str, errors: list, start: threading.Event, pause: float) -> None:
    """A request that counts the rows and then writes one (a sign-in: read the user, record the attempt)."""
    start.wait()
    try:
        with own_connection(config, "concurrency") as connection:
            for _round in range(ROUNDS):
                with transaction.atomic(using="concurrency"), connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM visit")
                    seen = cursor.fetchone()[0]
                    time.sleep(pause)  # the rest of the request between its read and its write
                    cursor.execute("INSERT INTO visit (who, seen) VALUES (%s, %s)", [who, seen])
    except Exception as error:  # noqa: BLE001 - the test reports every failure of every thread
        errors.append(f"{who}: {type(error).__name__}: {error}")


def run_requests(config: dict, pause: float) -> list[str]:
    errors: list[str] = []
    start = threading.Event()
    threads = [
        threading.Thread(target=request_like, args=(config, f"request-{n}", errors, start, pause))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def count(config: dict, who_like: str = "%") -> int:
    with own_connection(config, "concurrency") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM visit WHERE who LIKE %s", [who_like])
        return cursor.fetchone()[0]


IMPORT = """
import pathlib, time
from django.db import connection, transaction
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO visit (who) VALUES ('import')")
        pathlib.Path({marker!r}).write_text("writing")
        time.sleep(2)  # the rest of the package, in the same transaction
        for _ in range({rows} - 1):
            cursor.execute("INSERT INTO visit (who) VALUES ('import')")
print("imported")
"""


def test_an_import_in_another_process_and_request_threads_write_at_once_without_database_is_locked(tmp_path):
    from tests.reliability.scratch import manage

    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    config = database_settings(url, conn_max_age=0, connect_timeout=5, statement_timeout=15, sqlite_timeout=30)
    create_table(config)
    marker = tmp_path / "import-started"
    results = {}

    def run_import():
        code = IMPORT.format(marker=str(marker), rows=IMPORT_ROWS)
        results["import"] = manage("shell", "-c", code, env={"DATABASE_URL": url}, check=False, timeout=300)

    importer = threading.Thread(target=run_import)
    importer.start()
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the import did not start"
    errors = run_requests(config, pause=0.01)  # while the import holds its transaction
    importer.join(timeout=300)

    result = results["import"]
    assert result.returncode == 0 and "imported" in result.stdout, result.stderr[-3000:]
    assert errors == []
    assert count(config, "import") == IMPORT_ROWS
    assert count(config, "request-%") == THREADS * ROUNDS
    assert _journal_mode(config) == "wal"


def _journal_mode(config: dict) -> str:
    with own_connection(config, "concurrency") as connection, connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


def test_requests_that_read_then_write_wait_for_each_other(tmp_path):
    config = database_settings(
        f"sqlite:///{tmp_path / 'site.sqlite3'}",
        conn_max_age=0,
        connect_timeout=5,
        statement_timeout=15,
        sqlite_timeout=30,
    )
    create_table(config)
    assert run_requests(config, pause=0.05) == []
    assert count(config) == THREADS * ROUNDS
    assert _journal_mode(config) == "wal"


def test_the_settings_before_gave_database_is_locked_for_the_same_work(tmp_path):
    """The control: the same threads with the settings the site had before (deferred transactions, rollback
    journal, the driver's 5-second timeout) — the test above would catch the fault."""
    config = dj_database_url.parse(f"sqlite:///{tmp_path / 'site.sqlite3'}", conn_max_age=0, conn_health_checks=True)
    create_table(config)
    errors = run_requests(config, pause=0.05)
    assert errors, "no thread failed with the settings before"
    assert all(f"{OperationalError.__name__}: database is locked" in error for error in errors), errors
