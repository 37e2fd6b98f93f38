"""Security headers and cookie flags: the Content-Security-Policy, sessions, CSRF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from huying.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/console/login/", "/app/", "/passes/verify/", "/track/"])
def test_every_page_gets_the_policy(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_policy_allows_no_inline_script_or_style_and_no_plugins():
    directives = _directives(CONTENT_SECURITY_POLICY)
    assert directives["script-src"] == "script-src 'self'"
    assert directives["style-src"] == "style-src 'self'"
    assert directives["object-src"] == "object-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["base-uri"] == "base-uri 'self'"
    assert directives["form-action"] == "form-action 'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_a_view_that_sets_its_own_policy_keeps_it(client):
    from django.http import HttpResponse

    from huying.security import ContentSecurityPolicyMiddleware

    own = HttpResponse("x")
    own["Content-Security-Policy"] = "sandbox; default-src 'none'"
    middleware = ContentSecurityPolicyMiddleware(lambda request: own)
    answered = middleware(None)  # type: ignore[arg-type]
    assert answered["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_the_api_docs_page_lives_under_the_same_policy(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # Its settings are JSON data, not a script; every script it runs is a file.
    for tag in re.findall(rb"<script[^>]*>", response.content):
        assert b"src=" in tag or b'type="application/json"' in tag, tag


def _templates() -> list[Path]:
    found = list((ROOT / "templates").rglob("*.html"))
    for app in ROOT.iterdir():
        if (app / "templates").is_dir() and app.name not in ("node_modules", ".venv"):
            found += (app / "templates").rglob("*.html")
    return found


def test_no_template_has_inline_script_handlers_or_style():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        for match in re.findall(r"""\s(on[a-z]+|hx-on[:\w-]*|style)\s*=\s*["']""", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match}=")
        if "<style" in text:
            offenders.append(f"{path.relative_to(ROOT)}: <style>")
    assert not offenders, "\n".join(offenders)


def test_htmx_is_told_not_to_inject_its_styles(client):
    response = client.get("/console/login/")
    assert b'"includeIndicatorStyles":false' in response.content


def test_the_session_and_csrf_cookies_are_locked_down(client, operator):
    response = client.post(reverse("console:login"), {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) == 12 * 3600
    page = client.get(reverse("console:request_new"))
    csrf = page.cookies.get(settings.CSRF_COOKIE_NAME) or client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"


def test_signing_in_gives_a_new_session_key(client, operator):
    client.get(reverse("console:login"))
    client.session["marker"] = 1
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    client.post(reverse("console:login"), {"username": "operator", "password": PASSWORD})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != after


def test_https_settings_follow_the_redirect_switch():
    # The embedded default is plain HTTP: no HSTS, cookies not marked Secure.
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SESSION_COOKIE_SECURE is False


def test_https_settings_when_switched_on(monkeypatch):
    import importlib

    import huying.settings as module

    monkeypatch.setenv("HUYING_SECURE_SSL_REDIRECT", "True")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.SECURE_HSTS_SECONDS == 31536000
        assert reloaded.SESSION_COOKIE_SECURE and reloaded.CSRF_COOKIE_SECURE
    finally:
        monkeypatch.delenv("HUYING_SECURE_SSL_REDIRECT")
        importlib.reload(module)
