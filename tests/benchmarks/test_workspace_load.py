"""Workspace load test on loopback: a real gunicorn, 50 concurrent users doing mixed actions for LOAD_SECONDS
(default 120), then the database is read back.

    LOAD_SECONDS=120 .venv/bin/pytest tests/benchmarks/test_workspace_load.py -s       # SQLite, one worker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch LOAD_SECONDS=120 .venv/bin/pytest ... -s

The server runs website.settings_test (production code paths with DEBUG off; the fast test password hasher and
plain static files) against its own database: a fresh SQLite file, or a fresh PostgreSQL database next to the
one DATABASE_URL names (created and dropped here). 25 curators and 25 partner-intake users sign in with
password and TOTP, then loop: desk, case list, case page, referral page, new referral created and sent through
the real form, messages, and the partners' accept / decline / start / complete through the real forms with
CSRF tokens. Every action a client believes succeeded (its success message came back) is written down; after
the run each must match exactly one row (event, message, referral) — nothing lost, nothing duplicated, nothing
extra — and no response may be a 5xx. A table (requests, p50/p95/p99, errors) is printed and a JSON file is
written (LOAD_RESULT, default load-result.json in the temporary directory of the run).
"""

from __future__ import annotations

import collections
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SECONDS = float(os.environ.get("LOAD_SECONDS", "120"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MESSAGE = re.compile(r'<p class="message message-(\w+)">(.*?)</p>', re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoadDatabase:
    """A fresh database for the run: SQLite file, or PostgreSQL beside DATABASE_URL's (dropped afterwards)."""

    def __init__(self, workdir: Path):
        base = os.environ.get("DATABASE_URL", "")
        self.postgres = base.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(base)
            self.name = f"load_{os.getpid()}_{int(time.time())}"
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path="/" + self.name))
        else:
            self.url = f"sqlite:///{workdir / 'load.sqlite3'}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def create(self) -> None:
        if self.postgres:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def server_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_LIVE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="website.settings_test",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        API_RATE_LIMIT="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict, *args: str, timeout: int = 900) -> str:
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def db_script(env: dict, *args: str) -> dict:
    out = manage(env, "-m", "tests.benchmarks.workspace_load_db", *args)
    return json.loads(out.split("JSON:", 1)[1])


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = collections.defaultdict(list)  # kind → seconds
        self.statuses = collections.Counter()
        self.errors = collections.Counter()  # kind → count of 5xx / connection errors
        self.server_errors: list[str] = []
        self.believed = {"events": [], "messages": [], "created": []}
        self.refused = collections.Counter()  # actions the server refused cleanly (raced, not allowed)

    def record(self, kind: str, seconds: float, status: int | None, url: str) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[status] += 1
            if status is None or status >= 500:
                self.errors[kind] += 1
                self.server_errors.append(f"{status} {url}")

    def believe(self, key: str, item) -> None:
        with self.lock:
            self.believed[key].append(item)


class Client:
    def __init__(self, base: str, user: dict, stats: Stats, token: str, data: dict, deadline: float, seed: int):
        self.base, self.user, self.stats, self.token, self.data = base, user, stats, token, data
        self.deadline = deadline
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"load-test {user['username']}"
        self.messages_sent = 0

    # -- HTTP with bookkeeping
    def _send(self, method: str, url: str, **kwargs):
        """One hop, with the cookies sent by hand: the server marks them Secure (as in production) and the test
        talks plain HTTP on loopback, where requests would hold them back."""
        jar = self.session.cookies
        headers = {**kwargs.pop("headers", {}), "Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)}
        response = self.session.request(method, url, headers=headers, allow_redirects=False, timeout=60, **kwargs)
        return response

    def request(self, kind: str, method: str, path: str, **kwargs):
        started = time.perf_counter()
        status = None
        try:
            response = self._send(method, self.base + path, **kwargs)
            hops = []
            while response.is_redirect and len(hops) < 5:
                hops.append(response)
                status = response.status_code
                if status >= 500:
                    break
                response = self._send("GET", requests.compat.urljoin(response.url, response.headers["Location"]))
            response.history = hops
            status = max([response.status_code] + [h.status_code for h in hops if h.status_code >= 500])
            return response
        except requests.RequestException:
            return None
        finally:
            self.stats.record(kind, time.perf_counter() - started, status, path)

    def get(self, kind, path):
        return self.request(kind, "GET", path)

    def post_form(self, kind, page_path: str, action_path: str, data: dict, page_html: str | None = None):
        """A real form post: the CSRF token is taken from the page that shows the form."""
        if page_html is None:
            page = self.get(kind + " (form)", page_path)
            if page is None or page.status_code != 200:
                return None
            page_html = page.text
        match = CSRF.search(page_html)
        if not match:
            return None
        headers = {"Referer": self.base + page_path}
        return self.request(
            kind, "POST", action_path, data={"csrfmiddlewaretoken": match.group(1), **data}, headers=headers
        )

    @staticmethod
    def outcome(response) -> tuple[str, str]:
        """The Django message that came back after the redirect: («success»|«error»|…, text)."""
        if response is None or response.status_code != 200:
            return "none", ""
        found = MESSAGE.findall(response.text)
        return (found[-1][0], html.unescape(found[-1][1]).strip()) if found else ("none", "")

    # -- sign in
    def login(self) -> bool:
        from django_otp.oath import totp

        page = self.get("login (form)", "/cabinet/login/")
        if page is None:
            return False
        code = f"{totp(bytes.fromhex(self.user['key'])):06d}"
        data = {"username": self.user["username"], "password": self.data["password"], "otp_token": code}
        response = self.post_form("login", "/cabinet/login/", "/cabinet/login/", data, page_html=page.text)
        return response is not None and response.status_code == 200 and "/cabinet/login/" not in response.url

    # -- the loop
    def run(self) -> None:
        if not self.login():
            self.stats.refused["login"] += 1
            return
        curator = self.user["role"] == "curator"
        while time.monotonic() < self.deadline:
            (self.curator_step if curator else self.partner_step)()

    def referral_links(self, text: str) -> list[str]:
        return list(dict.fromkeys(re.findall(rf"/cabinet/referrals/({UUID})/", text)))

    def message(self, referral: str, page_html: str) -> None:
        self.messages_sent += 1
        body = f"{self.token} {self.user['username']} №{self.messages_sent} <b>не тег</b> «{uuid.uuid4()}»"
        path = f"/cabinet/referrals/{referral}/"
        response = self.post_form("message", path, path + "messages/", {"body": body}, page_html=page_html)
        level, _text = self.outcome(response)
        if level == "success":
            self.stats.believe("messages", [referral, self.user["username"], body])
        else:
            self.stats.refused["message"] += 1

    def curator_step(self) -> None:
        case = self.data["cases"][self.user["username"]]
        choice = self.random.random()
        if choice < 0.15:
            self.get("desk", "/cabinet/")
        elif choice < 0.25:
            self.get("case list", "/cabinet/cases/")
        elif choice < 0.45:
            self.get("notifications", "/cabinet/notifications/")
        elif choice < 0.6:
            path = f"/cabinet/cases/{case}/referrals/new/?category=psy"
            partner = self.random.choice(self.data["partners"])
            data = {
                "category": self.data["category"],
                "organization": partner,
                "urgency": "routine",
                "narrative": f"{self.token} новое направление",
                "send": "1",
            }
            response = self.post_form("new referral", path, path, data)
            level, _text = self.outcome(response)
            found = re.search(rf"/cabinet/referrals/({UUID})/", response.url) if response is not None else None
            if level == "success" and found:
                self.stats.believe("created", found.group(1))
                self.stats.believe("events", [found.group(1), "create", self.user["username"]])
                self.stats.believe("events", [found.group(1), "send", self.user["username"]])
            else:
                self.stats.refused["new referral"] += 1
        else:
            page = self.get("case", f"/cabinet/cases/{case}/")
            if page is None or page.status_code != 200:
                return
            links = self.referral_links(page.text)
            if not links:
                return
            referral = self.random.choice(links)
            detail = self.get("referral", f"/cabinet/referrals/{referral}/")
            if detail is not None and detail.status_code == 200 and "/messages/" in detail.text:
                self.message(referral, detail.text)

    def partner_step(self) -> None:
        choice = self.random.random()
        if choice < 0.1:
            self.get("desk", "/cabinet/")
            return
        tab = self.random.choice(["new", "new", "progress", "closed"])
        inbox = self.get("inbox", f"/cabinet/inbox/?tab={tab}")
        if inbox is None or inbox.status_code != 200:
            return
        links = self.referral_links(inbox.text)
        if not links:
            return
        referral = self.random.choice(links[:20])
        path = f"/cabinet/referrals/{referral}/"
        detail = self.get("referral", path)
        if detail is None or detail.status_code != 200:
            return
        actions = re.findall(rf"/cabinet/referrals/{referral}/act/(\w+)/", detail.text)
        if actions and self.random.random() < 0.7:
            action = self.random.choice([a for a in actions if a != "not_complete"] or actions)
            data = {"note": f"{self.token} {action}"}
            if action == "decline":
                data["decline_reason"] = self.random.choice(["no_capacity", "not_our_profile", "out_of_area"])
            elif action == "complete":
                data["outcome"] = self.random.choice(["provided", "partly"])
            elif action == "not_complete":
                data["not_completed_reason"] = "family_refused"
            response = self.post_form(action, path, f"{path}act/{action}/", data, page_html=detail.text)
            level, _text = self.outcome(response)
            if level == "success":
                self.stats.believe("events", [referral, action, self.user["username"]])
            else:
                self.stats.refused[action] += 1
        elif "/messages/" in detail.text:
            self.message(referral, detail.text)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(stats: Stats, seconds: float, engine: str, workers: str) -> dict:
    rows = []
    for kind in sorted(stats.times):
        t = stats.times[kind]
        rows.append(
            {
                "kind": kind,
                "requests": len(t),
                "p50_ms": round(percentile(t, 50) * 1000),
                "p95_ms": round(percentile(t, 95) * 1000),
                "p99_ms": round(percentile(t, 99) * 1000),
                "errors": stats.errors[kind],
            }
        )
    every = [x for t in stats.times.values() for x in t]
    total = {
        "kind": "all",
        "requests": len(every),
        "p50_ms": round(percentile(every, 50) * 1000),
        "p95_ms": round(percentile(every, 95) * 1000),
        "p99_ms": round(percentile(every, 99) * 1000),
        "errors": sum(stats.errors.values()),
    }
    print(f"\nWorkspace load: {USERS} users, {seconds:.0f} s, {engine}, gunicorn {workers}")
    print(f"{'kind':<22}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for row in [*rows, total]:
        print(
            f"{row['kind']:<22}{row['requests']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
            f"{row['errors']:>8}"
        )
    print(f"throughput: {len(every) / seconds:.1f} requests/s; statuses: {dict(stats.statuses)}")
    print(
        f"believed: {len(stats.believed['events'])} events, {len(stats.believed['messages'])} messages, "
        f"{len(stats.believed['created'])} new referrals; refused cleanly: {dict(stats.refused)}"
    )
    return {"rows": rows, "total": total, "statuses": {str(k): v for k, v in stats.statuses.items()}}


@pytest.fixture
def server(tmp_path):
    database = LoadDatabase(tmp_path)
    database.create()
    env = server_env(database.url)
    process = None
    try:
        manage(env, "manage.py", "migrate", "--noinput")
        data = db_script(env, "prepare", str(USERS // 2), str(USERS - USERS // 2))
        port = free_port()
        workers = ["--workers", "3", "--threads", "4"] if database.postgres else ["--workers", "1", "--threads", "1"]
        log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "website.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--worker-class", "gthread", *workers, "--timeout", "120", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if requests.get(base + "/cabinet/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-3000:])
        data["password"] = "load-test-password-2026"
        yield {
            "base": base,
            "env": env,
            "data": data,
            "engine": "PostgreSQL" if database.postgres else "SQLite",
            "workers": " ".join(workers),
            "log": tmp_path / "gunicorn.log",
            "dir": tmp_path,
        }
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)  # the server's own process group, started above
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        database.drop()


def test_workspace_under_load(server):
    stats = Stats()
    token = f"LOAD-{uuid.uuid4().hex[:10]}"
    started_at = datetime.now(UTC).isoformat()
    started = time.monotonic()
    deadline = started + SECONDS
    users = server["data"]["users"]
    threads = [
        threading.Thread(
            target=Client(server["base"], user, stats, token, server["data"], deadline, seed=i).run, daemon=True
        )
        for i, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 180)  # bounded: a request in flight ends by its own 60 s timeout
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client did not stop"
    summary = report(stats, elapsed, server["engine"], server["workers"])

    found = db_script(server["env"], "verify", started_at, token)
    believed_events = collections.Counter(tuple(e) for e in stats.believed["events"])
    found_events = collections.Counter(tuple(e) for e in found["events"])
    believed_messages = collections.Counter(tuple(m) for m in stats.believed["messages"])
    found_messages = collections.Counter(tuple(m) for m in found["messages"])
    lost_events = believed_events - found_events
    extra_events = found_events - believed_events
    lost_messages = believed_messages - found_messages
    extra_messages = found_messages - believed_messages
    duplicated = [e for e, n in found_events.items() if n > 1] + [m for m, n in found_messages.items() if n > 1]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} CPU, {sys.platform}, Python {sys.version.split()[0]}",
        "engine": server["engine"],
        "gunicorn": server["workers"],
        "users": USERS,
        "seconds": round(elapsed, 1),
        **summary,
        "believed": {k: len(v) for k, v in stats.believed.items()},
        "found": {k: len(v) for k, v in found.items()},
        "lost_events": len(lost_events),
        "extra_events": len(extra_events),
        "lost_messages": len(lost_messages),
        "extra_messages": len(extra_messages),
        "duplicated": len(duplicated),
        "refused_cleanly": dict(stats.refused),
        "logins_failed": stats.refused.get("login", 0),
    }
    path = Path(os.environ.get("LOAD_RESULT", server["dir"] / "load-result.json"))
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"lost/extra events: {len(lost_events)}/{len(extra_events)}, lost/extra messages: "
        f"{len(lost_messages)}/{len(extra_messages)}, duplicated: {len(duplicated)}; result: {path}"
    )

    assert stats.server_errors == [], stats.server_errors[:20]
    assert result["logins_failed"] == 0
    assert sum(len(v) for v in stats.believed.values()) > 0, "no action succeeded: the load did nothing"
    assert not lost_events and not extra_events, (list(lost_events)[:10], list(extra_events)[:10])
    assert not lost_messages and not extra_messages, (list(lost_messages)[:5], list(extra_messages)[:5])
    assert not duplicated, duplicated[:10]
    assert sorted(found["created"]) == sorted(stats.believed["created"])
