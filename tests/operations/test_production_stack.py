"""The production stack started from the files in deploy/, on loopback: a private PostgreSQL cluster, the app
server and the task worker from their systemd units (ExecStartPre/ExecStart, EnvironmentFile), nginx from the site
file — with only the install paths and ports rewritten for the test. Checked through nginx over HTTPS: static
files with long cache headers, an image uploaded in the admin and served from media, a search, a referral sent by a
curator and accepted by the partner, a task executed by the worker, /readyz.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.servers import free_port, private_postgres, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HOST = "families.example.ru"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


def _need(binary: str) -> str:
    found = shutil.which(binary) or (f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None)
    if not found:
        message = f"{binary} is not installed (Debian package); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


class Install:
    """Where the test puts what docs/operations.md puts in /opt, /etc, /var/lib and /run."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        for name in ("run", "var/static", "var/media", "ssl", "etc", "nginx"):
            (tmp / name).mkdir(parents=True, exist_ok=True)
        self.rewrites = [
            ("/opt/families/.venv/bin/python", sys.executable),
            ("/opt/families/.venv/bin/", str(Path(sys.executable).parent) + "/"),
            ("/opt/families", str(ROOT)),
            ("/etc/families/families.env", str(tmp / "etc" / "families.env")),
            ("/run/families", str(tmp / "run")),
            ("/var/lib/families", str(tmp / "var")),
            ("/etc/ssl/families", str(tmp / "ssl")),
        ]

    def localise(self, text: str) -> str:
        for production, here in self.rewrites:
            text = text.replace(production, here)
        return text


def read_unit(name: str, install: Install) -> dict[str, list[str]]:
    unit: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            unit.setdefault(key.strip(), []).append(install.localise(expand_specifiers(value.strip())))
    return unit


def expand_specifiers(value: str) -> str:
    """The systemd specifiers the units use: %m, the machine id."""
    machine_id = Path("/etc/machine-id")
    return value.replace("%m", machine_id.read_text().strip() if machine_id.exists() else "0" * 32)


def read_env_file(path: Path) -> dict[str, str]:
    """systemd's EnvironmentFile: KEY=VALUE lines, # comments."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def write_env_file(install: Install, database_url: str) -> Path:
    from cryptography.fernet import Fernet

    values = read_env_file(DEPLOY / "families.env.example")
    values.update(
        SECRET_KEY="production-stack-test-" + "x" * 40,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="production-stack-hash-key-0123456789",
        BACKUP_ENCRYPTION_KEY="production-stack-backup-key-0123456789",
        DATABASE_URL=database_url,
        STATIC_ROOT=install.localise(values["STATIC_ROOT"]),
        MEDIA_ROOT=install.localise(values["MEDIA_ROOT"]),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # The machine's Redis as the template expects, in a database and key space of this test's own.
        REDIS_URL="redis://127.0.0.1:6379/12",
        CACHE_KEY_PREFIX=f"production-stack-{os.getpid()}",
    )
    path = install.tmp / "etc" / "families.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


def self_signed_certificate(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def nginx_config(install: Install, http_port: int, https_port: int) -> Path:
    site = install.localise((DEPLOY / "nginx" / "families.conf").read_text())
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("listen [::]:443 ssl http2;", "")
    folder = install.tmp / "nginx"
    (folder / "families.conf").write_text(site)
    main = f"""
# The test's nginx.conf (Debian's own /etc/nginx/nginx.conf wraps the site the same way in production).
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/families.conf;
}}
"""
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


def run(command: str, env: dict, cwd: str, timeout: float = 900) -> str:
    result = subprocess.run(shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@contextlib.contextmanager
def background(command: str, env: dict, cwd: str, log: Path):
    handle = log.open("w")
    process = subprocess.Popen(shlex.split(command), cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)
        handle.close()


class Browser:
    """requests through nginx: HTTPS on loopback with the site's host name (a self-signed certificate)."""

    def __init__(self, https_port: int):
        import requests

        self.base = f"https://127.0.0.1:{https_port}"
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies of the environment would override verify
        self.session.verify = False
        self.session.headers["Host"] = HOST

    def get(self, path: str, **kwargs):
        return self.session.get(self.base + path, timeout=120, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, files=None, referer: str | None = None):
        page_path = referer or path
        token = CSRF.search(self.follow(page_path).text)
        assert token, f"no CSRF token on {page_path}"
        return self.session.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            files=files,
            headers={"Referer": f"https://{HOST}{page_path}"},
            timeout=120,
            allow_redirects=False,
        )

    def follow(self, path: str):
        response = self.get(path)
        for _ in range(5):
            if not response.is_redirect:
                break
            location = response.headers["Location"]
            location = re.sub(rf"^https://{re.escape(HOST)}", "", location)
            response = self.get(location)
        return response


def test_the_production_stack_from_deploy_files(tmp_path):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs once, in the SQLite pass of CI: it starts its own PostgreSQL whatever DATABASE_URL says")
    nginx = _need("nginx")
    install = Install(tmp_path)
    self_signed_certificate(tmp_path / "ssl")
    web = read_unit("families-web.service", install)
    worker = read_unit("families-worker.service", install)
    with private_postgres() as cluster:
        env_file = write_env_file(install, cluster.url)
        assert web["EnvironmentFile"] == [str(env_file)] == worker["EnvironmentFile"]
        # what systemd gives a unit: the EnvironmentFile and little else (the production settings module)
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "website.settings",
            **read_env_file(env_file),
        }
        cwd = web["WorkingDirectory"][0]
        for command in web["ExecStartPre"]:  # migrate, collectstatic
            run(command, env, cwd)
        data = json.loads(
            run(f"{sys.executable} -m tests.benchmarks.workspace_load_db prepare 1 1", env, cwd).split("JSON:", 1)[1]
        )
        run(
            f"{sys.executable} manage.py createsuperuser --noinput --username editor --email editor@example.ru",
            {**env, "DJANGO_SUPERUSER_PASSWORD": "editor-password-2026"},
            cwd,
        )
        http_port, https_port = free_port(), free_port()
        config = nginx_config(install, http_port, https_port)
        run(f"{nginx} -t -c {config}", env, cwd)
        with (
            background(web["ExecStart"][0], env, cwd, tmp_path / "web.log"),
            background(worker["ExecStart"][0], env, worker["WorkingDirectory"][0], tmp_path / "worker.log"),
            background(f"{nginx} -c {config} -g 'daemon off;'", env, cwd, tmp_path / "nginx.log"),
        ):
            browser = Browser(https_port)

            def up():
                try:
                    return browser.get("/healthz").status_code == 200
                except OSError:
                    return False

            try:
                wait_until(up, timeout=300, message="the stack did not come up")
            except AssertionError:
                logs = [tmp_path / name for name in ("web.log", "worker.log", "nginx.log", "nginx/error.log")]
                raise AssertionError(
                    "the stack did not come up:\n"
                    + "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
                ) from None
            check_stack(browser, env, cwd, data, http_port)


def check_stack(browser: Browser, env: dict, cwd: str, data: dict, http_port: int) -> None:
    import requests

    # plain HTTP is sent to HTTPS by nginx
    plain = requests.get(
        f"http://127.0.0.1:{http_port}/services/", headers={"Host": HOST}, allow_redirects=False, timeout=60
    )
    assert plain.status_code == 301 and plain.headers["Location"] == f"https://{HOST}/services/"

    # readiness through nginx; /metrics only from the allowed address (nginx and the app agree)
    ready = browser.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"]["engine"] == "postgresql"

    # static files come from nginx with long cache headers and fingerprinted names
    home = browser.get("/")
    assert home.status_code == 200 and "Strict-Transport-Security" in home.headers
    styles = re.findall(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home.text)
    assert styles, "no fingerprinted stylesheet on the home page"
    static = browser.get(styles[0], headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]
    assert "max-age=31536000" in static.headers["Cache-Control"] and static.headers["Server"] == "nginx"

    # a search
    results = browser.get("/services/", params={"q": "психолог"})
    assert results.status_code == 200 and "психолог" in results.text.lower()

    # the admin: sign in, upload an image; nginx serves the file from media
    response = browser.post(
        "/admin/login/", {"username": "editor", "password": "editor-password-2026"}, referer="/admin/login/"
    )
    assert response.status_code == 302, response.text[-2000:]
    assert browser.follow("/admin/").status_code == 200
    from PIL import Image

    picture = Path(env["MEDIA_ROOT"]).parent / "upload.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(picture)
    with picture.open("rb") as handle:
        response = browser.post(
            "/admin/images/add/",
            {"title": "Проверка загрузки", "collection": "1"},
            files={"file": ("upload.png", handle, "image/png")},
        )
    assert response.status_code == 302, response.text[-3000:]
    stored = list(Path(env["MEDIA_ROOT"]).glob("original_images/upload*.png"))
    assert stored, "the upload did not reach MEDIA_ROOT"
    media = browser.get(f"/media/original_images/{stored[0].name}")
    assert media.status_code == 200 and media.content == stored[0].read_bytes()
    assert browser.get("/media/documents/anything.pdf").status_code == 404  # documents only through the app

    # a referral sent by the curator and accepted by the partner, through the workspace with both factors
    from django_otp.oath import totp

    password = "load-test-password-2026"
    curator, partner = (next(u for u in data["users"] if u["role"] == role) for role in ("curator", "partner_intake"))

    def sign_in(user: dict) -> Browser:
        person = Browser(int(browser.base.rsplit(":", 1)[1]))
        code = f"{totp(bytes.fromhex(user['key'])):06d}"
        answer = person.post("/cabinet/login/", {"username": user["username"], "password": password, "otp_token": code})
        assert answer.status_code == 302, answer.text[-2000:]
        return person

    desk = sign_in(curator)
    case = data["cases"][curator["username"]]
    new = f"/cabinet/cases/{case}/referrals/new/"
    answer = desk.post(
        new,
        {
            "category": data["category"],
            "organization": partner["organization"],
            "urgency": "routine",
            "narrative": "Проверка стенда: направление",
            "send": "1",
        },
    )
    assert answer.status_code == 302, answer.text[-3000:]
    sent = re.search(rf"/cabinet/referrals/({UUID})/", answer.headers["Location"]).group(1)
    inbox = sign_in(partner)
    assert sent in inbox.follow("/cabinet/inbox/?tab=new").text
    accepted = inbox.post(
        f"/cabinet/referrals/{sent}/act/accept/", {"note": "Принято"}, referer=f"/cabinet/referrals/{sent}/"
    )
    assert accepted.status_code == 302
    state = f"from referrals.models import Referral; print('STATE:' + Referral.objects.get(uuid={sent!r}).status)"
    assert run(f"{sys.executable} manage.py shell -c {shlex.quote(state)}", env, cwd).split("STATE:")[1].strip() == (
        "accepted"
    )

    # a task executed by the worker started from its unit
    enqueue = (
        "from referrals.tasks import deliver_outbox; result = deliver_outbox.enqueue(); print('ID:' + str(result.id))"
    )
    task_id = run(f"{sys.executable} manage.py shell -c {shlex.quote(enqueue)}", env, cwd).split("ID:", 1)[1].strip()
    status = (
        "from django_tasks_db.models import DBTaskResult; "
        f"print('STATUS:' + DBTaskResult.objects.get(id={task_id!r}).status)"
    )

    def done():
        out = run(f"{sys.executable} manage.py shell -c {shlex.quote(status)}", env, cwd)
        return out.split("STATUS:", 1)[1].strip() == "SUCCESSFUL"

    wait_until(done, timeout=120, message="the worker did not run the task", interval=2)
