"""Deployment checks for stateless web processes (`manage.py check --deploy`)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Warning

from complaints_portal.common import checks
from complaints_portal.common.storage_url import storage_from_url

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h:6379/1"}}


def ids(messages):
    return [m.id for m in messages]


@pytest.mark.parametrize(("backend", "fires"), [
    ("django.core.cache.backends.locmem.LocMemCache", True),
    ("django.core.cache.backends.dummy.DummyCache", True),
    ("django.core.cache.backends.filebased.FileBasedCache", True),
    ("django.core.cache.backends.redis.RedisCache", False),
    ("django.core.cache.backends.db.DatabaseCache", False),
])
def test_a_process_local_cache_is_a_deployment_warning(settings, backend, fires):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "x"}}
    messages = checks.check_shared_cache(None)
    assert ids(messages) == (["portal.W010"] if fires else [])
    assert all(isinstance(m, Warning) and "CACHE_URL" in m.hint for m in messages)


@pytest.mark.parametrize(("engine", "caches", "fires"), [
    ("django.contrib.sessions.backends.db", LOCMEM, False),
    ("django.contrib.sessions.backends.signed_cookies", LOCMEM, False),
    ("django.contrib.sessions.backends.file", REDIS, True),
    ("django.contrib.sessions.backends.cache", LOCMEM, True),
    ("django.contrib.sessions.backends.cache", REDIS, False),
])
def test_sessions_kept_by_one_process_or_machine_are_a_deployment_warning(settings, engine, caches, fires):
    settings.SESSION_ENGINE = engine
    settings.CACHES = caches
    assert ids(checks.check_shared_sessions(None)) == (["portal.W011"] if fires else [])


def test_the_portal_keeps_sessions_in_the_database(settings):
    # Django's default; nothing in the settings moves them into process memory or files.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize(("storage_url", "shared", "fires"), [
    ("", False, True),
    ("", True, False),
    ("s3://complaints?endpoint_url=http://minio:9000", False, False),
])
def test_local_attachments_are_a_deployment_warning_unless_declared_shared(settings, storage_url, shared, fires):
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(storage_url)}
    settings.ATTACHMENT_ROOT_SHARED = shared
    assert ids(checks.check_shared_attachments(None)) == (["portal.W012"] if fires else [])


def test_the_filesystem_broker_is_a_deployment_warning(settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    assert ids(checks.check_shared_broker(None)) == ["portal.W013"]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert checks.check_shared_broker(None) == []


def test_a_short_metrics_token_is_a_deployment_warning(settings):
    settings.METRICS_TOKEN = "short"
    assert ids(checks.check_metrics_token(None)) == ["portal.W014"]
    settings.METRICS_TOKEN = "x" * 43
    assert checks.check_metrics_token(None) == []


def _check_deploy(**env):
    base = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.production",
        "SECRET_KEY": "deploy-check-" + "k3Y!" * 15, "FIELD_ENCRYPTION_KEY": "x", "ALLOWED_HOSTS": "complaints.example.com",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    for name in ("CACHE_URL", "STORAGE_URL", "ATTACHMENT_ROOT_SHARED", "DATABASE_REPLICA_URL", "METRICS_TOKEN",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the last one is set by the browser tests
        base.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_check_deploy_fails_on_a_process_local_cache_and_passes_with_redis_and_s3():
    # the production settings as CI checks them, without and with shared state
    refused = _check_deploy()
    assert refused.returncode != 0
    assert "portal.W010" in refused.stderr and "portal.W012" in refused.stderr

    passed = _check_deploy(CACHE_URL="redis://127.0.0.1:6379/1",
                           STORAGE_URL="s3://complaints?endpoint_url=https://s3.example.com")
    assert passed.returncode == 0, passed.stderr
