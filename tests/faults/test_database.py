"""The database that accepts and never answers, and the statement that runs too long (core/db_timeouts.py).

The black hole (tests/faults/blackhole.py) is a real TCP server on loopback: the PostgreSQL driver connects at
once and then waits for the server's first word. The site is pointed at it in place of its database — in this
process (the request pipeline, /readyz) and in a separate `manage.py` process (the environment variables) — and
must answer within DB_CONNECT_TIMEOUT_SECONDS with the Russian 503 page, not hang. These run on either test
database: the hole stands for a PostgreSQL server whatever the suite runs on. The statement timeout needs a real
PostgreSQL server and runs only there.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import errors
from core.db_timeouts import database_settings, long_statements

from .blackhole import BlackHole, blackhole

CONNECT_TIMEOUT = 2  # libpq's smallest
MARGIN = 3  # the rest of the request on a busy machine


def bounds(**overrides) -> dict:
    return {"conn_max_age": 0, "connect_timeout": 5, "statement_timeout": 15, "sqlite_timeout": 30, **overrides}


@contextlib.contextmanager
def database_at(url: str, alias: str = "default", **overrides):
    """`alias` of this thread points at `url` (settings made by core.db_timeouts) for the block."""
    config = connections.configure_settings({"default": database_settings(url, **bounds(**overrides))})["default"]
    from django.db.utils import load_backend

    replacement = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    original = connections[alias] if alias in connections.settings else None
    connections[alias] = replacement
    try:
        yield replacement
    finally:
        replacement.close()
        if original is not None:
            connections[alias] = original
        else:
            del connections[alias]


@pytest.fixture
def silent_hole(django_db_blocker):
    """The site's database is a black hole for the test (no test transaction around it: nothing to roll back)."""
    with blackhole() as (host, port), django_db_blocker.unblock():
        url = f"postgres://families:secret@{host}:{port}/families"
        with database_at(url, connect_timeout=CONNECT_TIMEOUT):
            yield url


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.parametrize("path", ["/services/", "/services/?q=психолог", "/"])
def test_a_database_that_never_answers_gives_the_503_page_within_the_connect_timeout(silent_hole, path):
    response, elapsed = timed(lambda: Client(raise_request_exception=False).get(path))
    assert elapsed < CONNECT_TIMEOUT + MARGIN, elapsed
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Сервис временно недоступен" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_readyz_says_down_within_one_connect_timeout(silent_hole):
    response, elapsed = timed(lambda: Client().get("/readyz"))
    # One try at the database: the task queue (in the database too) is not asked again.
    assert elapsed < CONNECT_TIMEOUT + MARGIN, elapsed
    body = response.json()
    assert response.status_code == 503 and body["status"] == "down"
    assert body["checks"]["database"] == {**body["checks"]["database"], "status": "down"}
    assert body["checks"]["tasks"] == {"status": "degraded", "detail": "database down"}
    assert body["checks"]["cache"]["status"] == "ok"


def test_after_a_timed_out_attempt_the_process_does_not_wait_for_that_server_again_at_once(django_db_blocker):
    """core/db_backends/postgresql: for DB_CONNECT_TIMEOUT_SECONDS after a timeout, requests fail at once (the
    same 503 page) instead of each waiting the full timeout again."""
    with BlackHole() as hole, django_db_blocker.unblock():
        host, port = hole.address
        with database_at(f"postgres://families@{host}:{port}/families", connect_timeout=CONNECT_TIMEOUT):
            client = Client(raise_request_exception=False)
            first, first_seconds = timed(lambda: client.get("/services/"))
            second, second_seconds = timed(lambda: client.get("/"))
            ready, ready_seconds = timed(lambda: client.get("/readyz"))
    assert first.status_code == second.status_code == ready.status_code == 503
    assert CONNECT_TIMEOUT - 0.5 <= first_seconds < CONNECT_TIMEOUT + MARGIN, first_seconds
    assert second_seconds < CONNECT_TIMEOUT - 0.5 and ready_seconds < CONNECT_TIMEOUT - 0.5
    assert "Сервис временно недоступен" in second.content.decode()
    assert ready.json()["checks"]["database"]["status"] == "down"
    assert hole.accepted == 1


def test_a_command_against_a_database_that_never_answers_ends_with_an_error(tmp_path):
    """The bound comes from the environment (DB_CONNECT_TIMEOUT_SECONDS) in a process of its own."""
    from tests.reliability.scratch import manage

    with blackhole() as (host, port):
        env = {"DATABASE_URL": f"postgres://families@{host}:{port}/families", "DB_CONNECT_TIMEOUT_SECONDS": "2"}
        started = time.monotonic()
        startup = manage("check", env=env)  # what the process costs without touching the database
        check_seconds = time.monotonic() - started
        result, elapsed = timed(lambda: manage("send_notifications", env=env, check=False, timeout=120))
    assert startup.returncode == 0
    assert result.returncode != 0
    assert "timeout expired" in result.stderr
    assert elapsed < check_seconds + CONNECT_TIMEOUT + MARGIN + 5, (elapsed, check_seconds)


# -- the statement timeout: PostgreSQL only -----------------------------------------------------------------------


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the statement timeout is PostgreSQL's: run with a PostgreSQL DATABASE_URL (CI does)")


def test_sqlite_databases_get_wal_immediate_transactions_and_a_busy_timeout(tmp_path):
    config = database_settings(f"sqlite:///{tmp_path / 'site.sqlite3'}", **bounds(sqlite_timeout=30))
    assert config["OPTIONS"] == {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }


@pytest.mark.django_db
def test_every_connection_has_the_statement_timeout_of_the_settings(settings):
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        value = cursor.fetchone()[0]
    assert value == f"{int(settings.DB_STATEMENT_TIMEOUT_SECONDS)}s"
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == round(settings.DB_CONNECT_TIMEOUT_SECONDS)


def current_timeout(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_long_statement_is_cancelled_and_long_statements_lets_it_finish():
    postgresql_only()
    own = connection.settings_dict
    url = "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
        **{key: own.get(key) or "" for key in ("USER", "PASSWORD", "HOST", "PORT", "NAME")}
    )
    with database_at(url, alias="bounded", statement_timeout=1) as bounded:
        started = time.monotonic()
        with pytest.raises(OperationalError) as cancelled, bounded.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 4
        assert "statement timeout" in str(cancelled.value)
        # The request pipeline answers this exception with the 503 page (core/errors.py).
        assert errors.is_database_unavailable(cancelled.value)

        with long_statements(using="bounded", seconds=10):
            assert current_timeout("bounded") == "10s"
            with bounded.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(1.5)")
        assert current_timeout("bounded") == "1s"  # the connection keeps nothing of the block

        with contextlib.suppress(RuntimeError), long_statements(using="bounded", seconds=10):
            raise RuntimeError("the block fails: the connection gets its own timeout back all the same")
        assert current_timeout("bounded") == "1s"


@pytest.mark.django_db
def test_reports_and_imports_say_they_need_long_statements(settings):
    postgresql_only()
    import datetime

    from directory.hsds.importer import import_tables
    from referrals.reports import Period, build_report

    with CaptureQueriesContext(connection) as queries:
        build_report(Period.containing("quarter", datetime.date(2025, 5, 1)))
    assert "set_config('statement_timeout'" in queries.captured_queries[0]["sql"]
    assert queries.captured_queries[-1]["sql"] == "RESET statement_timeout"

    with CaptureQueriesContext(connection) as queries:
        import_tables({}, dry_run=True)
    statements = [query["sql"] for query in queries.captured_queries]
    assert any("set_config('statement_timeout'" in sql for sql in statements)
    assert statements[-1] == "RESET statement_timeout"
    assert current_timeout("default") == f"{int(settings.DB_STATEMENT_TIMEOUT_SECONDS)}s"
