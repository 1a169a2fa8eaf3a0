"""Security headers on every kind of page: the Content-Security-Policy (django-csp, core/csp.py) without
'unsafe-inline' scripts, HSTS, X-Frame-Options, Referrer-Policy, nosniff, and the cookie flags."""

import pytest
from django.test import Client

from demo.kiosk import load_demo_kiosk
from directory.models import Organization, Service
from referrals.codes import Role
from tests.referrals.conftest import cabinet_login, make_user

# Directive → the values allowed (the kiosk sets its own, stricter policy: base-uri 'none').
EXPECTED_DIRECTIVES = {
    "default-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self' data:"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'", "'none'"},
    "object-src": {"'none'"},
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in ((p[0], p[1] if len(p) > 1 else "") for p in parts)}


def public_paths() -> dict[str, str]:
    service = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("pk").first()
    return {
        "home": "/",
        "results": "/services/?q=психолог",
        "service": service.get_absolute_url(),
        "organisation": service.organization.get_absolute_url(),
        "measure (JSON-LD)": "/edinoe-posobie/",
        "quick exit page": "/nasilie-v-seme/",
        "help request": "/help/",
        "cabinet login": "/cabinet/login/",
        "API": "/api/v1/services",
        "API docs": "/api/v1/docs",
        "kiosk": f"/kiosk/{load_demo_kiosk().code}/",
    }


@pytest.mark.django_db
def test_every_kind_of_page_has_the_strict_policy_and_headers(client):
    for name, path in public_paths().items():
        response = client.get(path, secure=True)
        assert response.status_code == 200, (name, response.status_code)
        policy = directives(response["Content-Security-Policy"])
        for directive, value in EXPECTED_DIRECTIVES.items():
            assert policy[directive] in value, (name, directive, policy)
        script_src = policy["script-src"].split()
        assert script_src[0] == "'self'", name
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, name
        assert all(source == "'self'" or source.startswith("'nonce-") for source in script_src), name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Strict-Transport-Security"].startswith("max-age=31536000"), name
        assert "includeSubDomains" in response["Strict-Transport-Security"], name


@pytest.mark.django_db
def test_json_ld_blocks_carry_the_nonce_of_the_header(client):
    response = client.get("/edinoe-posobie/", secure=True)
    nonce = response.wsgi_request.csp_nonce
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert f'<script type="application/ld+json" nonce="{nonce}">' in response.content.decode()
    # A page without JSON-LD asks for no nonce: its policy is plain 'self'.
    plain = client.get("/cabinet/login/", secure=True)
    assert directives(plain["Content-Security-Policy"])["script-src"] == "'self'"


@pytest.mark.django_db
def test_no_public_page_carries_inline_script_style_or_handler(client):
    """What the policy would block is not in the markup in the first place."""
    import re

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
    for name, path in public_paths().items():
        if path.startswith("/api/v1/") and not path.endswith("docs"):
            continue
        html = client.get(path, secure=True).content.decode()
        assert not inline_script.search(html), name
        assert not re.search(r"<style\b", html, re.I), name
        assert not re.search(r"\sstyle=", html, re.I), name
        assert not re.search(r"\son[a-z]+=", html, re.I), name
        assert "javascript:" not in html.lower(), name


@pytest.mark.django_db
def test_wagtail_admin_keeps_the_strict_parts_of_the_policy(admin_client):
    response = admin_client.get("/admin/", secure=True)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_samesite():
    user = make_user("t-cookie-user", Role.CURATOR, Organization.objects.filter(is_network_partner=True).first())
    client = Client()
    login = client.get("/cabinet/login/", secure=True)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    cabinet_login(client, user)
    response = client.get("/cabinet/", secure=True)  # the workspace's idle timer writes the session each time
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_check_deploy_is_clean_with_production_like_settings():
    """The command CI runs (.ci/run), in a fresh process with production settings: no warning at all."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cryptography.fernet import Fernet

    env = {
        # not the test session's own switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for the session)
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
        },
        "DEBUG": "0",
        "SECRET_KEY": "check-deploy-" + "x9K2mQ7vB4nR8tY1wE5uI3oP6aS0dF" * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": "check-deploy-hash-key-0123456789abcdef",
        "ALLOWED_HOSTS": "families.example.ru",
    }
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
