"""The settings other parts rely on exist and are spelled right."""
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from complaints_portal.settings import base


def test_time_zone_and_language_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    # The test settings switch to English for readable assertions; the product default is Chinese.
    assert base.LANGUAGE_CODE == "zh-hans"
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_celery_time_limits_are_set_and_soft_below_hard():
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]


def test_beat_schedule_entries_name_real_tasks():
    from complaints_portal.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names unknown task {entry['task']}"
    assert {"deadline-sweep", "kpi-quarterly-snapshot"} <= set(settings.CELERY_BEAT_SCHEDULE)


def test_celery_app_reads_django_settings():
    from complaints_portal.celery import app

    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.timezone == settings.TIME_ZONE


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_malformed_boolean_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        base.env_value("SOME_FLAG", bool, False)


def test_malformed_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT_X", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT_X"):
        base.env_value("EMAIL_PORT_X", int, 25)


def test_well_formed_values_are_read(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "on")
    monkeypatch.setenv("SOME_INT", "42")
    assert base.env_value("SOME_FLAG", bool, False) is True
    assert base.env_value("SOME_INT", int, 0) == 42
    assert base.env_value("UNSET_VARIABLE_XYZ", int, 7) == 7


def test_production_settings_refuse_missing_secret(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("SECRET_KEY", raising=False)
    sys.modules.pop("complaints_portal.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        importlib.import_module("complaints_portal.settings.production")
    sys.modules.pop("complaints_portal.settings.production", None)


def _database_options(**env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
           "DATABASE_URL": "postgres://u@db.example.com/portal", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "o = settings.DATABASES['default']['OPTIONS']; print(o['server_side_binding'], o['prepare_threshold'])"],
        env=env, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=60, check=False)


def test_postgresql_binds_on_the_server_and_prepares_unless_turned_off():
    assert _database_options().stdout.split() == ["True", "5"]
    assert _database_options(DATABASE_PREPARED_STATEMENTS="off").stdout.split() == ["True", "None"]
    refused = _database_options(DATABASE_PREPARED_STATEMENTS="sometimes")
    assert refused.returncode != 0 and "DATABASE_PREPARED_STATEMENTS" in refused.stderr
