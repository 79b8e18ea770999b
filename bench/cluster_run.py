"""Multi-process run on one machine standing in for the cluster (issue 11), with its checks.

    .venv/bin/python bench/cluster_run.py [--seconds 60] [--concurrency 6] [--due-cases 150]
                                          [--db complaints_cluster] [--redis-db 11]

Against PostgreSQL (database ``--db``, dropped and rebuilt) and Redis (db ``--redis-db``,
flushed), with production settings, it starts:

- two gunicorn instances (2 workers each) on 127.0.0.1:8101 and :8102, behind a round-robin
  proxy on :8100 (bench/rr_proxy.py, the load balancer's stand-in);
- two Celery workers for different queue groups: ``deadlines,reports,imports`` and
  ``notifications,celery``;
- ``celery beat`` twice (celery-redbeat: one holds the Redis lock, the other waits), with the
  deadline sweep every 5 s (DEADLINE_SWEEP_SECONDS) and REDBEAT_LOCK_TIMEOUT=10.

Then it drives load through the proxy for ``--seconds``: ``--concurrency`` clients register
complaints through the intake API (unique payloads) and acknowledge and assign a third of them.
Half-way it makes every deadline of the first ``--due-cases`` complaints fall due (their dates
moved 60 days back), so the sweep escalates them while the load goes on, and a few seconds
later it SIGKILLs the beat holding the lock (a machine dying): the other one must take over.
After the load it waits until every such deadline is escalated and every notification sent.

Checks, printed with the figures (exit status 1 when one fails):
- every 201 names a complaint that exists exactly once; references are unique;
- no escalation twice: one head notification per overdue deadline, one supervisor notice per
  regulatory deadline; no email (recipient, subject) sent twice (emails are recorded by
  bench/cluster_mail.py);
- beat: only one process sent while both ran; no run sent twice (no two sends within half an
  interval); the standby took over after the kill;
- requests, requests/s, latency and errors per kind, requests per web instance.
Logs of every process are kept in bench/results/cluster-<UTC timestamp>/.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
PROXY_PORT, WEB_PORTS = 8100, (8101, 8102)
SWEEP_SECONDS = 5
LOCK_TIMEOUT = 10
DEPARTMENTS = ("SALES", "CS", "CLAIMS")
SENT = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}).*Scheduler: Sending due task deadline-sweep ")


def base_env(db, redis_db, run_dir):
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.production",
        "SECRET_KEY": "cluster-run-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF",
        "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktdGhpcnR5LXR3by1ieXRlcy1sb25nISE=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "EMAIL_BACKEND": "bench.cluster_mail.EmailBackend",
        "CLUSTER_MAIL_LOG": str(run_dir / "mail.jsonl"),
        "DEADLINE_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "REDBEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "LOG_LEVEL": "WARNING",
    }


# -- preparation -----------------------------------------------------------------------------

def prepare(env, db, redis_db):
    """Fresh database and Redis db, migrated; calendar, departments, staff and the clerk's token."""
    import psycopg
    import redis

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Department, DepartmentMembership
    from complaints_portal.common import roles

    call_command("migrate", verbosity=0)
    load_cn_years([2025, 2026, 2027])

    def user(name, role):
        u = User.objects.create_user(name, email=f"{name}@example.com", password=None)
        u.groups.add(Group.objects.get_or_create(name=role)[0])
        return u

    for code in DEPARTMENTS:
        dept = Department.objects.create(code=code, name=code)
        DepartmentMembership.objects.create(user=user(f"head_{code.lower()}", roles.DEPARTMENT_HEAD),
                                            department=dept, role="head")
        DepartmentMembership.objects.create(user=user(f"inv_{code.lower()}", roles.INVESTIGATOR),
                                            department=dept, role="investigator")
    user("supervisor", roles.SUPERVISOR)
    return Token.objects.create(user=user("clerk", roles.INTAKE_CLERK)).key


# -- processes -------------------------------------------------------------------------------

class Processes:
    def __init__(self, env, run_dir):
        self.env, self.run_dir, self.procs = env, run_dir, {}

    def start(self, name, args):
        log = (self.run_dir / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self.procs[name]

    def log(self, name):
        return (self.run_dir / f"{name}.log").read_text(errors="replace")

    def stop_all(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def start_cluster(procs):
    celery = [PYTHON, "-m", "celery", "-A", "complaints_portal"]
    for port in WEB_PORTS:
        procs.start(f"web-{port}", [str(ROOT / ".venv/bin/gunicorn"), "complaints_portal.wsgi", "--workers", "2",
                                    "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"])
    procs.start("proxy", [PYTHON, str(ROOT / "bench/rr_proxy.py"), str(PROXY_PORT), *map(str, WEB_PORTS)])
    procs.start("worker-deadlines", [*celery, "worker", "-Q", "deadlines,reports,imports", "--concurrency", "2",
                                     "--hostname", "deadlines@%h", "--loglevel", "WARNING"])
    procs.start("worker-notifications", [*celery, "worker", "-Q", "notifications,celery", "--concurrency", "2",
                                         "--hostname", "notifications@%h", "--loglevel", "WARNING"])
    for name in ("beat-1", "beat-2"):
        procs.start(name, [*celery, "beat", "--loglevel", "INFO", f"--schedule={procs.run_dir / name}.schedule"])
    for port in (*WEB_PORTS, PROXY_PORT):
        wait_http(port)


def wait_http(port, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"nothing healthy on port {port} after {timeout} s")


def beat_sends(procs, name):
    return [datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f") for m in SENT.finditer(procs.log(name))]


def lock_holder(procs):
    return [name for name in ("beat-1", "beat-2") if "beat: Acquired lock" in procs.log(name)]


# -- load ------------------------------------------------------------------------------------

class Load:
    """Clients on keep-alive connections to the proxy: intake POSTs, and for a third of the new
    complaints an acknowledge and an assign. Every outcome is recorded."""

    def __init__(self, token, run_id, concurrency):
        self.token, self.run_id, self.concurrency = token, run_id, concurrency
        self.lock = threading.Lock()
        self.counter = 0
        self.results = []  # (kind, status, seconds, upstream, phase)
        self.accepted = {}  # marker -> reference
        self.unsure = []  # markers whose POST got no answer (the outcome is unknown)
        self.phase = 1

    def _next(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def _call(self, conn, kind, method, path, body):
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json",
                   "Accept": "application/json", "Host": "127.0.0.1"}
        started = time.perf_counter()
        try:
            conn.request(method, path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status, upstream = response.status, response.getheader("X-Upstream")
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            payload, status, upstream = b"", type(exc).__name__, None
        with self.lock:
            self.results.append((kind, status, time.perf_counter() - started, upstream, self.phase))
        return status, payload

    def client(self, stop_at, seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", PROXY_PORT, timeout=60)
        while time.monotonic() < stop_at:
            n = self._next()
            marker = f"cluster-run {self.run_id} #{n}"
            status, payload = self._call(conn, "intake POST", "POST", "/api/v1/complaints/", {
                "channel": "hotline", "category": "service", "summary": marker, "description": "cluster run",
                "customer": {"name": "张三", "phone": f"139{n:08d}"},
            })
            if status == 201:
                reference = json.loads(payload)["reference"]
                with self.lock:
                    self.accepted[marker] = reference
                if rng.random() < 1 / 3:
                    base = f"/api/v1/complaints/{reference}/transitions/"
                    self._call(conn, "transition acknowledge", "POST", base, {"action": "acknowledge"})
                    self._call(conn, "transition assign", "POST", base,
                               {"action": "assign", "department": rng.choice(DEPARTMENTS)})
            elif not isinstance(status, int):
                with self.lock:
                    self.unsure.append(marker)
        conn.close()

    def run(self, seconds, on_half=None):
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=self.client, args=(stop_at, k)) for k in range(self.concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        if on_half:
            time.sleep(seconds / 2)
            self.phase = 2
            on_half()
        for t in threads:
            t.join()
        return time.perf_counter() - started


def make_due(run_id, n_cases):
    """Move every open deadline of the first `n_cases` complaints of this run 60 days back."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_casedeadline d SET due_on = due_on - 60 FROM ("
            "  SELECT id FROM cases_complaint WHERE summary LIKE %s ORDER BY id LIMIT %s) c "
            "WHERE d.case_id = c.id AND d.met_at IS NULL AND d.stopped_at IS NULL RETURNING d.id",
            [f"cluster-run {run_id} #%", n_cases],
        )
        return [row[0] for row in cursor.fetchall()]


# -- checks ----------------------------------------------------------------------------------

def wait_for_escalations(due_ids, timeout=600):
    from django.db import close_old_connections

    from cases.models import CaseDeadline, Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        left = CaseDeadline.objects.filter(pk__in=due_ids, escalated_head_at__isnull=True,
                                           met_at__isnull=True, stopped_at__isnull=True).count()
        pending = Notification.objects.filter(delivery=Notification.Delivery.PENDING, recipient__isnull=False).count()
        if left == 0 and pending == 0:
            return True
        time.sleep(1)
    return False


def check(load, due_ids, procs, run_dir, kill):
    from django.db import connection

    from cases.models import CaseDeadline, Complaint, Notification

    failures = []
    report = {}

    def expect(ok, what):
        if not ok:
            failures.append(what)

    # complaints: every 201 exists exactly once, references unique
    rows = Counter(Complaint.objects.filter(summary__startswith=f"cluster-run {load.run_id} #")
                   .values_list("summary", flat=True))
    db_refs = dict(Complaint.objects.filter(summary__startswith=f"cluster-run {load.run_id} #")
                   .values_list("summary", "reference"))
    missing = [m for m in load.accepted if rows.get(m, 0) == 0]
    twice = [m for m, count in rows.items() if count > 1]
    wrong_ref = [m for m, ref in load.accepted.items() if db_refs.get(m) != ref]
    unanswered_rows = [m for m in rows if m not in load.accepted and m not in load.unsure]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT reference FROM cases_complaint GROUP BY reference "
                       "HAVING count(*) > 1) d")
        duplicate_refs = cursor.fetchone()[0]
    report["complaints"] = {
        "accepted_201": len(load.accepted), "rows_of_this_run": sum(rows.values()), "missing": len(missing),
        "stored_twice": len(twice), "reference_differs": len(wrong_ref),
        "rows_for_refused_requests": len(unanswered_rows), "no_answer": len(load.unsure),
        "duplicate_references_in_table": duplicate_refs,
        "distinct_references_returned": len(set(load.accepted.values())),
    }
    expect(not missing and not twice and not wrong_ref and not unanswered_rows, "complaints lost or stored twice")
    expect(duplicate_refs == 0 and len(set(load.accepted.values())) == len(load.accepted), "duplicate references")

    # escalations: one head notification per overdue deadline, one supervisor notice per
    # regulatory one; no email sent twice
    due = CaseDeadline.objects.filter(pk__in=due_ids)
    escalated = due.filter(escalated_head_at__isnull=False)
    regulatory = escalated.filter(escalated_supervisor_at__isnull=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT split_part(dedupe_key, ':', 2), split_part(dedupe_key, ':', 3)::bigint, count(*) "
            "FROM cases_notification WHERE dedupe_key LIKE 'deadline:deadline_%%' "
            "AND split_part(dedupe_key, ':', 3)::bigint = ANY(%s) GROUP BY 1, 2", [list(due_ids)])
        per_row = {(kind, pk): count for kind, pk, count in cursor.fetchall()}
    overdue_counts = Counter(per_row.get(("deadline_overdue", pk), 0) for pk in escalated.values_list("pk", flat=True))
    sup_counts = Counter(per_row.get(("deadline_passed_supervisor", pk), 0)
                         for pk in regulatory.values_list("pk", flat=True))
    mail_path = run_dir / "mail.jsonl"
    mails = [json.loads(line) for line in mail_path.read_text().splitlines()] if mail_path.exists() else []
    mail_twice = [k for k, c in Counter((tuple(m["to"]), m["subject"]) for m in mails).items() if c > 1]
    sent = Notification.objects.filter(delivery=Notification.Delivery.SENT, recipient__isnull=False).count()
    report["escalations"] = {
        "deadlines_made_due": len(due_ids), "escalated": escalated.count(), "regulatory": regulatory.count(),
        "head_notifications_per_deadline": dict(overdue_counts), "supervisor_notices_per_deadline": dict(sup_counts),
        "staff_notifications_sent": sent, "emails": len(mails), "emails_sent_twice": len(mail_twice),
        "emails_by_process": len({m["pid"] for m in mails}),
    }
    expect(escalated.count() == due.filter(met_at__isnull=True, stopped_at__isnull=True).count() > 0,
           "not every deadline made due was escalated")
    expect(set(overdue_counts) == {1} and set(sup_counts) <= {1}, "an escalation notified twice (or not at all)")
    expect(not mail_twice and len(mails) == sent, "an email sent twice, or emails and sent notifications differ")

    # beat: one sender at a time, no run twice, the standby took over
    sends = {name: beat_sends(procs, name) for name in ("beat-1", "beat-2")}
    first, second = kill["holder"], kill["standby"]
    before_kill = [t for t in sends[second] if t < kill["at"]]
    merged = sorted(sends["beat-1"] + sends["beat-2"])
    gaps = [(b - a).total_seconds() for a, b in zip(merged, merged[1:], strict=False)]
    report["beat"] = {
        "interval_s": SWEEP_SECONDS, "sent_by_first_holder": len(sends[first]),
        "sent_by_standby_before_kill": len(before_kill), "sent_by_standby_after_kill": len(sends[second]),
        "takeover_after_kill_s": round((sends[second][0] - kill["at"]).total_seconds(), 1) if sends[second] else None,
        "min_gap_between_sends_s": round(min(gaps), 2) if gaps else None,
    }
    expect(not before_kill and sends[second], "the standby beat sent while the holder ran, or never took over")
    expect(gaps and min(gaps) >= SWEEP_SECONDS / 2, "a beat run was sent twice")

    # requests
    report["requests"] = {}
    for kind in sorted({r[0] for r in load.results}):
        rs = [r for r in load.results if r[0] == kind]
        latencies = sorted(r[2] for r in rs)
        statuses = Counter(str(r[1]) for r in rs)
        report["requests"][kind] = {
            "requests": len(rs), "statuses": dict(statuses),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000), "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000),
        }
    report["requests_by_web_instance"] = dict(Counter(r[3] for r in load.results))
    errors = [r for r in load.results if r[1] not in (200, 201)]
    report["errors"] = len(errors)
    expect(not errors, "requests failed")
    return report, failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--concurrency", type=int, default=6)
    p.add_argument("--due-cases", type=int, default=150)
    p.add_argument("--db", default="complaints_cluster")
    p.add_argument("--redis-db", type=int, default=11)
    args = p.parse_args()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = ROOT / "bench" / "results" / f"cluster-{run_id}"
    run_dir.mkdir(parents=True)
    env = base_env(args.db, args.redis_db, run_dir)
    token = prepare(env, args.db, args.redis_db)
    procs = Processes(env, run_dir)
    kill, due_ids = {}, []
    try:
        start_cluster(procs)
        deadline = time.monotonic() + 60
        while not lock_holder(procs) and time.monotonic() < deadline:
            time.sleep(0.5)
        holders = lock_holder(procs)
        if len(holders) != 1:
            raise SystemExit(f"expected one beat holding the lock, got {holders}")
        kill["holder"] = holders[0]
        kill["standby"] = "beat-2" if holders[0] == "beat-1" else "beat-1"
        load = Load(token, run_id, args.concurrency)

        def half_way():
            due_ids.extend(make_due(run_id, args.due_cases))
            kill["due_at"] = time.monotonic()
            time.sleep(SWEEP_SECONDS)
            kill["at"] = datetime.now()
            procs.procs[kill["holder"]].send_signal(signal.SIGKILL)

        wall = load.run(args.seconds, on_half=half_way)
        load_ended = time.monotonic()
        escalated_in_time = wait_for_escalations(due_ids)
        done = time.monotonic()
    finally:
        procs.stop_all()
    report, failures = check(load, due_ids, procs, run_dir, kill)
    report["load"] = {"seconds": round(wall, 1), "concurrency": args.concurrency, "requests": len(load.results),
                      "requests_per_s": round(len(load.results) / wall, 1),
                      "load_average_1m": os.getloadavg()[0]}
    report["escalation_wait_complete"] = escalated_in_time
    # From moving the dates to the last escalation delivered, and how much of it after the load.
    report["escalations"]["all_done_after_made_due_s"] = round(done - kill["due_at"], 1)
    report["escalations"]["of_which_after_load_s"] = round(done - load_ended, 1)
    if not escalated_in_time:
        failures.append("escalations or deliveries still pending after the wait")
    report["failures"] = failures
    (run_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"logs and report: {run_dir}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
