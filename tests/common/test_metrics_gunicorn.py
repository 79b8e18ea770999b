"""/metrics under gunicorn with several worker processes: whichever worker answers a scrape
reports the request counts of the whole instance (gunicorn.conf.py, multiprocess mode), and the
counts survive a worker being replaced."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "gunicorn-test-" + "t" * 40
REQUESTS = 20


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (a local test server)
        return response.status, response.read().decode()


def _healthz_count(base):
    _status, text = _get(f"{base}/metrics", TOKEN)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "portal_http_requests_total" and sample.labels.get("view") == "healthz":
                return sample.value
    return 0


def _children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "filesystem://",
           "METRICS_TOKEN": TOKEN}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes a private one
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "complaints_portal.wsgi", "--workers", "3",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"{base}/healthz")
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
    yield proc, base
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_every_worker_reports_the_request_counts_of_all_workers(gunicorn):
    proc, base = gunicorn
    start = _healthz_count(base)  # the start-up probe(s)
    # when requests are spread over three workers (each on a new connection)
    for _ in range(REQUESTS):
        _get(f"{base}/healthz")
    # then every scrape, whichever worker answers it, has all of them
    assert [_healthz_count(base) for _ in range(8)] == [start + REQUESTS] * 8

    # and when a worker is replaced (killed; gunicorn starts a new one) its counts stay
    workers = _children(proc.pid)
    assert len(workers) == 3
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while workers[0] in _children(proc.pid) or len(_children(proc.pid)) < 3:
        assert time.monotonic() < deadline, "gunicorn did not replace the worker"
        time.sleep(0.2)
    assert [_healthz_count(base) for _ in range(5)] == [start + REQUESTS] * 5
