"""Benchmark: import_complaints throughput (rows/s) and memory on PostgreSQL.

    .venv/bin/python bench/import_complaints.py [ROWS] [--insert-only]

Uses the dedicated database complaints_bench_import (or $BENCH_IMPORT_DB; created and migrated if missing).
Writes ROWS generated legacy rows (default 100,000) to a temporary CSV file, imports the file
into an empty table as the command does (read as a stream), then re-imports it (every row an
update; skipped with --insert-only) and reports both rates, the client's CPU time, the
PostgreSQL server's CPU time, the number of writer connections (LEGACY_IMPORT_WRITERS, 2 by
default; set it to compare), the load average and the peak RSS of the process. The file is never held in memory, so the peak RSS
is Django plus the import: run it at 100,000 and 1,000,000 rows to see it stay flat.
"""
import datetime
import os
import random
import resource
import sys
import tempfile
import time

from _setup import use_database


def generate(rows, out, seed=1):
    """Write the CSV of ``rows`` legacy cases to the text file ``out``, line by line."""
    rng = random.Random(seed)
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


def server_cpu():
    """CPU seconds used so far by the PostgreSQL server on this machine (None when it is not
    here): its live processes plus the backends that ended, which the postmaster has reaped
    (their time is its children's time). With several writer connections the database's
    share of the work is spread over backends that exit when the import ends, so the whole
    server is measured; less sensitive to the load of a shared machine than wall time."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0, False
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                raw = fh.read()
        except OSError:
            continue
        name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw.rsplit(")", 1)[1].split()
        if name != "postgres":
            continue
        found = True
        total += int(fields[11]) + int(fields[12])
        if fields[1] == "1":  # the postmaster: add its reaped children
            total += int(fields[13]) + int(fields[14])
    return total / tick if found else None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 100_000
    passes = ("insert",) if "--insert-only" in sys.argv else ("insert", "update")
    use_database(os.environ.get("BENCH_IMPORT_DB", "complaints_bench_import"))
    from django.db import connection

    from assessment.kpi.legacy_import import complaints_import, writer_count
    from assessment.models import FollowUpVisit
    from cases.models import CalendarYear, Complaint, Department

    for year in (2025, 2026, 2027):
        CalendarYear.objects.get_or_create(year=year)
    for n in range(10):
        Department.objects.get_or_create(code=f"D{n}", defaults={"name": f"Dept {n}"})
    # A clean start without loading anything into this process (an ORM delete would collect
    # every case and deadline in memory and dominate the peak RSS reported below).
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Complaint._meta.db_table}, {Complaint.history.model._meta.db_table}, "
            f"{FollowUpVisit._meta.db_table}, {FollowUpVisit.history.model._meta.db_table} CASCADE"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="") as fh:
        generate(rows, fh)
        fh.flush()
        print(f"{rows:,} rows, file {os.path.getsize(fh.name) / 1e6:.0f} MB", flush=True)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for label in passes:
            db_cpu = server_cpu()
            started, cpu = time.perf_counter(), time.process_time()
            with open(fh.name, encoding="utf-8-sig", newline="") as lines:
                result = complaints_import(lines)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            db_cpu = server_cpu() - db_cpu if db_cpu is not None else None
            assert not result.errors, result.errors[:5]
            print(f"{label}: {rows} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s "
                  f"(created {result.created}, updated {result.updated}; client CPU {cpu:.1f} s = "
                  f"{rows / cpu:,.0f} rows per CPU-second; database server CPU "
                  f"{f'{db_cpu:.1f} s' if db_cpu is not None else 'n/a'}; {writer_count()} writer connections; load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"peak RSS of the import process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(before the import, with Django loaded: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
