"""Benchmark (not a test): the cost of one Prometheus scrape of /metrics on a large database.

    .venv/bin/python bench/metrics_scrape.py [--db complaints_bench_kpi] [--scrapes 30]

Reads an already filled benchmark database (bench/kpi.py builds complaints_bench_kpi with
1,000,000 cases) without migrating or writing to it. Every scrape goes through the whole view
(middleware, token check, the database, broker, queue-length and overdue-count collectors), as
Prometheus would. Reports the median and p95 wall time of a scrape, the overdue count query's
time on its own and its plan.

Settings: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/<db>),
CELERY_BROKER_URL (default redis://127.0.0.1:6379/13).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="complaints_bench_kpi")
    p.add_argument("--scrapes", type=int, default=30)
    args = p.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{args.db}")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.test")
    os.environ["METRICS_TOKEN"] = "bench-" + "t" * 40
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from cases.metrics import overdue_open_cases
    from cases.models import Complaint

    client = Client(SERVER_NAME="localhost")
    header = {"HTTP_AUTHORIZATION": f"Bearer {os.environ['METRICS_TOKEN']}"}
    first = client.get("/metrics", **header)
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(args.scrapes):
        started = time.perf_counter()
        response = client.get("/metrics", **header)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    overdue = []
    for _ in range(args.scrapes):
        started = time.perf_counter()
        counts = overdue_open_cases()
        overdue.append((time.perf_counter() - started) * 1000)
    times.sort()
    overdue.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"database: {connection.settings_dict['NAME']}, {Complaint.objects.count():,} cases; "
          f"overdue open cases: {sum(counts.values()):,} in {len(counts)} departments")
    print(f"scrape of /metrics: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
          f"({args.scrapes} scrapes, {len(first.content):,} bytes)")
    print(f"overdue count query alone: median {statistics.median(overdue):.1f} ms")
    from django.db.models import Count
    from django.utils import timezone

    from cases.models.case import OPEN_STATUSES

    qs = (Complaint.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True,
                                   next_due__lt=timezone.localdate())
          .values("department_id").annotate(n=Count("*")).order_by())
    print(qs.explain(analyze=True))


if __name__ == "__main__":
    main()
