"""Real processes for the fault tests: a private PostgreSQL cluster that a test may stop and start (never the
shared server), and the site under gunicorn."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .scratch import ROOT

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, message: str, interval: float = 0.2):
    """Poll ``condition`` until it returns a true value (a bound against hanging, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message)


@dataclass
class Cluster:
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/app"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.datadir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop", check=False)


@contextlib.contextmanager
def private_postgres():
    """A throwaway PostgreSQL cluster on a free loopback port with an empty database ``app``."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN)")
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}: the database restart test needs them")
    datadir = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    cluster = Cluster(datadir=datadir, port=free_port())
    try:
        cluster._run("initdb", "-D", str(datadir), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        cluster.start()
        cluster._run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "app")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(datadir, ignore_errors=True)


@dataclass
class Response:
    status: int
    body: str
    headers: dict


def fetch(url: str, timeout: float = 90) -> Response:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return Response(answer.status, answer.read().decode(), dict(answer.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode(), dict(error.headers))


def stop(process: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not exit within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def gunicorn(env: dict):
    """The site under gunicorn (one worker, four threads) with the test settings and ``env``."""
    port = free_port()
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "website.settings_test", **env}
    log = tempfile.TemporaryFile()  # noqa: SIM115 — a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "website.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "4", "--timeout", "60"],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def ready():
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"gunicorn exited: {log.read().decode()[-3000:]}")
        try:
            return fetch(base + "/", timeout=5).status == 200
        except OSError:
            return False

    try:
        wait_until(ready, timeout=120, message="the site did not start")
        yield process, base
    finally:
        stop(process)
        log.close()
