"""Staff log-in lock-out, production cookie settings, and the CSP on the public pages."""
import importlib
import re
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_five_failed_logins_lock_the_account_and_render_the_locked_page(client, django_user_model):
    django_user_model.objects.create_user("clerk1", password="right-password-123")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"})
        assert response.status_code == 200
    locked = client.post("/accounts/login/", {"username": "clerk1", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    # Even the right password is refused while locked.
    again = client.post("/accounts/login/", {"username": "clerk1", "password": "right-password-123"})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="clerk1").exists()


def test_lockout_limit_is_five_by_default():
    assert settings.AXES_FAILURE_LIMIT == 5


def test_production_settings_secure_session_and_csrf(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "dGVzdC1rZXktdGhpcnR5LXR3by1ieXRlcy1sb25nISE=")
    sys.modules.pop("complaints_portal.settings.production", None)
    try:
        production = importlib.import_module("complaints_portal.settings.production")
        assert production.SESSION_COOKIE_SECURE is True
        assert production.CSRF_COOKIE_SECURE is True
        assert production.SESSION_COOKIE_HTTPONLY is True
        assert production.SECURE_HSTS_SECONDS > 0
        assert production.SECURE_CONTENT_TYPE_NOSNIFF is True
        assert production.X_FRAME_OPTIONS == "DENY"
    finally:
        sys.modules.pop("complaints_portal.settings.production", None)


@pytest.mark.parametrize("url", ["/public/complain/", "/public/status/", "/public/privacy/"])
def test_public_pages_send_security_headers_and_have_no_inline_script(client, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "javascript:" not in html


def test_public_pages_need_no_login(client):
    assert client.get("/public/complain/").status_code == 200
