"""Scaling out (issue 11's acceptance): with REDIS_URL and DATABASE_REPLICA_URL set, a workspace session survives
a restart of the app server, and the coordinator's report reads from the replica.

The replica is a second PostgreSQL database on the same server, a copy of the primary in which one district has
another name: the report page shows the replica's name, the primary keeps its own. The app server is gunicorn
in a separate process; Redis is the one at 127.0.0.1:6379, with a database number and key prefix of this test."""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection

from tests.reliability.scratch import app_database, scratch_database, shell_json
from tests.reliability.servers import gunicorn

REDIS_DB = 13  # a database number no other test uses
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REPLICA_NAME = "Район-на-реплике"

RENAME_ON_REPLICA = f"""
import json
from referrals.models import FamilyCase
district = FamilyCase.objects.filter(district__isnull=False).first().district
old = district.name
type(district).objects.filter(pk=district.pk).update(name={REPLICA_NAME!r})
print(json.dumps({{"old": old}}))
"""
PRIMARY_NAMES = """
import json
from directory.models import Municipality
print(json.dumps({{"old": Municipality.objects.filter(name={old!r}).count(),
                  "replica": Municipality.objects.filter(name={new!r}).count()}}))
"""
LOAD_NETWORK = "from demo.network import load_demo_network; load_demo_network(); print('{}')"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


def app_database_copy(source_url: str, suffix: str):
    """A second database on the same PostgreSQL server, a copy of ``source_url`` (CREATE DATABASE … TEMPLATE)."""
    return scratch_database(None, suffix, template=urllib.parse.urlsplit(source_url).path.lstrip("/"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """A browser without redirects that keeps its cookies by hand (the server marks them Secure, as in
    production, and the test speaks plain HTTP on loopback)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method="POST" if body else "GET")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        try:
            with self.opener.open(request, timeout=90) as answer:
                status, headers, text = answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, text = error.code, error.headers, error.read().decode()
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, dict(headers), text

    def sign_in(self, username: str, password: str, code: str) -> None:
        status, _headers, page = self.request("/cabinet/login/")
        assert status == 200
        token = CSRF.search(page).group(1)
        status, headers, page = self.request(
            "/cabinet/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "otp_token": code},
        )
        assert status == 302, page[-2000:]


@pytest.mark.django_db
def test_sessions_survive_an_app_server_restart_and_reports_read_the_replica(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the replica is a second PostgreSQL database on the same server: run with a PostgreSQL DATABASE_URL "
            "(CI does)"
        )
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run installs redis-server)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    with app_database(tmp_path, "primary") as primary:
        shell_json(LOAD_NETWORK, {"DATABASE_URL": primary})
        with app_database_copy(primary, "replica") as replica:
            old_name = shell_json(RENAME_ON_REPLICA, {"DATABASE_URL": replica})["old"]
            prefix = f"scaling-test-{uuid.uuid4().hex[:8]}"
            env = {
                "DJANGO_SETTINGS_MODULE": "tests.operations.settings_shared_state",
                "DATABASE_URL": primary,
                "DATABASE_REPLICA_URL": replica,
                "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
                "CACHE_KEY_PREFIX": prefix,
            }
            try:
                run_and_restart(env)
            finally:
                forget_keys(prefix)

            # The primary was never written by the report: it still has the old name.
            names = shell_json(PRIMARY_NAMES.format(old=old_name, new=REPLICA_NAME), {"DATABASE_URL": primary})
            assert names == {"old": 1, "replica": 0}


def forget_keys(prefix: str) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def run_and_restart(env: dict) -> None:
    """Sign in, read the report, restart the app server, read it again with the same session."""
    from django_otp.oath import totp

    from demo.network import DEMO_PASSWORD, totp_secret_bytes

    with gunicorn(env) as (_process, base):
        coordinator = Visitor(base)
        coordinator.sign_in("koordinator", DEMO_PASSWORD, f"{totp(totp_secret_bytes('koordinator')):06d}")
        status, _headers, page = coordinator.request("/cabinet/figures/")
        assert status == 200, page[-2000:]
        # The district's name as the replica has it: the report read the replica, not the primary.
        assert REPLICA_NAME in page
        session = coordinator.cookies["sessionid"]
        status, _headers, body = coordinator.request("/readyz")
        assert json.loads(body)["checks"]["replica"]["status"] == "ok", body

    # A new app server process (the old one is gone, and its memory with it): the session is in the database.
    with gunicorn(env) as (_process, base):
        coordinator.base = base
        status, headers, page = coordinator.request("/cabinet/figures/")
        assert status == 200, (status, headers.get("Location"), page[-1000:])
        assert REPLICA_NAME in page
        assert coordinator.cookies["sessionid"] == session
