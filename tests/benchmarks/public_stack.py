"""The production-like public site for the load and page-weight benchmarks (test_public_load.py,
test_page_weight.py): a PostgreSQL databank of N synthetic services kept between runs, gunicorn started from
deploy/systemd/families-web.service with DEBUG off and the production settings module, and — for the page
weight — nginx in front of it from deploy/nginx/families.conf (HTTPS, gzip, static files from STATIC_ROOT).

The databank lives in its own database, `bench_public` (BENCH_PUBLIC_DB), on the PostgreSQL server that
DATABASE_URL names, or on postgres://postgres@127.0.0.1:5432 when DATABASE_URL is not set. It is created when
missing and filled once (`migrate`, `load_demo`, `load_demo_kiosk`, `generate_databank --services N --seed S`,
`VACUUM ANALYZE`: a few minutes at 50,000); a marker table records N and S, so the next run only applies new
migrations. BENCH_PUBLIC_REBUILD=1 fills it again from scratch. BENCH_APP_ROOT runs the servers and commands
from another checkout (same virtualenv), e.g. a `git archive` of a commit to compare before and after a change.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.reliability.servers import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
# The code the servers run: this checkout, or another one (BENCH_APP_ROOT, e.g. `git archive` of a commit to
# compare before and after a change; same virtualenv).
APP = Path(os.environ.get("BENCH_APP_ROOT", ROOT)).resolve()
PYTHON = sys.executable
DEPLOY = APP / "deploy"
SERVICES = int(os.environ.get("BENCH_PUBLIC_SERVICES", "50000"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
DB_NAME = os.environ.get("BENCH_PUBLIC_DB", "bench_public")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
MARKER = "bench_databank_marker"
# The fixed keys of website/settings_test.py: the benchmark databank holds no real personal data.
KEYS = {
    "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
    "FIELD_ENCRYPTION_KEYS": "lBzcb1Hvh2TXMpGmmmtxSQM3Zyvrfv9xvxxWqg9UPtE=",
    "FIELD_HASH_KEY": "test-only-hash-key",
}


def results_dir() -> Path:
    path = Path(os.environ.get("BENCH_RESULTS_DIR", Path(__file__).parent / "results"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_result(name: str, result: dict) -> Path:
    path = results_dir() / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return path


def machine() -> dict:
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------------ the databank


def database_urls(name: str = DB_NAME) -> tuple[str, str]:
    """(the server's maintenance database URL, the benchmark database URL)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_SERVER
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + name))


def postgres_or_skip(name: str = DB_NAME) -> tuple[str, str]:
    import psycopg

    admin, url = database_urls(name)
    try:
        with psycopg.connect(admin, connect_timeout=5):
            pass
    except psycopg.Error as error:
        message = f"PostgreSQL is not reachable at {admin} (set DATABASE_URL): {str(error).strip()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return admin, url


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def _marker(url: str) -> tuple[int, int] | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            row = connection.execute(f"SELECT services, seed FROM {MARKER}").fetchone()  # noqa: S608 - a constant
    except psycopg.Error:
        return None
    return tuple(row) if row else None


def prepare_env(url: str, app: Path = APP) -> dict:
    """The environment of the manage.py commands that fill the databank (test settings: fast and quiet)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_LIVE"))}
    env.update(DJANGO_SETTINGS_MODULE="website.settings_test", DATABASE_URL=url, PYTHONPATH=str(app), **KEYS)
    return env


def manage(env: dict, *args: str, timeout: float = 3600) -> str:
    """manage.py of the checkout on the environment's PYTHONPATH (this one unless prepare_env was given another)."""
    app = env.get("PYTHONPATH", str(APP))
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=app, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def ensure_databank(
    services: int = SERVICES, seed: int = SEED, name: str = DB_NAME, app: Path = APP
) -> tuple[str, dict]:
    """The URL of a PostgreSQL database holding the demo databank, the demo kiosk and `services` synthetic
    services (seed `seed`), and facts about how it was obtained. `name` and `app`: another database, filled by the
    commands (and migrations) of another checkout (e.g. a git worktree of an older commit)."""
    import psycopg

    admin, url = postgres_or_skip(name)
    facts: dict = {"database": url.rsplit("@", 1)[-1]}
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    wanted = (services, seed)
    if exists and _marker(url) == wanted and os.environ.get("BENCH_PUBLIC_REBUILD") != "1":
        env = prepare_env(url, app)
        out = manage(env, "migrate", "--noinput")
        facts["reused"] = True
        if "No migrations to apply" not in out:  # new migrations (e.g. search tables): refill what they need
            facts["migrated"] = True
            rebuild = subprocess.run(
                [PYTHON, "manage.py", "search_index", "rebuild"], cwd=app, env=env, capture_output=True, text=True
            )
            facts["search_index_rebuild"] = rebuild.returncode == 0
        return url, facts
    started = time.monotonic()
    if exists:
        _admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    _admin(admin, f'CREATE DATABASE "{name}"')
    env = prepare_env(url, app)
    print(f"\nFilling {name}: demo databank + {services} synthetic services (seed {seed}); this takes minutes.")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "load_demo_kiosk")
    manage(env, "generate_databank", "--services", str(services), "--seed", str(seed))
    # the database engine's own index, when `search_index rebuild` has one (no error otherwise)
    subprocess.run([PYTHON, "manage.py", "search_index", "rebuild"], cwd=app, env=env, capture_output=True)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute(f"CREATE TABLE {MARKER} (services integer, seed integer, filled_at timestamptz)")
        connection.execute(f"INSERT INTO {MARKER} VALUES (%s, %s, now())", [services, seed])  # noqa: S608
    facts.update(reused=False, fill_seconds=round(time.monotonic() - started, 1))
    return url, facts


def sample_ids(url: str, sql: str, count: int) -> list:
    import psycopg

    with psycopg.connect(url) as connection:
        return [row[0] for row in connection.execute(sql, [count]).fetchall()]


# ------------------------------------------------------------------------------------------ the servers


def server_env(url: str, static_root: Path, **extra: str) -> dict:
    """What the systemd unit gives gunicorn (deploy/families.env.example), for loopback."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(APP)}
    for line in (DEPLOY / "families.env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    env.update(
        DJANGO_SETTINGS_MODULE="website.settings",
        DATABASE_URL=url,
        ALLOWED_HOSTS="127.0.0.1,localhost,families.example.ru",
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(static_root.parent / "media"),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        BACKUP_ENCRYPTION_KEY="bench-backup-key-0123456789",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **KEYS,
    )
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    elif env.get("REDIS_URL"):
        # The template's local redis-server: a database and key space of the benchmark's own when it answers,
        # else no Redis (cache in each process; the public page cache is then off by default).
        parts = urlsplit(env["REDIS_URL"])
        try:
            socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2).close()
            env["REDIS_URL"] = urlunsplit(parts._replace(path="/13"))
            env["CACHE_KEY_PREFIX"] = f"bench-{os.getpid()}-{time.time_ns()}"
        except OSError:
            env["REDIS_URL"] = ""
    env.update(extra)
    return {k: v for k, v in env.items() if v != "" or k in extra}


def collectstatic(env: dict) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput"], cwd=APP, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def gunicorn_command(bind: str) -> list[str]:
    """ExecStart of deploy/systemd/families-web.service with this venv and another bind address."""
    for line in (DEPLOY / "systemd" / "families-web.service").read_text().splitlines():
        if line.startswith("ExecStart="):
            words = shlex.split(line.split("=", 1)[1])
            break
    else:  # pragma: no cover - the unit always has one
        raise AssertionError("no ExecStart in families-web.service")
    words[0] = str(Path(PYTHON).parent / "gunicorn")
    words[words.index("--bind") + 1] = bind
    # An experiment, not the deployed setup: another --max-requests (each recycled worker starts with an empty
    # in-process page cache when REDIS_URL is not set).
    if os.environ.get("BENCH_GUNICORN_MAX_REQUESTS") and "--max-requests" in words:
        words[words.index("--max-requests") + 1] = os.environ["BENCH_GUNICORN_MAX_REQUESTS"]
    words += shlex.split(os.environ.get("BENCH_GUNICORN_EXTRA", ""))  # e.g. "--preload"
    return words


def wait_http(url: str, timeout: float, log: Path, headers: dict | None = None) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer: " + (log.read_text()[-3000:] if log.exists() else ""))


@contextlib.contextmanager
def gunicorn(env: dict, workdir: Path, bind: str | None = None):
    """gunicorn from the systemd unit on `bind` (a free loopback port by default); yields the bind address."""
    bind = bind or f"127.0.0.1:{free_port()}"
    log = workdir / f"gunicorn-{bind.replace('/', '_').replace(':', '_')}.log"
    handle = log.open("w")
    process = subprocess.Popen(
        gunicorn_command(bind), cwd=APP, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        if not bind.startswith("unix:"):
            wait_http(f"http://{bind}/healthz", 120, log)
        yield bind, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # the process group started above
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        handle.close()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextlib.contextmanager
def production_stack(url: str, workdir: Path, **extra_env: str):
    """nginx (deploy/nginx/families.conf, HTTPS on a loopback port) → gunicorn (unix socket, the systemd unit).
    Yields the HTTPS base URL."""
    from tests.operations.test_production_stack import Install, nginx_config, self_signed_certificate

    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian package nginx): the page weight is measured behind it")
    install = Install(workdir)
    self_signed_certificate(workdir / "ssl")
    env = server_env(url, workdir / "var" / "static", **extra_env)
    env["MEDIA_ROOT"] = str(workdir / "var" / "media")
    collectstatic(env)
    socket_path = install.localise("/run/families/gunicorn.sock")
    https_port = free_port()
    config = nginx_config(install, free_port(), https_port)
    check = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    with gunicorn(env, workdir, bind=f"unix:{socket_path}") as (_bind, log):
        nginx_log = (workdir / "nginx.log").open("w")
        process = subprocess.Popen(
            [nginx, "-c", str(config), "-g", "daemon off;"], stdout=nginx_log, stderr=subprocess.STDOUT
        )
        try:
            base = f"https://127.0.0.1:{https_port}"
            _wait_https(base + "/healthz", 120, log)
            yield base
        finally:
            stop(process)
            nginx_log.close()


def _wait_https(url: str, timeout: float, log: Path) -> None:
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10, context=context) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer: " + (log.read_text()[-3000:] if log.exists() else ""))
