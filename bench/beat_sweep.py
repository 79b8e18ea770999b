"""Benchmark (not a test) of one deadline sweep on a large PostgreSQL database.

    .venv/bin/python bench/beat_sweep.py [--cases 1000000] [--open 100000] [--due 0 100 1000] [--reuse]

Creates its own database (default `complaints_beat_bench`, dropped and rebuilt unless --reuse),
fills it with bulk SQL (generate_series): `--cases` complaints of which every k-th is open, the
open ones with all eight deadline rows (half already past due and escalated to both levels, half due
after the reminder horizon), the closed ones with their met `decision` and `overall` rows.
Then, for each N in --due, it makes N open rows newly due (overdue, not yet marked), runs one
sweep, and reports the database time (sum of the time spent in the database driver for every
query of the sweep) and EXPLAIN (ANALYZE, BUFFERS) of the sweep's SELECTs.

Settings: DATABASE_URL (server, user; the database name is replaced), default
postgres://postgres@127.0.0.1:5432.
"""
import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Friday
TODAY = NOW.date()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--open", type=int, default=100_000)
    p.add_argument("--due", type=int, nargs="+", default=[0, 10, 100, 1000])
    p.add_argument("--db", default="complaints_beat_bench")
    p.add_argument("--reuse", action="store_true", help="keep an existing filled database")
    return p.parse_args()


def server_url():
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


def ensure_database(name, reuse):
    import psycopg

    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def setup_django(name):
    os.environ["DATABASE_URL"] = f"{server_url()}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.local")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()


def fill(n_cases, n_open):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Department, DepartmentMembership

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_cn_years([2025, 2026])
    dept = Department.objects.create(code="CLAIMS", name="核保理赔部")
    head = get_user_model().objects.create_user("head_claims", email="head@example.com", password="x")
    DepartmentMembership.objects.create(user=head, department=dept, role="head")
    every = max(1, n_cases // n_open)
    half = f"(c.id / {every}) % 2 = 0"  # splits the open cases in two halves

    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cases_complaint' "
            "AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'"
        )
        required = cur.fetchall()
        special = {
            "reference": "'TS-B-' || lpad(i::text, 8, '0')",
            "status": f"CASE WHEN i % {every} = 0 THEN 'investigating' ELSE 'closed' END",
            "version": "1", "round": "1", "channel": "'hotline'", "category": "'service'",
            "complaint_type": "'complaint'", "summary": "'bench'", "customer_name": "'张三'",
            "customer_phone": "'138' || lpad((i % 100000000)::text, 8, '0')",
            "received_at": "ts", "clock_start": "(ts AT TIME ZONE 'Asia/Shanghai')::date",
            "tier": "'simple'", "deadline_policy_id": "1", "created_at": "ts", "updated_at": "ts",
            "major_negative_impact": "false", "legal_hold": "false", "is_legacy": "false", "complainant_count": "1",
        }
        generic = {"text": "''", "character varying": "''", "boolean": "false", "integer": "0",
                   "smallint": "0", "bigint": "0", "numeric": "0", "jsonb": "'[]'"}
        cols, exprs = [], []
        for name, dtype in required:
            cols.append(name)
            exprs.append(special.get(name, generic.get(dtype, "''")))
        # Optional columns the sweep and the constraints care about.
        cols += ["department_id", "notified_at", "due_overall", "next_due", "registered_by_id"]
        exprs += [
            f"CASE WHEN i % {every} = 0 THEN {dept.pk} END",
            f"CASE WHEN i % {every} = 0 THEN NULL ELSE ts + interval '10 days' END",
            "(ts AT TIME ZONE 'Asia/Shanghai')::date + 15",
            f"CASE WHEN i % {every} = 0 THEN (ts AT TIME ZONE 'Asia/Shanghai')::date + 1 END",
            "NULL",
        ]
        # Received between 2025-01-01 and 2026-11-26, spread evenly.
        cur.execute(
            f"INSERT INTO cases_complaint ({', '.join(cols)}) "
            f"SELECT {', '.join(exprs)} FROM ("
            f"  SELECT i, timestamptz '2025-01-01 09:00+08' + (i::float / {n_cases} * 694) * interval '1 day' AS ts"
            f"  FROM generate_series(1, {n_cases}) AS i) s"
        )
        # Open cases: 8 rows each. Even cases' rows are long past due and fully handled by
        # earlier sweeps (both escalation levels: with the supervisors' stamp left empty, the
        # first sweep escalated 140,000 of them to level 2); odd cases' rows are due after the
        # reminder horizon (from 12-02).
        stages = ["acknowledge", "dispatch", "form_team", "report", "plan", "approval", "decision", "overall"]
        cur.execute(
            "INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, met_at, stopped_at, reminded_at, "
            "overdue_at, escalated_head_at, escalated_supervisor_at, at_risk_notified_at) "
            "SELECT c.id, st.stage, "
            f"  CASE WHEN {half} THEN c.clock_start + st.n ELSE date '2026-12-02' + (c.id % 40)::int + st.n END, '', "
            "  NULL, NULL, x.stamp, x.stamp, x.stamp, x.stamp, CASE WHEN st.stage = 'overall' THEN x.stamp END "
            "FROM cases_complaint c "
            f"CROSS JOIN LATERAL (SELECT CASE WHEN {half} THEN c.received_at + interval '20 days' END AS stamp) x "
            "CROSS JOIN (SELECT unnest(ARRAY[" + ", ".join(f"'{s}'" for s in stages) + "]) AS stage, "
            "generate_series(1, 8) AS n) st "
            "WHERE c.status = 'investigating'"
        )
        cur.execute(
            "INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, met_at, stopped_at, reminded_at, "
            "overdue_at, escalated_head_at, escalated_supervisor_at, at_risk_notified_at) "
            "SELECT c.id, st.stage, c.due_overall, '', c.notified_at, NULL, c.received_at + interval '9 days', "
            "NULL, NULL, NULL, CASE WHEN st.stage = 'overall' THEN c.received_at + interval '9 days' END "
            "FROM cases_complaint c CROSS JOIN (VALUES ('decision'), ('overall')) AS st(stage) "
            "WHERE c.status = 'closed'"
        )
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*), count(*) FILTER (WHERE status <> 'closed') FROM cases_complaint")
        total, open_ = cur.fetchone()
        cur.execute("SELECT count(*), count(*) FILTER (WHERE met_at IS NULL AND stopped_at IS NULL) FROM cases_casedeadline")
        rows, open_rows = cur.fetchone()
    print(f"filled in {time.perf_counter() - t0:.1f} s: {total} cases ({open_} open), "
          f"{rows} deadline rows ({open_rows} open)")


def make_newly_due(n):
    """Turn n future rows of open cases into rows due yesterday that no sweep has handled."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_casedeadline SET due_on = %s, reminded_at = NULL, overdue_at = NULL, "
            "escalated_head_at = NULL, escalated_supervisor_at = NULL, at_risk_notified_at = NULL "
            "WHERE id IN (SELECT id FROM cases_casedeadline WHERE met_at IS NULL AND stopped_at IS NULL "
            "AND overdue_at IS NULL AND due_on > %s ORDER BY id LIMIT %s)",
            [date(2026, 11, 26), TODAY, n],
        )
        cur.execute("ANALYZE cases_casedeadline")


class Timer:
    """execute_wrapper that records each query's SQL, params and time in the driver."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - t))


def deadline_selects(queries):
    """The distinct SELECTs on cases_casedeadline of a sweep, with their parameters."""
    seen, out = set(), []
    for sql, params, _t in queries:
        if sql.lstrip().upper().startswith("SELECT") and "cases_casedeadline" in sql and sql not in seen:
            seen.add(sql)
            out.append((sql, params))
    return out


def explain(selects):
    from django.db import connection

    with connection.cursor() as cur:
        for sql, params in selects:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"\n-- {sql[:400]}")
            print("\n".join(r[0] for r in cur.fetchall()))


def run(n_due):
    from django.db import connection, reset_queries

    from cases.models import Notification
    from cases.sweep import run_sweep

    before = Notification.objects.count()
    reset_queries()
    timer = Timer()
    t0 = time.perf_counter()
    with connection.execute_wrapper(timer):
        result = run_sweep(NOW)
    wall = time.perf_counter() - t0
    db = sum(t for _s, _p, t in timer.queries)
    print(f"\n== newly due rows: {n_due} ==")
    print(f"result: {result}; notifications created: {Notification.objects.count() - before}")
    print(f"queries: {len(timer.queries)}, database time: {db * 1000:.1f} ms, wall time: {wall * 1000:.1f} ms")
    slow = sorted(timer.queries, key=lambda q: -q[2])[:5]
    for sql, _params, t in slow:
        print(f"  {t * 1000:7.2f} ms  {sql[:150]}")
    return timer.queries


def main():
    args = parse_args()
    created = ensure_database(args.db, args.reuse)
    setup_django(args.db)
    if created:
        fill(args.cases, args.open)
    # The sweep's SQL and parameters depend only on NOW, so the SELECTs of a first run can be
    # EXPLAINed before each later run, while the newly due rows are still unhandled.
    run(0)  # warm-up: caches, and anything left over from a reused database
    selects = deadline_selects(run(0))
    print("\n== EXPLAIN (ANALYZE, BUFFERS), nothing newly due ==")
    explain(selects)
    for n in [n for n in args.due if n]:
        make_newly_due(n)
        print(f"\n== EXPLAIN (ANALYZE, BUFFERS), {n} newly due rows ==")
        explain(selects[:1])
        run(n)


if __name__ == "__main__":
    main()
