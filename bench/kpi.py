"""Benchmark: one quarter's KPI table (all departments + company) on PostgreSQL.

    .venv/bin/python bench/kpi.py [CASES]      (BENCH_KPI_DB=name: another database)

Fills the dedicated database complaints_bench_kpi (or $BENCH_KPI_DB) with CASES complaints (default 1,000,000)
across 10 departments and 8 quarters (2024Q3..2026Q2) with generate_series, plus decision and
acknowledge deadline rows and follow-up visits, and the KPI read model (kpi_rebuild), then
times kpi_table() against hand-written SQL computing the same figures (cohort, first completed
visits, stage compliance) by joining visits and deadlines to their cases, in the same run,
and prints the ratio. kpi_table is timed cold (cache cleared before each run:
every query runs) and warm (a finished quarter served from the cache). Then the supervisor
dashboard (quarter + 8-quarter trend + volumes) is rendered in-process as a supervisor, cold
once and then warm, for its server time, and for a full quarter in progress (2026Q2 as of the
day before its end, computed on every request). Each figure: median and p95 of --runs runs, with the
1-minute load average, and the peak RSS of this process.
"""
import datetime
import gc
import os
import resource
import statistics
import sys
import time

from _setup import use_database

HAND_SQL = """
WITH c AS (
  SELECT department_id, channel, due_overall, first_notified_at, withdrawn_at,
         (first_notified_at AT TIME ZONE %(tz)s)::date AS n_on,
         (withdrawn_at AT TIME ZONE %(tz)s)::date AS w_on
  FROM cases_complaint
  WHERE complaint_type = 'complaint' AND merged_into_id IS NULL
    AND received_at >= %(start)s AND received_at < %(end)s
), k AS (
  SELECT department_id, channel,
    CASE
      WHEN withdrawn_at < %(a_end)s AND (first_notified_at IS NULL OR first_notified_at >= %(a_end)s
           OR first_notified_at > withdrawn_at) AND w_on <= due_overall THEN 'excluded'
      WHEN first_notified_at < %(a_end)s AND n_on <= due_overall THEN 'on_time'
      WHEN first_notified_at < %(a_end)s AND due_overall IS NOT NULL THEN 'late'
      WHEN first_notified_at < %(a_end)s THEN 'pending'
      WHEN due_overall IS NULL OR due_overall >= %(as_of)s THEN 'pending'
      ELSE 'late' END AS t
  FROM c
)
SELECT department_id, count(*), count(*) FILTER (WHERE channel = 'regulator'),
  count(*) FILTER (WHERE t = 'excluded'), count(*) FILTER (WHERE t = 'pending'),
  count(*) FILTER (WHERE t = 'on_time'), count(*) FILTER (WHERE t = 'late')
FROM k GROUP BY department_id;
SELECT c.department_id, count(*), count(*) FILTER (WHERE v.rating >= 4)
FROM assessment_followupvisit v JOIN cases_complaint c ON c.id = v.case_id
WHERE v.outcome = 'completed' AND v.visited_at >= %(start)s AND v.visited_at < %(end)s
  AND NOT EXISTS (SELECT 1 FROM assessment_followupvisit e WHERE e.case_id = v.case_id
    AND e.outcome = 'completed' AND (e.visited_at < v.visited_at OR (e.visited_at = v.visited_at AND e.id < v.id)))
GROUP BY c.department_id;
SELECT c.department_id, d.stage, CASE
    WHEN d.met_at < %(a_end)s AND (d.met_at AT TIME ZONE %(tz)s)::date <= d.due_on THEN 'met'
    WHEN d.met_at < %(a_end)s THEN 'late'
    WHEN (d.met_at IS NULL OR d.met_at >= %(a_end)s) AND d.stopped_at < %(a_end)s
         AND (d.stopped_at AT TIME ZONE %(tz)s)::date <= d.due_on THEN 'excluded'
    WHEN d.due_on < %(as_of)s THEN 'late' ELSE 'pending' END, count(*)
FROM cases_casedeadline d JOIN cases_complaint c ON c.id = d.case_id
WHERE c.complaint_type = 'complaint' AND c.merged_into_id IS NULL
  AND c.received_at >= %(start)s AND c.received_at < %(end)s
  AND d.stage IN ('acknowledge', 'dispatch', 'form_team', 'report', 'plan', 'approval', 'decision')
GROUP BY 1, 2, 3;
"""

FILL_SQL = """
INSERT INTO cases_complaint ({columns})
SELECT {values} FROM (
  SELECT g,
    timestamptz '2024-07-01 00:00+08' + (random() * 730) * interval '1 day' AS recv,
    (g %% 10) AS d, random() AS r1, random() AS r2
  FROM generate_series(1, %(n)s) g
) s;
"""


def fill(cases):
    from django.db import connection

    from assessment.kpi.readmodel import kpi_rebuild
    from cases.models import CaseDeadline, Complaint, DeadlinePolicy, Department

    depts = [Department.objects.get_or_create(code=f"D{n}", defaults={"name": f"Dept {n}"})[0] for n in range(10)]
    if Complaint.objects.count() >= cases:
        return
    with connection.cursor() as cursor:  # start from a clean database
        cursor.execute(
            "TRUNCATE cases_complaint, cases_casedeadline, assessment_followupvisit, cases_historicalcomplaint, "
            "assessment_policyvolume CASCADE"
        )
    policy = DeadlinePolicy.objects.get(version=1)
    dept_ids = "ARRAY[" + ",".join(str(d.id) for d in depts) + "]"
    explicit = {
        "reference": "'BK-' || g",
        "status": "CASE WHEN r1 < 0.85 THEN 'closed' ELSE 'investigating' END",
        "version": "1", "round": "1",
        "channel": "CASE WHEN r2 < 0.1 THEN 'regulator' ELSE 'hotline' END",
        "complaint_type": "CASE WHEN r2 > 0.95 THEN 'feedback' ELSE 'complaint' END",
        "category": "'service'", "summary": "'bench'", "customer_name": "'n'", "customer_phone": "'1'",
        "received_at": "recv", "clock_start": "(recv AT TIME ZONE 'Asia/Shanghai')::date",
        "department_id": f"({dept_ids})[d + 1]", "tier": "'simple'", "deadline_policy_id": str(policy.id),
        "due_overall": "(recv AT TIME ZONE 'Asia/Shanghai')::date + 15",
        "notified_at": "CASE WHEN r1 < 0.8 THEN recv + (r2 * 25) * interval '1 day' END",
        "first_notified_at": "CASE WHEN r1 < 0.8 THEN recv + (r2 * 25) * interval '1 day' END",
        "withdrawn_at": "CASE WHEN r1 >= 0.8 AND r1 < 0.85 THEN recv + interval '3 days' END",
        "closed_at": "CASE WHEN r1 < 0.85 THEN recv + interval '30 days' END",
        "outcome": "CASE WHEN r1 >= 0.8 AND r1 < 0.85 THEN 'withdrawn' WHEN r1 < 0.8 THEN 'closed' ELSE '' END",
        "created_at": "now()", "updated_at": "now()", "is_legacy": "true", "complainant_count": "1",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cases_complaint' "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        )
        for name, data_type in cursor.fetchall():
            if name in explicit or name == "id":
                continue
            explicit[name] = {"boolean": "false", "integer": "0", "smallint": "0", "jsonb": "'[]'"}.get(data_type, "''")
        sql = FILL_SQL.format(columns=", ".join(explicit), values=", ".join(explicit.values()))
        started = time.perf_counter()
        cursor.execute(sql, {"n": cases})
        cursor.execute(
            "INSERT INTO cases_casedeadline (case_id, stage, due_on, explanation, met_at, stopped_at) "
            "SELECT id, st, CASE WHEN st = 'decision' THEN due_overall ELSE clock_start + 1 END, '', "
            "CASE WHEN st = 'decision' THEN first_notified_at ELSE received_at + interval '20 hours' END, NULL "
            "FROM cases_complaint, unnest(ARRAY['decision', 'acknowledge']) st"
        )
        cursor.execute(
            "INSERT INTO assessment_followupvisit (case_id, outcome, rating, comment, visited_at) "
            "SELECT id, CASE WHEN id % 7 = 0 THEN 'unreachable' ELSE 'completed' END, "
            "CASE WHEN id % 7 = 0 THEN NULL ELSE 1 + (id % 5) END, '', first_notified_at + interval '2 days' "
            "FROM cases_complaint WHERE first_notified_at IS NOT NULL AND id % 3 <> 0"
        )
        enrich(cursor, depts)
        kpi_rebuild()  # the KPI read model of the generated cases, as `manage.py kpi_rebuild`
        if not connection.in_atomic_block:  # (the test of the KPI columns runs it in a transaction)
            cursor.execute("VACUUM ANALYZE")  # index-only scans need the visibility map
        print(f"generated {cases} cases, {CaseDeadline.objects.count()} deadline rows in {time.perf_counter() - started:.1f} s")


def enrich(cursor, depts):
    """What a case page and the dashboard read besides the case: its creation history record,
    its timeline (registered; decision notified and closed, or withdrawn), attachment metadata on
    every tenth case (no file behind it), and each department's policy volumes for the 8 quarters."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'cases_historicalcomplaint' "
        "AND column_name IN (SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'cases_complaint')"
    )
    shared = ", ".join(row[0] for row in cursor.fetchall())
    cursor.execute(
        f"INSERT INTO cases_historicalcomplaint ({shared}, history_date, history_type, history_change_reason) "
        f"SELECT {shared}, received_at, '+', 'registered' FROM cases_complaint"
    )
    cursor.execute(
        "INSERT INTO cases_caseevent (case_id, kind, at, from_status, to_status, data) "
        "SELECT id, 'created', received_at, '', 'received', '{}'::jsonb FROM cases_complaint "
        "UNION ALL SELECT id, 'notify_decision', first_notified_at, 'approved', 'notified', '{\"method\": \"phone\"}' "
        "FROM cases_complaint WHERE first_notified_at IS NOT NULL "
        "UNION ALL SELECT id, CASE WHEN withdrawn_at IS NULL THEN 'close' ELSE 'withdraw' END, closed_at, "
        "'notified', 'closed', '{}'::jsonb FROM cases_complaint WHERE closed_at IS NOT NULL"
    )
    cursor.execute(
        "INSERT INTO cases_attachment (case_id, kind, file, original_name, content_type, size, sha256, uploaded_at) "
        "SELECT id, 'evidence', 'cases/' || id || '/bench', 'letter.pdf', 'application/pdf', 180000, "
        "md5(id::text) || md5(reference), received_at + interval '1 hour' FROM cases_complaint WHERE id % 10 = 0"
    )
    for dept in depts:
        for year, quarter in [(2024, 3), (2024, 4)] + [(y, q) for y in (2025, 2026) for q in (1, 2, 3, 4)][:6]:
            cursor.execute(
                "INSERT INTO assessment_policyvolume (period, department_id, new_policies, policies_in_force, "
                "premium, insured_persons, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, now(), now())",
                [f"{year}Q{quarter}", dept.id, 400_000, 3_000_000, 2_500_000_000, 3_500_000],
            )


RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def main():
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    use_database(os.environ.get("BENCH_KPI_DB", "complaints_bench_kpi"))
    import datetime

    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from assessment.kpi.periods import day_end_exclusive, period_bounds, period_parse
    from assessment.kpi.selectors import kpi_table

    fill(cases)
    period, as_of = period_parse("2026Q1"), datetime.date(2026, 7, 1)
    start, end = period_bounds(period)
    params = {"tz": settings.TIME_ZONE, "start": start, "end": end, "a_end": day_end_exclusive(as_of), "as_of": as_of}

    def orm():
        table = kpi_table(period, as_of)
        return table.company.complaints

    def hand(sql=HAND_SQL):
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")  # as kpi_table does, and with plans for the dates given
            cursor.execute("SET plan_cache_mode = force_custom_plan")
            total = 0
            for statement in sql.strip().split(";\n"):
                if statement.strip():
                    cursor.execute(statement, params)
                    rows = cursor.fetchall()
                    total = total or sum(r[1] for r in rows)
            cursor.execute("RESET jit")
            cursor.execute("RESET plan_cache_mode")
            return total

    orm(), hand()  # warm PostgreSQL's buffers

    def cold():
        cache.clear()
        return orm()

    runs = {"kpi_table cold (every query runs)": cold,
            "hand-written SQL, joins to the cases (same three aggregates)": hand,
            "kpi_table warm (finished quarter from the cache)": orm}
    timings = {}
    for label, fn in runs.items():
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            result = fn()
            samples.append(time.perf_counter() - started)
        timings[label] = report(label, samples, f"company complaints {result}")
    cold_t, hand_t = list(timings.values())[:2]
    print(f"ratio kpi_table cold / hand SQL with joins (medians): {cold_t / hand_t:.2f}")
    dashboard(period)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def report(label, samples, note=""):
    samples = sorted(samples)
    median = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(f"{label}: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {len(samples)} runs "
          f"(load {os.getloadavg()[0]:.1f}) {note}")
    return median


def dashboard(period):
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = User.objects.get_or_create(username="bench_super")
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client = Client()
    client.force_login(user)
    url = f"/assessment/dashboard/?period={period.code}"

    def timed_get(target):
        started = time.perf_counter()
        assert client.get(target).status_code == 200
        return time.perf_counter() - started

    cache.clear()
    report("dashboard, cold cache (9 KPI tables computed)", [timed_get(url)])
    gc.freeze()  # as each gunicorn worker does once started (gunicorn.conf.py)
    report("dashboard, warm (finished quarters cached)", [timed_get(url) for _ in range(RUNS)])
    # A quarter in progress is computed on every request (an as-of date before the quarter's
    # end is never cached): the last generated quarter, as of the day before it ends.
    live = f"/assessment/dashboard/?period=2026Q2&as_of={datetime.date(2026, 6, 29).isoformat()}"
    timed_get(live)  # warm-up: the finished quarters of its trend
    # Twice the runs: with ten, the p95 is the slowest single request.
    report("dashboard, a full quarter in progress (2026Q2 as of 2026-06-29, computed live)",
           [timed_get(live) for _ in range(2 * RUNS)])


if __name__ == "__main__":
    main()
