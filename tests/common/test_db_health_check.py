"""The PostgreSQL backend of the production settings: a connection health check that sends no
statement while the server has said nothing, and Django's own check otherwise."""
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_base

ROOT = Path(__file__).resolve().parents[2]


def production_engine(database_url):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.production",
           "SECRET_KEY": "health-check-" + "k3Y!" * 15, "FIELD_ENCRYPTION_KEY": "x", "DATABASE_URL": database_url}
    env.pop("DATABASE_REPLICA_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "d = settings.DATABASES['default']; print(d['ENGINE'], d['CONN_HEALTH_CHECKS'], d['CONN_MAX_AGE'])"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.split()


def test_production_settings_use_the_backend_on_postgresql_only():
    assert production_engine("postgres://u@db.example.com/portal") == ["complaints_portal.postgresql", "True", "60"]
    assert production_engine("sqlite:////tmp/portal.sqlite3")[0] == "django.db.backends.sqlite3"


@pytest.fixture
def wrapper(db):
    """A second connection through the backend, with health checks as in production."""
    from complaints_portal.postgresql.base import DatabaseWrapper

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend")
    settings = {**connection.settings_dict, "ENGINE": "complaints_portal.postgresql", "CONN_HEALTH_CHECKS": True,
                "CONN_MAX_AGE": 60}
    db = DatabaseWrapper(settings, alias="health_check_test")
    db.ensure_connection()
    yield db
    db.close()


@pytest.fixture
def full_checks(monkeypatch):
    """Counts the calls of Django's own check (a SELECT 1 each)."""
    calls = []
    original = django_base.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable", counted)
    return calls


def backend_pid(db):
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_an_idle_healthy_connection_is_usable_without_a_statement(wrapper, full_checks):
    backend_pid(wrapper)
    assert wrapper.is_usable() is True
    assert full_checks == []


@pytest.mark.postgres
def test_a_connection_the_server_ended_is_replaced_at_the_next_request(wrapper, full_checks):
    pid = backend_pid(wrapper)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    socket = wrapper.connection.pgconn.socket
    deadline = time.monotonic() + 5
    while not select.select([socket], [], [], 0.1)[0] and time.monotonic() < deadline:
        pass
    # the server's word makes the socket readable: Django's own check runs and fails
    assert wrapper.is_usable() is False
    assert full_checks == ["health_check_test"]
    # what happens at the start of a request: the dead connection is closed, a new one opened
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None
    assert backend_pid(wrapper) != pid


@pytest.mark.postgres
def test_inside_a_transaction_the_full_check_runs(wrapper, full_checks):
    wrapper.set_autocommit(False)
    try:
        backend_pid(wrapper)
        assert wrapper.is_usable() is True
        assert full_checks == ["health_check_test"]
    finally:
        wrapper.rollback()
        wrapper.set_autocommit(True)


@pytest.mark.postgres
def test_a_closed_connection_is_not_usable(wrapper, full_checks):
    wrapper.connection.close()
    assert wrapper.is_usable() is False
    assert full_checks == []
