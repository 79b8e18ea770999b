"""Cost of one intake API POST, in-process: CPU per POST in Python and in PostgreSQL, queries.

    .venv/bin/python bench/intake_profile.py [-n 500] [--db complaints_bench_intake]
                                             [--profile 30] [--show-queries] [--reconnect]

Production settings (as bench/load.py runs gunicorn), a PostgreSQL database of its own
(created and migrated if missing) with the calendar loaded (load_cn_calendar 2025–2027) and the
department and clerk that bench/load.py prepares. The POSTs go through the whole Django stack
(middleware, DRF token authentication, serializers, the intake service, the response) with the
test client, no network, each with a unique body like load.py's intake scenario.

Prints, per POST: the process CPU time of this Python process (time.process_time), the CPU time
of the PostgreSQL backend serving the connection (/proc/<pid>/stat, same machine), wall time,
and the number of queries; `--profile N` then runs the POSTs again under cProfile and prints
the top N functions by own and by cumulative CPU time; `--show-queries` prints the SQL of one
POST. `--reconnect` closes the database connection after every POST, as CONN_MAX_AGE=0 does
under gunicorn (PostgreSQL's CPU then includes the new backend of every request, which the
figure cannot see: it is the CPU of backends that have exited — use the load run for that).
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ENV as LOAD_ENV  # noqa: E402 - the load run's production settings

# As the load run's gunicorn, with Redis databases of its own.
ENV = {**LOAD_ENV, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8", "CACHE_URL": "redis://127.0.0.1:6379/8"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def prepare(db):
    """Migrated database, calendar, department D0 and the clerk with an API token."""
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from _setup import use_database

    use_database(db)
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from cases.management.commands.load_cn_calendar import load_cn_years
    from cases.models import Department

    load_cn_years([2025, 2026, 2027])
    Department.objects.get_or_create(code="D0", defaults={"name": "Department 0"})
    clerk, _ = User.objects.get_or_create(username="bench_clerk", defaults={"email": "bench_clerk@example.com"})
    clerk.groups.set([Group.objects.get_or_create(name="intake_clerk")[0]])
    return Token.objects.get_or_create(user=clerk)[0].key


def backend_cpu(pid):
    """utime + stime of a PostgreSQL backend, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Counter:
    """execute_wrapper that counts queries (cheap enough to stay on in the timed run)."""

    def __init__(self):
        self.n = 0
        self.sql = []
        self.keep = False

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        if self.keep:
            self.sql.append(sql)
        return execute(sql, params, many, context)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=500, help="timed POSTs (default 500)")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--db", default="complaints_bench_intake")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions under cProfile")
    p.add_argument("--show-queries", action="store_true")
    p.add_argument("--dump", metavar="PATH", help="with --profile: also write the cProfile statistics to PATH")
    p.add_argument("--reconnect", action="store_true", help="close the connection after every POST (CONN_MAX_AGE=0)")
    args = p.parse_args()
    if args.n < 1 or args.warmup < 0 or args.profile < 0:
        p.error("-n must be ≥ 1, --warmup and --profile ≥ 0")

    token = prepare(args.db)
    from django.db import connection
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    run_id = time.strftime("%H%M%S")
    counter = Counter()
    seq = iter(range(10**9))

    def post():
        i = next(seq)
        body = json.dumps({
            "channel": "hotline", "category": "service", "summary": f"profile {run_id} {i}", "description": "load run",
            "customer": {"name": "张三", "phone": f"139{i:08d}"[-11:]},
        })
        response = client.post("/api/v1/complaints/", body, content_type="application/json", HTTP_ACCEPT="application/json")
        if response.status_code != 201:
            raise SystemExit(f"POST {i}: {response.status_code} {response.content[:300]!r}")
        if args.reconnect:
            connection.close()
        return response

    with connection.execute_wrapper(counter):
        for _ in range(args.warmup):
            post()
        if args.show_queries:
            counter.keep, counter.sql = True, []
            post()
            counter.keep = False
            print(f"-- queries of one POST ({len(counter.sql)}):")
            for sql in counter.sql:
                print("  ", sql[:300])

        connection.ensure_connection()
        pid = connection.cursor().connection.info.backend_pid if not args.reconnect else None
        counter.n = 0
        cpu, wall, db_cpu = [], [], 0.0
        db_before = backend_cpu(pid) if pid else 0.0
        for _ in range(args.n):
            c0, w0 = time.process_time(), time.perf_counter()
            post()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        if pid:
            db_cpu = backend_cpu(pid) - db_before
        queries = counter.n / args.n

    def ms(values, q):
        return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

    result = {
        "posts": args.n,
        "python_cpu_ms_per_post": round(sum(cpu) / args.n * 1000, 2),
        "python_cpu_ms_p50": round(ms(cpu, 50), 2),
        "postgres_cpu_ms_per_post": round(db_cpu / args.n * 1000, 2) if pid else None,
        "wall_ms_p50": round(ms(wall, 50), 2),
        "wall_ms_p95": round(ms(wall, 95), 2),
        "queries_per_post": round(queries, 2),
        "posts_per_cpu_second": round(args.n / (sum(cpu) + db_cpu), 1),
        "reconnect": args.reconnect,
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result), flush=True)

    if args.profile:
        # CPU time, not wall time: on a shared machine the wall clock is mostly waiting.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.n):
            post()
        profiler.disable()
        if args.dump:
            profiler.dump_stats(args.dump)
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
            stats.print_stats(args.profile)
            print(f"-- cProfile over {args.n} POSTs, by {order}:")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()
                            and not line.startswith(("   Ordered", "   List reduced"))))


if __name__ == "__main__":
    main()
