"""Load run: the portal under gunicorn (production settings), driven by wrk.

    .venv/bin/python bench/load.py [--seconds 20] [--concurrency 4] [--db complaints_bench_kpi]
                                   [--scenario queue,list_api,case_page,intake,dashboard,dashboard_live] [--no-pgbench] [--celery-worker] [--port N]

Runs against the database bench/kpi.py fills (1,000,000 cases; run that first). Prepares a
department head, an intake clerk and a supervisor with sessions and API tokens, gives the open
cases a nearest due date, vacuums the case, deadline and visit tables (as autovacuum would have
done to the rows earlier runs added), starts gunicorn (3 workers for 2 cores) on 127.0.0.1:8099, and for
each scenario runs wrk (``/usr/bin/wrk``, C, event loop: the load client costs a few percent of
one core, not a core of Python) with ``--concurrency`` keep-alive connections for ``--seconds``
after a 2-second warm-up. A Lua script per scenario sets the headers (session cookie or API
token), cycles through the case pages, gives every intake POST a unique body (a counter per
wrk thread) and counts every response whose status is not the expected one; its ``done()``
prints p50/p95/p99 (from wrk's latency histogram), requests/s and errors as JSON. Then the RSS
of each gunicorn worker after the run. Then, for context, what the database alone does, with
pgbench (4 clients, prepared statements, 10 s, after the server stopped): a one-row insert
(beside the intake) and, for the queue page and the list API, the same data statements
hand-written (the count, the page, the page's open deadlines), with the page's requests/s as
a ratio of their transactions/s.

``--scenario`` takes a comma-separated subset (e.g. ``--scenario intake``) to run only those.
``--celery-worker`` runs one Celery worker (prefork, one process) beside gunicorn on the same
machine, consuming the queues a registration publishes to (notifications, celery, reports: the
organised-complaint check, the triage record, the e-mails), so that the work queued after a
registration's commit is paid during the run, as in production; the broker's database is
emptied before, and what is still waiting in each queue afterwards is printed (the backlog the
worker did not keep up with). Without it the queued tasks wait in Redis and cost nothing.
The database is not migrated here (bench/kpi.py does); the server's log goes to
/tmp/bench_gunicorn.log.
Latency is measured at the client (loopback), so it includes the HTTP round trip.
"""
import argparse
import contextlib
import datetime
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8099
WRK = shutil.which("wrk") or "/usr/bin/wrk"
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
SCENARIOS = ("queue", "list_api", "case_page", "intake", "dashboard", "dashboard_live")
# The last quarter bench/kpi.py fills, as of the day before it ends: computed on every request
# like the quarter in progress (an as-of date before the end is never served from the cache),
# with a full quarter's ≈ 125,000 cases. Today's quarter holds only the cases the intake
# scenario adds.
LIVE_QUARTER = "period=2026Q2&as_of=2026-06-29"


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
        # What autovacuum, with the thresholds of migration assessment 0009, has long done on a
        # server that runs it to the rows earlier runs added (the intake scenario's cases and
        # their deadlines); a server run with autovacuum = off would otherwise measure today's
        # quarter slower with every run. Pages already all-visible are skipped. The tables every
        # registration writes too: a database filled by a migration (the KPI read model) and never
        # analysed made the intake 20-40 % slower (bench/README.md, 2026-12-07 21:42).
        cursor.execute("VACUUM (ANALYZE) cases_complaint, cases_casedeadline, assessment_followupvisit, "
                       "assessment_kpicase, cases_historicalcomplaint, cases_caseevent")
        cursor.execute("SELECT reference FROM cases_complaint WHERE department_id = %s AND status = 'investigating' "
                       "ORDER BY next_due LIMIT 200", [dept.pk])
        users["references"] = [r[0] for r in cursor.fetchall()]
    users["department_id"] = dept.pk
    return users


def calibration_ms(rounds=7):
    """CPU milliseconds of a fixed piece of work like a page's: a Django template of 50 rows
    rendered 200 times, median of ``rounds``. The same code's figures move with the machine's
    speed here (the host is shared), so each run records it next to its figures; a lower value
    is a faster machine."""
    from django.template import Context, Template

    template = Template("{% for i in items %}<tr class=\"{% cycle 'a' 'b' %}\"><td>{{ i|add:1 }}</td>"
                        "<td>{{ name|upper }}</td><td>{{ when|date:'Y-m-d' }}</td></tr>{% endfor %}")
    context = Context({"items": list(range(50)), "name": "calibration", "when": datetime.date(2026, 1, 1)})
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(200):
            template.render(context)
        samples.append((time.process_time() - started) * 1000)
    return round(statistics.median(samples), 1)


def scenario_requests(creds):
    """{name: (method, paths, headers)} of the GET scenarios (shared with bench/profile_pages.py)."""
    head, boss = creds["bench_head"], creds["bench_super"]
    html = {"Cookie": f"sessionid={head['session']}", "Host": "127.0.0.1", "X-Forwarded-Proto": "http"}
    api = {"Authorization": f"Token {head['token']}", "Accept": "application/json", "Host": "127.0.0.1"}
    return {
        "department queue page (HTML)": ("GET", ["/queue/department/"], html),
        "list API, one department's open cases by due date": (
            "GET", ["/api/v1/complaints/?department=D0&status=investigating"], api),
        "case page with history (HTML)": ("GET", [f"/cases/{r}/" for r in creds["references"]], html),
        "supervisor dashboard (HTML)": (
            "GET", ["/assessment/dashboard/"], {**html, "Cookie": f"sessionid={boss['session']}"}),
        "supervisor dashboard, a full quarter in progress (HTML)": (
            "GET", [f"/assessment/dashboard/?{LIVE_QUARTER}"], {**html, "Cookie": f"sessionid={boss['session']}"}),
    }


def scenarios(creds):
    """(key, name, method, paths, headers, body_template, expected status) per scenario."""
    gets = scenario_requests(creds)
    clerk = creds["bench_clerk"]
    # %d is replaced by a number unique to the request within the run (see LUA below).
    intake = json.dumps({
        "channel": "hotline", "category": "service", "summary": "load %s", "description": "load run",
        "customer": {"name": "张三", "phone": "139%s"},
    }, ensure_ascii=False)
    rows = [(key, name, *gets[name], None, 200) for key, name in (
        ("queue", "department queue page (HTML)"),
        ("list_api", "list API, one department's open cases by due date"),
        ("case_page", "case page with history (HTML)"),
        ("dashboard", "supervisor dashboard (HTML)"),
        ("dashboard_live", "supervisor dashboard, a full quarter in progress (HTML)"))]
    rows.insert(3, ("intake", "intake API POST", "POST", ["/api/v1/complaints/"],
                    {"Authorization": f"Token {clerk['token']}", "Accept": "application/json", "Host": "127.0.0.1",
                     "Content-Type": "application/json"}, intake, 201))
    return rows


LUA = r"""
-- generated by bench/load.py
local paths = {%(paths)s}
local headers = {%(headers)s}
local method = %(method)s
local body_template = %(body)s
local expect = %(expect)d
local run = %(run)s
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  thread:set("nthreads", %(threads)d)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  unexpected = 0
  sample = ""
end

function request()
  -- unique per request in this run: thread id + thread count * request number
  local n = tid + nthreads * counter
  counter = counter + 1
  local body = nil
  if body_template then
    local serial = string.format("%%08d", (run * 100000 + n) %% 100000000)
    body = string.format(body_template, run .. "-" .. n, serial)
  end
  return wrk.format(method, paths[(n %% #paths) + 1], headers, body)
end

function response(status, hdrs, body)
  if status ~= expect then
    unexpected = unexpected + 1
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 160) end
  end
end

local function esc(s)
  return (string.gsub(s, '[%%c"\\]', function(c) return string.format("\\u%%04x", string.byte(c)) end))
end

function done(summary, latency, requests)
  local bad, samples = 0, {}
  for _, t in ipairs(threads) do
    bad = bad + (t:get("unexpected") or 0)
    local s = t:get("sample")
    if s and s ~= "" then table.insert(samples, '"' .. esc(s) .. '"') end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "rps": %%.2f, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f, '
    .. '"max_ms": %%.2f, "unexpected_status": %%d, "socket_errors": %%d, "error_sample": [%%s]}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, bad, e.connect + e.read + e.write + e.timeout, table.concat(samples, ", ")))
end
"""


def _lua_string(value):
    return json.dumps(value, ensure_ascii=False)  # a JSON string literal is a valid Lua string literal


def lua_script(method, paths, headers, body, expect, threads):
    return LUA % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
        "method": _lua_string(method), "body": _lua_string(body) if body else "nil", "expect": expect,
        "run": int(time.time()) % 100000, "threads": threads,
    }


def drive(name, method, paths, headers, body, expect, seconds, concurrency, port=None):
    threads = min(2, concurrency)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(method, paths, headers, body, expect, threads))
    try:
        out = subprocess.run(
            [WRK, "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s", "--latency",
             "-s", script.name, f"http://127.0.0.1:{port or PORT}"],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("WRK_RESULT "))
    result = json.loads(line.removeprefix("WRK_RESULT "))
    errors = result.pop("unexpected_status") + result.pop("socket_errors")
    return {"scenario": name, **result, "errors": errors, "load": os.getloadavg()[0]}


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            yield line.split(":")[0], int(line.split()[1]) / 1024


def pgbench(db, script_text, clients=4, seconds=10):
    """pgbench with ``script_text`` (prepared statements, ``clients`` connections): its latency
    and tps lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(script_text)
    try:
        out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
                              "-f", script.name, "-h", "127.0.0.1", "-U", "postgres", db],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    return [line for line in out.splitlines() if "tps" in line or "latency average" in line]


def pgbench_insert(db):
    """pgbench with a one-row insert: what the database alone does for the intake's writes."""
    base = ["-h", "127.0.0.1", "-U", "postgres", db]
    subprocess.run(["psql", "-q", *base, "-c", "CREATE TABLE IF NOT EXISTS bench_pgbench_one_row "
                    "(id bigserial PRIMARY KEY, at timestamptz, note text)"], check=True)
    try:
        return pgbench(db, "INSERT INTO bench_pgbench_one_row (at, note) VALUES (now(), 'x');\n")
    finally:
        subprocess.run(["psql", "-q", *base, "-c", "DROP TABLE bench_pgbench_one_row"], check=True)


def pgbench_result(lines):
    """{"tps": …, "latency_ms": …} from pgbench's output lines."""
    result = {}
    for line in lines:
        if line.startswith("tps"):
            result["tps"] = float(line.split("=")[1].split()[0])
        elif line.startswith("latency average"):
            result["latency_ms"] = float(line.split("=")[1].split()[0])
    return result


def hand_sql(creds):
    """{scenario key: pgbench script}: the data statements of the department queue page and of
    the list API written by hand, for the same department and page: the count, the page of
    rows and the page's open deadlines (what the page reads besides the session and the user).
    The page's row ids are fixed in the script as its page statement returns them now."""
    from django.db import connection

    from cases.models.case import OPEN_STATUSES

    dept, statuses = creds["department_id"], ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    pages = {
        "queue": (f"department_id = {dept} AND merged_into_id IS NULL AND status IN ({statuses})",
                  "id, reference, round, channel, next_due, status, customer_name, customer_phone, summary, "
                  "category, received_at", "next_due NULLS LAST, received_at LIMIT 25",
                  "case_id, stage", "AND met_at IS NULL AND stopped_at IS NULL ORDER BY due_on, id"),
        "list_api": (f"department_id = {dept} AND status = 'investigating'",
                     "id, reference, status, round, version, channel, category, complaint_type, summary, "
                     "customer_name, customer_phone, customer_id_number, policy_numbers, tier, received_at, "
                     "next_due, outcome, merged_into_id", "next_due NULLS LAST, received_at, id LIMIT 50",
                     "case_id, stage, due_on", "ORDER BY due_on"),
    }
    scripts = {}
    with connection.cursor() as cursor:
        for key, (where, columns, order, deadline_columns, deadline_tail) in pages.items():
            page = f"SELECT {columns} FROM cases_complaint WHERE {where} ORDER BY {order}"
            cursor.execute(page)  # noqa: S608 - constants and integers only
            ids = ", ".join(str(row[0]) for row in cursor.fetchall())
            scripts[key] = (f"SELECT count(*) FROM cases_complaint WHERE {where};\n{page};\n"
                            f"SELECT {deadline_columns} FROM cases_casedeadline WHERE case_id IN ({ids}) "
                            f"{deadline_tail};\n")
    return scripts


@contextlib.contextmanager
def gunicorn_server(db, workers, port):
    """The portal under gunicorn (production settings, ``workers`` sync workers) on
    127.0.0.1:``port`` against ``db``, answering /healthz when the block starts; stopped (by
    its own pid) when it ends. Shared with bench/peer_http.py."""
    env = {**os.environ, **ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}
    log = open("/tmp/bench_gunicorn.log", "a")  # noqa: SIM115 - open for the server's lifetime
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "complaints_portal.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--error-logfile", "/tmp/bench_gunicorn.log"],
        cwd=ROOT, env=env, stdout=log, stderr=log,  # the portal's own log lines too
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


WORKER_QUEUES = ("notifications", "celery", "reports")


@contextlib.contextmanager
def celery_worker(db):
    """One Celery worker process on ``WORKER_QUEUES`` against ``db`` and the bench's broker
    (emptied first); on leaving, prints the messages still waiting per queue and stops it."""
    import redis

    broker = redis.Redis.from_url(ENV["CELERY_BROKER_URL"])
    broker.flushdb()
    env = {**os.environ, **ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}
    log = open("/tmp/bench_celery.log", "a")  # noqa: SIM115 - open for the worker's lifetime
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "complaints_portal", "worker", "-Q", ",".join(WORKER_QUEUES),
         "--concurrency", "1", "--hostname", "bench@%h", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    time.sleep(5)  # its start-up, before the load begins
    try:
        yield worker
    finally:
        print(json.dumps({"celery_backlog": {q: broker.llen(q) for q in WORKER_QUEUES}}), flush=True)
        worker.terminate()
        worker.wait(timeout=60)
        log.close()


def main():
    global PORT  # drive() and the server use the port chosen here
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=int, default=20)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--db", default="complaints_bench_kpi")
    p.add_argument("--scenario", default=",".join(SCENARIOS),
                   help=f"comma-separated subset of {', '.join(SCENARIOS)} (default: all)")
    p.add_argument("--no-pgbench", action="store_true", help="skip the pgbench context run")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3 for the 2 cores it shares with PostgreSQL and wrk)")
    p.add_argument("--port", type=int, default=PORT, help=f"port of the gunicorn started here (default {PORT})")
    p.add_argument("--celery-worker", action="store_true",
                   help="one Celery worker beside the server, paying for the tasks queued after commits")
    args = p.parse_args()
    wanted = [s.strip() for s in args.scenario.split(",") if s.strip()]
    unknown = set(wanted) - set(SCENARIOS)
    if unknown or not wanted:
        p.error(f"unknown scenario(s) {', '.join(sorted(unknown)) or '(none given)'}; choose from {', '.join(SCENARIOS)}")
    if args.seconds < 1 or args.concurrency < 1:
        p.error("--seconds and --concurrency must be at least 1")
    if not os.access(WRK, os.X_OK):
        p.error(f"wrk not found ({WRK}): apt-get install wrk")
    PORT = args.port
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            p.error(f"127.0.0.1:{PORT} is already in use (another server would be measured): use --port")
    creds = prepare(args.db)
    measured = {}  # scenario key -> requests/s
    print(json.dumps({"calibration_ms": calibration_ms(), "when": "before", "load": os.getloadavg()[0]}), flush=True)

    worker = celery_worker(args.db) if args.celery_worker else contextlib.nullcontext()
    with worker, gunicorn_server(args.db, args.workers, PORT) as server:
        for key, name, method, paths, headers, body, expect in scenarios(creds):
            if key not in wanted:
                continue
            # Warm-up on every connection, so that each worker has served (imports, translations,
            # templates, its database connection) before the measurement starts.
            drive(name, method, paths, headers, body, expect, 3, args.concurrency)
            result = drive(name, method, paths, headers, body, expect, args.seconds, args.concurrency)
            measured[key] = result["rps"]
            print(json.dumps(result, ensure_ascii=False), flush=True)
        print(json.dumps({"calibration_ms": calibration_ms(), "when": "after", "load": os.getloadavg()[0]}), flush=True)
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        for pid in workers:
            print(json.dumps({"gunicorn_worker": pid, **dict(rss_mb(pid))}), flush=True)
    if not args.no_pgbench:
        for line in pgbench_insert(args.db):
            print("pgbench one-row insert, 4 clients:", line, flush=True)
        # The database alone, after the server stopped: the same statements as the pages' data,
        # hand-written, 4 clients; the page's requests/s divided by these tps is its ratio.
        for key, script in hand_sql(creds).items():
            if key in wanted:
                result = pgbench_result(pgbench(args.db, script))
                rps = measured.get(key)
                print(json.dumps({"hand_sql": key, **result, "load": os.getloadavg()[0],
                                  "ratio_rps_to_sql_tps": round(rps / result["tps"], 3) if rps else None}), flush=True)


if __name__ == "__main__":
    main()
