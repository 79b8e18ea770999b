"""Benchmark: import_complaints throughput (rows/s) on PostgreSQL.

    .venv/bin/python bench/import_complaints.py [ROWS]

Uses the dedicated database complaints_bench_import (created and migrated if missing).
Imports ROWS generated legacy rows (default 100,000) into an empty table, then re-imports the
same file (every row an update) and reports both rates, the client's CPU time, the load
average and the peak RSS of the process (the file is held in memory: it grows with ROWS).
"""
import datetime
import io
import os
import random
import resource
import sys
import time

from _setup import use_database


def generate(rows, seed=1):
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(
        "reference,received_at,channel,category,department,complaint_type,tier,notified_at,withdrawn_at,"
        "closed_at,revisit_at,revisit_outcome,revisit_rating,customer_name,customer_phone,policy_number,summary\n"
    )
    start = datetime.datetime(2025, 1, 1, 8, 0)
    for i in range(rows):
        received = start + datetime.timedelta(minutes=rng.randint(0, 600_000))
        notified = received + datetime.timedelta(days=rng.randint(1, 40)) if rng.random() < 0.8 else None
        withdrawn = received + datetime.timedelta(days=rng.randint(1, 10)) if notified is None and rng.random() < 0.3 else None
        closed = notified + datetime.timedelta(days=3) if notified and rng.random() < 0.6 else None
        visit = ("", "", "")
        if notified and rng.random() < 0.6:
            outcome = rng.choice(["completed", "completed", "unreachable", "refused"])
            visit = ((notified + datetime.timedelta(days=2)).isoformat(), outcome,
                     str(rng.randint(1, 5)) if outcome == "completed" else "")
        out.write(",".join([
            f"LG-{i:08d}", received.isoformat(), rng.choice(["hotline", "online", "letter", "regulator"]),
            rng.choice(["product", "service", "misconduct"]), f"D{rng.randint(0, 9)}", "complaint",
            rng.choice(["simple", "simple", "complex", "special"]),
            notified.isoformat() if notified else "", withdrawn.isoformat() if withdrawn else "",
            closed.isoformat() if closed else "", *visit, "Name", "13800000000", f"P{i}", "Legacy case",
        ]) + "\n")
    out.seek(0)
    return out


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    use_database("complaints_bench_import")
    from assessment.legacy_import import complaints_import
    from cases.models import CalendarYear, Complaint, Department

    for year in (2025, 2026, 2027):
        CalendarYear.objects.get_or_create(year=year)
    for n in range(10):
        Department.objects.get_or_create(code=f"D{n}", defaults={"name": f"Dept {n}"})
    # A clean start without loading anything into this process (an ORM delete would collect
    # every case and deadline in memory and dominate the peak RSS reported below).
    from django.db import connection

    from assessment.models import FollowUpVisit

    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Complaint._meta.db_table}, {Complaint.history.model._meta.db_table}, "
            f"{FollowUpVisit._meta.db_table}, {FollowUpVisit.history.model._meta.db_table} CASCADE"
        )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = generate(rows).getvalue()
    for label in ("insert", "update"):
        started, cpu = time.perf_counter(), time.process_time()
        result = complaints_import(io.StringIO(text))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not result.errors, result.errors[:5]
        print(f"{label}: {rows} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s "
              f"(created {result.created}, updated {result.updated}; client CPU {cpu:.1f} s = "
              f"{rows / cpu:,.0f} rows per CPU-second; load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"peak RSS of the import process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(before the import, with Django loaded and the generated file in memory: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
