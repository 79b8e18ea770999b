"""In-process cost of the read pages: CPU and database time per request, no HTTP, no client.

    .venv/bin/python bench/profile_pages.py [--requests 200] [--db complaints_bench_kpi]
                                            [--scenario queue|list_api|case_page|all] [--profile N]

Uses the same database, users and production settings as bench/load.py (run bench/kpi.py
first) and calls the WSGI application directly, so every request goes through the whole
middleware stack, session and token authentication, the view and the template, exactly as
under gunicorn. Per scenario it prints the median and p95 of the Python CPU time of this
process (time.process_time: what the web worker burns), the wall time, the number of queries
and the time spent waiting on them, with the 1-minute load average. CPU time is the steadier
figure on a shared machine: it does not count time spent waiting for a core.

``--profile N`` also runs cProfile over the requests and prints the N most expensive functions
(own time and cumulative); ``--dump PREFIX`` writes the profile to ``PREFIX<scenario>.pstats``.
"""
import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import calibration_ms, prepare, scenario_requests  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--db", default="complaints_bench_kpi")
    p.add_argument("--scenario", default="all", choices=["all", "queue", "list_api", "case_page"])
    p.add_argument("--profile", type=int, default=0, metavar="N")
    p.add_argument("--dump", metavar="PREFIX", help="with --profile: also write PREFIX<scenario>.pstats")
    args = p.parse_args()
    creds = prepare(args.db)
    print(json.dumps({"calibration_ms": calibration_ms(), "load": round(os.getloadavg()[0], 2)}), flush=True)

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()
    stats = {"queries": 0, "db": 0.0}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stats["queries"] += 1
            stats["db"] += time.perf_counter() - started

    def call(method, path, headers):
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8099", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status = []
        body = b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
        return status[0], body

    wanted = {"queue": "department queue page (HTML)",
              "list_api": "list API, one department's open cases by due date",
              "case_page": "case page with history (HTML)"}
    keys = list(wanted) if args.scenario == "all" else [args.scenario]
    for key in keys:
        name = wanted[key]
        method, paths, headers = scenario_requests(creds)[name]
        for i in range(20):  # warm-up: templates, translations, connection
            status, body = call(method, paths[i % len(paths)], headers)
            if not status.startswith("200"):
                raise SystemExit(f"{name}: {status} {body[:300]!r}")
        gc.freeze()  # as each gunicorn worker does once started (gunicorn.conf.py)
        cpu, wall, queries, db = [], [], [], []
        profiler = cProfile.Profile() if args.profile else None
        with connection.execute_wrapper(timed):
            for i in range(args.requests):
                stats.update(queries=0, db=0.0)
                c0, w0 = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                call(method, paths[i % len(paths)], headers)
                if profiler:
                    profiler.disable()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                queries.append(stats["queries"])
                db.append(stats["db"] * 1000)

        def p95(values):
            return sorted(values)[int(0.95 * (len(values) - 1))]

        print(json.dumps({
            "scenario": name, "requests": args.requests, "bytes": len(body),
            "cpu_ms_median": round(statistics.median(cpu), 2), "cpu_ms_p95": round(p95(cpu), 2),
            "wall_ms_median": round(statistics.median(wall), 2), "wall_ms_p95": round(p95(wall), 2),
            "queries": max(queries), "db_wait_ms_median": round(statistics.median(db), 2),
            "load": round(os.getloadavg()[0], 2),
        }, ensure_ascii=False), flush=True)
        if profiler:
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
                print(out.getvalue())
            if args.dump:
                profiler.dump_stats(f"{args.dump}{key}.pstats")


if __name__ == "__main__":
    main()
