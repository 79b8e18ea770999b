"""Load run: the portal under gunicorn (production settings), driven from this process.

    .venv/bin/python bench/load.py [--seconds 20] [--concurrency 4] [--db complaints_bench_kpi]

Runs against the database bench/kpi.py fills (1,000,000 cases; run that first). Prepares a
department head, an intake clerk and a supervisor with sessions and API tokens, gives the open
cases a nearest due date, starts gunicorn (3 workers for 2 cores) on 127.0.0.1:8099, and for
each scenario keeps ``--concurrency`` threads sending requests for ``--seconds`` over keep-alive
connections. Prints p50/p95/p99 latency, requests/s and errors per scenario, then the RSS of each
gunicorn worker after the run, and pgbench with a one-row insert for context.

Latency is measured at the client (loopback), so it includes the HTTP round trip.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8099
ENV = {
    "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.production",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
    "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktdGhpcnR5LXR3by1ieXRlcy1sb25nISE=",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
    "CACHE_URL": "redis://127.0.0.1:6379/6",
    "LOG_LEVEL": "WARNING",
}


def prepare(db):
    """Users, sessions, tokens and due dates; returns the credentials as a dict."""
    os.environ.update(ENV)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Department, DepartmentMembership

    load_cn_years([2025, 2026, 2027])  # intake computes deadlines from the calendar
    dept = Department.objects.get(code="D0")
    users = {}
    for name, roles in (("bench_head", ["department_head", "investigator"]), ("bench_clerk", ["intake_clerk"]),
                        ("bench_super", ["supervisor"])):
        user, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})
        user.groups.set([Group.objects.get_or_create(name=r)[0] for r in roles])
        client = Client()
        client.force_login(user)
        users[name] = {"session": client.cookies["sessionid"].value, "token": Token.objects.get_or_create(user=user)[0].key}
    DepartmentMembership.objects.get_or_create(user=User.objects.get(username="bench_head"), department=dept,
                                               defaults={"role": "head"})
    with connection.cursor() as cursor:
        # The KPI generator leaves next_due empty; the queue sorts by it.
        cursor.execute("UPDATE cases_complaint SET next_due = due_overall WHERE status = 'investigating' AND next_due IS NULL")
        cursor.execute("VACUUM ANALYZE cases_complaint")
        cursor.execute("SELECT reference FROM cases_complaint WHERE department_id = %s AND status = 'investigating' "
                       "ORDER BY next_due LIMIT 200", [dept.pk])
        users["references"] = [r[0] for r in cursor.fetchall()]
    return users


class Scenario:
    def __init__(self, name, method, paths, headers, body=None, expect=(200,)):
        self.name, self.method, self.paths, self.headers, self.body, self.expect = name, method, paths, headers, body, expect


def drive(scenario, seconds, concurrency):
    latencies, errors, lock = [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        i = k
        while time.monotonic() < deadline:
            path = scenario.paths[i % len(scenario.paths)]
            body = scenario.body(i) if callable(scenario.body) else scenario.body
            i += concurrency
            started = time.perf_counter()
            try:
                conn.request(scenario.method, path, body=body, headers=scenario.headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                if status not in scenario.expect:
                    status = f"{status} {payload[:200].decode(errors='replace')}"
            except (OSError, http.client.HTTPException) as exc:
                status = repr(exc)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status not in scenario.expect:
                    errors.append(status)
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "scenario": scenario.name, "requests": len(latencies), "rps": len(latencies) / wall,
        "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "errors": len(errors),
        "error_sample": sorted({str(e) for e in errors})[:3], "load": os.getloadavg()[0],
    }


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            yield line.split(":")[0], int(line.split()[1]) / 1024


def pgbench(db):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO bench_pgbench_one_row (at, note) VALUES (now(), 'x');\n")
    base = ["-h", "127.0.0.1", "-U", "postgres", db]
    subprocess.run(["psql", "-q", *base, "-c", "CREATE TABLE IF NOT EXISTS bench_pgbench_one_row "
                    "(id bigserial PRIMARY KEY, at timestamptz, note text)"], check=True)
    out = subprocess.run(["pgbench", "-n", "-c", "4", "-j", "2", "-T", "10", "-f", script.name, *base],
                         capture_output=True, text=True).stdout
    subprocess.run(["psql", "-q", *base, "-c", "DROP TABLE bench_pgbench_one_row"], check=True)
    return [line for line in out.splitlines() if "tps" in line or "latency average" in line]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--db", default="complaints_bench_kpi")
    args = p.parse_args()
    creds = prepare(args.db)

    env = {**os.environ, **ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "complaints_portal.wsgi", "--workers", "3", "--bind", f"127.0.0.1:{PORT}",
         "--access-logfile", "/dev/null", "--error-logfile", "/tmp/bench_gunicorn.log"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)
        head, clerk, boss = creds["bench_head"], creds["bench_clerk"], creds["bench_super"]

        def html(user):
            return {"Cookie": f"sessionid={user['session']}", "Host": "127.0.0.1", "X-Forwarded-Proto": "http"}

        def api(user):
            return {"Authorization": f"Token {user['token']}", "Accept": "application/json", "Host": "127.0.0.1"}

        def intake_body(i):
            return json.dumps({
                "channel": "hotline", "category": "service", "summary": f"load {i}", "description": "load run",
                "customer": {"name": "张三", "phone": f"139{i:08d}"[-11:]},
            })

        refs = creds["references"]
        scenarios = [
            Scenario("department queue page (HTML)", "GET", ["/queue/department/"], html(head)),
            Scenario("list API, one department's open cases by due date", "GET",
                     ["/api/v1/complaints/?department=D0&status=investigating"], api(head)),
            Scenario("case page with history (HTML)", "GET", [f"/cases/{r}/" for r in refs], html(head)),
            Scenario("intake API POST", "POST", ["/api/v1/complaints/"],
                     {**api(clerk), "Content-Type": "application/json"}, body=intake_body, expect=(201,)),
            Scenario("supervisor dashboard (HTML)", "GET", ["/assessment/dashboard/"], html(boss)),
        ]
        results = []
        for scenario in scenarios:
            drive(scenario, 2, 1)  # warm-up: connections, caches, first compilation
            results.append(drive(scenario, args.seconds, args.concurrency))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        for pid in workers:
            print(json.dumps({"gunicorn_worker": pid, **dict(rss_mb(pid))}), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for line in pgbench(args.db):
        print("pgbench one-row insert, 4 clients:", line, flush=True)


if __name__ == "__main__":
    main()
