"""Helpers of the reliability tests: run `manage.py` in a separate process, and scratch databases beside the
test database (a new SQLite file, or a new PostgreSQL database on the same server)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict | None = None, check: bool = True, timeout: float = 600):
    """`python manage.py …` with the test settings; ``env`` overrides the environment (e.g. DATABASE_URL)."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "website.settings_test", **(env or {})}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def shell_json(code: str, env: dict) -> dict:
    """Run Python ``code`` (which must end by printing one JSON line) in `manage.py shell` against ``env``."""
    result = manage("shell", "-c", code, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _admin_connection():
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        password=settings.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def postgres_url(name: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    user = settings["USER"] or "postgres"
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


@contextlib.contextmanager
def scratch_database(tmp_path: Path | None, suffix: str, template: str | None = None):
    """An empty database of the same kind as the test database (on PostgreSQL, a copy of ``template`` when given);
    yields its DATABASE_URL, drops it afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / (suffix + '.sqlite3')}"
        return
    name = f"{connection.settings_dict['NAME']}_{suffix}"[:63]
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield postgres_url(name)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def snapshot() -> dict:
    """What a restore must bring back: ids of every referral, event and access-log row, and readable names."""
    from referrals.models import AccessLog, FamilyMember, Referral, ReferralEvent

    def ids(model):
        return list(model.objects.order_by("pk").values_list("pk", flat=True))

    return {
        "referrals": ids(Referral),
        "events": ids(ReferralEvent),
        "access_log": ids(AccessLog),
        "family_names": sorted(member.full_name for member in FamilyMember.objects.all()),
    }


SNAPSHOT_CODE = "import json; from tests.reliability.scratch import snapshot; print(json.dumps(snapshot()))"


@contextlib.contextmanager
def app_database(tmp_path: Path, suffix: str):
    """A separate, committed copy of the test database (schema, reference data, demo databank) that other
    processes can open: a SQLite file, or a PostgreSQL database restored from `pg_dump`. Yields its URL."""
    from core.backup import database

    dump = tmp_path / f"{suffix}.dump"
    if connection.vendor == "sqlite":
        database.dump(dump)
        yield f"sqlite:///{dump}"
        return
    database.dump(dump)
    with scratch_database(tmp_path, suffix) as url:
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "-d", url, str(dump)], check=True)
        yield url
