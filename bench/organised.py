"""Cost of the organised-complaint signals (SPEC §13) at intake, after it, and daily, at a large table.

    .venv/bin/python bench/organised.py [CASES] [-n 300] [--db complaints_bench_organised]

Fills a PostgreSQL database of its own (created and migrated if missing) with CASES complaints
(default 1,000,000) received over the two years up to now with generate_series: phones from a
pool of 400,000 (so many numbers are shared, a few by three complainants or more), every fifth
case with an email, every tenth with an address, every twentieth with an agent, and texts from
the project's complaint text generator (cases.triage.textgen, 2,000 texts, seeded). Then:

- intake: `case_create` through the service, N times with the signals' receiver connected and
  N times without it (the same bodies, phones from the pool), median and p95 of each and the
  difference: what the signals add to a registration (the look-ups, the keywords, the review
  row when a signal is found, queueing the text check);
- the text check after a registration (`organised_text_check`: the window's latest
  ORGANISED_TEXT_RECENT cases), median and p95 of 10 runs;
- the daily run (`organised_signals_daily`) with the window's size: wall, CPU and queries of
  each phase (shared groups, per-case signals, text comparison, review rows), then a second run
  that finds nothing new (``--daily-only``: only this; ``--no-daily``: without it).

Prints the figures; the database is kept for the next run (the cases registered here deleted).
"""
import argparse
import contextlib
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import use_database  # noqa: E402

FILL_SQL = """
INSERT INTO cases_complaint ({columns})
SELECT {values} FROM (
  SELECT g, now() - (random() * 730) * interval '1 day' AS recv, (g %% 3) AS d, random() AS r1,
         (random() * 400000)::int AS phone, (random() * 1999)::int AS t
  FROM generate_series(1, %(n)s) g
) s;
"""


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values):
    return f"median {statistics.median(values) * 1000:.2f} ms, p95 {percentile(values, 0.95) * 1000:.2f} ms"


def fill(cases, texts):
    from django.db import connection

    from cases.models import Complaint, DeadlinePolicy, Department

    depts = [Department.objects.get_or_create(code=code, defaults={"name": code})[0] for code in ("SALES", "CS", "CLAIMS")]
    if Complaint.objects.count() >= cases:
        return
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_complaint, cases_casedeadline, cases_historicalcomplaint CASCADE")
    policy = DeadlinePolicy.objects.get(version=1)
    dept_ids = "ARRAY[" + ",".join(str(d.id) for d in depts) + "]"
    explicit = {
        "reference": "'BO-' || g", "status": "'closed'", "version": "1", "round": "1", "channel": "'hotline'",
        "complaint_type": "'complaint'", "category": "'service'", "summary": "'bench'",
        "description": "(%(texts)s::text[])[t + 1]", "customer_name": "'客户' || (g %% 500000)",
        "customer_phone": "'139' || lpad(phone::text, 8, '0')",
        "customer_email": "CASE WHEN g %% 5 = 0 THEN 'c' || phone || '@example.com' ELSE '' END",
        "customer_address": "CASE WHEN g %% 10 = 0 THEN '某市某路' || (phone %% 50000) || '号' ELSE '' END",
        "agent_name": "CASE WHEN g %% 20 = 0 THEN '代理' || (phone %% 20000) ELSE '' END",
        "received_at": "recv", "clock_start": "(recv AT TIME ZONE 'Asia/Shanghai')::date",
        "department_id": f"({dept_ids})[d + 1]", "tier": "'simple'", "deadline_policy_id": str(policy.id),
        "closed_at": "recv + interval '30 days'", "outcome": "'closed'",
        "created_at": "now()", "updated_at": "now()", "is_legacy": "true", "complainant_count": "1",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cases_complaint' "
                       "AND is_nullable = 'NO' AND column_default IS NULL")
        for name, data_type in cursor.fetchall():
            if name not in explicit and name != "id":
                explicit[name] = {"boolean": "false", "integer": "0", "smallint": "0", "jsonb": "'[]'"}.get(data_type, "''")
        started = time.perf_counter()
        cursor.execute(FILL_SQL.format(columns=", ".join(explicit), values=", ".join(explicit.values())),
                       {"n": cases, "texts": texts})
        cursor.execute("ANALYZE cases_complaint")
    print(f"generated {cases} cases in {time.perf_counter() - started:.1f} s")


@contextlib.contextmanager
def measured(label, lines):
    """Wall, CPU and queries of the block, appended to ``lines`` (queries counted by a wrapper:
    the captured-queries log keeps only the last 9,000)."""
    from django.db import connection

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        yield
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    lines.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {queries[0]} |")


def daily(organised):
    """The daily run, each phase timed (the phases of organised_signals_daily, through its hook)."""
    from assessment.warning.models import OrganisedReview

    lines = []
    load = os.getloadavg()[0]
    with measured("daily run, whole", lines):
        flagged = organised.organised_signals_daily(phase=lambda name: measured(name, lines))
    print(f"daily run (load average {load:.1f} before, {os.getloadavg()[0]:.1f} after; {flagged} cases with signals, "
          f"{OrganisedReview.objects.count()} reviews), max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print("| phase | wall | CPU | queries |\n|---|---|---|---|")
    print("\n".join(lines[-1:] + lines[:-1]))
    again = []
    with measured("daily run again (nothing new)", again):
        organised.organised_signals_daily()
    print(again[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="?", type=int, default=1_000_000)
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--no-daily", action="store_true", help="skip the daily run")
    parser.add_argument("--daily-only", action="store_true", help="only the daily run (no registrations)")
    parser.add_argument("--db", default="complaints_bench_organised")
    args = parser.parse_args()
    use_database(args.db)
    from django.conf import settings
    from django.contrib.auth.models import Group, User

    from assessment.warning import organised
    from assessment.warning.models import OrganisedReview
    from assessment.warning.tasks import organised_text_check
    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Complaint
    from cases.services import case_create
    from cases.signals import case_changed
    from cases.triage.textgen import generate_cases

    generated = generate_cases(2000, seed=13)
    fill(args.cases, [f"{c.summary}。{c.description}" for c in generated])
    load_cn_years([2025, 2026, 2027])
    clerk, _ = User.objects.get_or_create(username="bench_clerk")
    clerk.groups.set([Group.objects.get_or_create(name="intake_clerk")[0]])
    bodies = [{"channel": "hotline", "category": c.category, "misconduct_kind": c.misconduct_kind,
               "summary": c.summary[:200] or "—",
               "description": c.description, "customer": {"name": f"测试{i}", "phone": f"139{i * 1299 % 400000:08d}"},
               **({"agent_name": "代理1"} if i % 20 == 0 else {})}
              for i, c in enumerate(generate_cases(args.n, seed=99))]

    def run(label):
        times, cpus = [], []
        for body in bodies:
            started, cpu = time.perf_counter(), time.process_time()
            case_create(actor=clerk, data=body)
            times.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        print(f"{label}: wall {ms(times)}; CPU of this process {ms(cpus)}")
        return times, cpus

    window = organised._window(__import__("django.utils.timezone", fromlist=["now"]).now()).count()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{Complaint.objects.count()} cases, {window} in the {settings.ORGANISED_WINDOW_DAYS}-day window; "
          f"{args.n} registrations each way")
    if args.daily_only:
        daily(organised)
        return cleanup()
    case_changed.disconnect(dispatch_uid="assessment.warning.organised")
    run("case_create without the signals (warm-up)")
    without = run("case_create without the signals")
    case_changed.connect(organised.case_registered, dispatch_uid="assessment.warning.organised")
    with_signals = run("case_create with the signals")
    for what, i in (("wall", 0), ("CPU", 1)):
        before, after = statistics.median(without[i]), statistics.median(with_signals[i])
        print(f"the signals add ({what}): median {(after - before) * 1000:.2f} ms, ratio with/without {after / before:.2f}")
    print(f"reviews created by the registrations: {OrganisedReview.objects.filter(case__registered_by=clerk).count()}")
    # The receiver's own work, without the rest of the registration (on a loaded machine the
    # difference of two registration timings is noise): the look-ups and the keywords of each case.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    registered = list(Complaint.objects.filter(registered_by=clerk).order_by("pk"))
    walls, cpus, queries = [], [], []
    for case in registered:
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            organised.signals_of_case(case)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        queries.append(len(captured))
    print(f"signals_of_case per registration: wall {ms(walls)}; CPU of this process {ms(cpus)}; "
          f"queries {min(queries)}–{max(queries)}")
    latest = list(Complaint.objects.filter(registered_by=clerk).order_by("-pk").values_list("pk", flat=True)[:10])
    checks, check_cpu = [], []
    for pk in latest:
        started, cpu = time.perf_counter(), time.process_time()
        organised_text_check(pk)
        checks.append(time.perf_counter() - started)
        check_cpu.append(time.process_time() - cpu)
    print(f"text check after a registration ({settings.ORGANISED_TEXT_RECENT} latest cases): wall {ms(checks)}; "
          f"CPU {ms(check_cpu)}")
    if not args.no_daily:
        daily(organised)
    cleanup()


def cleanup():
    """Back to the generated cases: no reviews, no registrations of the run, nothing queued."""
    from assessment.warning.models import OrganisedReview
    from cases.models import Complaint
    from complaints_portal.celery import app

    app.control.purge()
    OrganisedReview.objects.all().delete()
    OrganisedReview.history.all().delete()
    Complaint.objects.filter(registered_by__username="bench_clerk").delete()


if __name__ == "__main__":
    main()
