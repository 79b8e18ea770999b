"""gunicorn reads this file from its working directory (the project root in Procfile, the
compose file and the Dockerfile); command-line options still override it.

It turns on prometheus_client's multiprocess mode for /metrics: each worker process writes
its request counters and latency histogram to files in PROMETHEUS_MULTIPROC_DIR, and a scrape
answered by any worker adds up all of them (complaints_portal/common/metrics.py). Without it a
scrape would see the counts of whichever worker happened to answer.
"""
import gc
import os
import shutil
import tempfile

_created_dir = None


def on_starting(server):
    """In the master, before any worker exists (workers inherit the environment)."""
    global _created_dir
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        # One private directory per gunicorn instance, so two instances on one machine
        # never mix their counts. An explicit directory must likewise be per instance.
        path = _created_dir = tempfile.mkdtemp(prefix="portal-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    os.makedirs(path, exist_ok=True)
    # Files of an earlier run of this instance would add their counts to this one's.
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    """A worker ended (restart, max-requests, crash): its live gauges no longer count; its
    counters stay in the totals, as Prometheus expects of counters."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _created_dir:
        shutil.rmtree(_created_dir, ignore_errors=True)


def post_worker_init(worker):
    """In each worker, once it has loaded the application: import every view module (through
    the URL conf), then move every object that exists now to the collector's permanent
    generation (``gc.freeze``). Those objects (Django, the modules, the URL patterns) live as
    long as the worker; left in the generations, each full collection walks all of them again,
    which cost a request that triggered one ≈ 70 ms of CPU (the dashboard's slowest requests;
    bench/README.md). Objects made later are collected as before."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the attribute's loading imports the views
    gc.freeze()
