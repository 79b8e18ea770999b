"""Fault-injection scripts (issue 10), run on demand against PostgreSQL and a private Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/complaints_faults \\
        scripts/run-tests tests/faults -m faults

They start their own processes (a redis-server on a free port, Celery workers, a Django
server) and stop exactly those; the system Redis and PostgreSQL are never touched. Skipped
unless `-m faults` is given, because they take minutes, not seconds.
"""
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import free_port, stop, wait_for_port  # noqa: F401 (test_faults imports free_port from here)

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if "faults" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="fault script: run with -m faults")
    for item in items:
        if "faults" in item.keywords:
            item.add_marker(skip)




def database_url(port=None, name=None):
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{name or db['NAME']}"


def process_env(broker_url, db_url=None, **extra):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
            "DATABASE_URL": db_url or database_url(), "CELERY_BROKER_URL": broker_url, **extra}


class Redis:
    """A private redis-server on a free port (never the system one)."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis():
    server = Redis()
    server.start()
    yield server
    server.stop()


def start_worker(env, queues=None, concurrency=1):
    """A solo worker on `queues` (comma-separated); without them, on every queue of the settings."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "complaints_portal", "worker", "--pool=solo",
         *(["-Q", queues] if queues else []),
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def celery_call(env, task):
    """Publish a task by name from a separate process (what beat does)."""
    subprocess.run([sys.executable, "-m", "celery", "-A", "complaints_portal", "call", task],
                   env=env, cwd=ROOT, check=True, timeout=60, capture_output=True)


@contextmanager
def web_server(env):
    """The portal under `manage.py runserver` (threaded) on a free port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)

