"""The portal against its peer, django-helpdesk, over HTTP in one run: alternating pairs.

    .venv/bin/python bench/peer_http.py --peer-dir /path/to/django-helpdesk-bench
        [--template complaints_bench_1m] [--db complaints_peer_http] [--peer-template helpdesk_peer_tpl]
        [--peer-db helpdesk_peer_http] [--pairs 3] [--seconds 20] [--slow-seconds 40]
        [--pair queue,case_page,intake,dashboard_c1,dashboard_c4] [--port 8099] [--peer-port 8098]

The peer is the anchor benchmark kept outside this repository (``--peer-dir`` or
``$PEER_HELPDESK_DIR``: django-helpdesk 2.6.1 with its ``.venv``, ``seed.py``, ``prep_session.py``
and ``wrk/*.lua``; see its README). Its database is a copy of ``--peer-template`` (seed it once
with the peer's ``manage.py migrate`` and ``seed.py``; role ``helpdesk``), ours a copy of
``--template`` (a database ``bench/kpi.py`` filled, 1,000,000 cases): each run starts from the
same rows, whatever earlier runs' intakes added. Both servers run side by side (ours: gunicorn
as ``bench/load.py`` starts it, 3 workers; the peer's: gunicorn, 2 sync workers, as its
``run.sh``), and each pair measures ours then the peer's (the order flips every other pair),
with a warm-up before each side's first run of a scenario:

| pair | ours (``bench/load.py`` scenario) | peer (its wrk script) |
|---|---|---|
| queue | department queue page | ticket list DataTables JSON (25 rows; what its list page loads) |
| case_page | case page with history | ticket view (random ticket) |
| intake | intake API POST | public submit form POST (anonymous) |
| dashboard_c1, dashboard_c4 | dashboard of a full quarter in progress | staff dashboard |

every one at 4 connections except ``dashboard_c1`` (one). Each pair prints requests/s, p50 and
p95 of both and the ratios (ours/peer in requests/s, peer/ours in latency); then the median
of each over the pairs. Around the pairs: the calibration figure of ``bench/load.py`` (before
and after), and, with both servers stopped, pgbench's one-row insert on our database (4
clients, as ``bench/load.py``), with the intake's median requests/s as a fraction of it.
The peer's server log goes to /tmp/bench_peer_gunicorn.log.
"""
import argparse
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402 - next to this file

PAIRS = ("queue", "case_page", "intake", "dashboard_c1", "dashboard_c4")
# pair -> (our scenario key, peer wrk script, peer path (None: its script picks), connections, slow)
PAIR_SPEC = {
    "queue": ("queue", "wrk/get.lua", "DT_PATH", 4, False),
    "case_page": ("case_page", "wrk/ticket_view.lua", None, 4, False),
    "intake": ("intake", "wrk/post_public.lua", None, 4, False),
    "dashboard_c1": ("dashboard_live", "wrk/get.lua", "/helpdesk/dashboard/", 1, True),
    "dashboard_c4": ("dashboard_live", "wrk/get.lua", "/helpdesk/dashboard/", 4, True),
}


def psql(*args, user="postgres", db="postgres"):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", user, "-d", db, "-v", "ON_ERROR_STOP=1", *args],
                   check=True, env={**os.environ, "PGPASSWORD": "helpdesk"})


def copy_database(name, template, owner="postgres"):
    psql("-c", f'DROP DATABASE IF EXISTS "{name}"')
    psql("-c", f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER "{owner}"')


def port_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Peer:
    """django-helpdesk under gunicorn (2 sync workers, as its run.sh), driven by its wrk scripts."""

    def __init__(self, directory, db, port, workers):
        self.dir, self.port, self.workers = Path(directory), port, workers
        # Not ours: load.prepare() put our settings into this process's environment.
        ours = {*load.ENV, "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        self.env = {**{k: v for k, v in os.environ.items() if k not in ours}, "DJANGO_SETTINGS_MODULE": "benchproj.settings",
                    "PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "helpdesk", "PGPASSWORD": "helpdesk",
                    "PGDATABASE": db}
        self.server = None
        self.session = {}

    def start(self):
        self.log = open("/tmp/bench_peer_gunicorn.log", "a")  # noqa: SIM115 - open for the server's lifetime
        self.server = subprocess.Popen(
            [str(self.dir / ".venv/bin/gunicorn"), "benchproj.wsgi:application", "--workers", str(self.workers),
             "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}", "--timeout", "300"],
            cwd=self.dir, env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(100):
            if not port_free(self.port):
                break
            time.sleep(0.2)
        time.sleep(1)
        # The peer's own session preparation: logs in through its form, finds the DataTables URL,
        # checks every page answers 200; prints `export NAME='value'` lines.
        out = subprocess.run([str(self.dir / ".venv/bin/python"), "prep_session.py", f"http://127.0.0.1:{self.port}",
                              "agent01", "bench-pass"], cwd=self.dir, env=self.env, capture_output=True, text=True,
                             check=False)
        if out.returncode:
            raise SystemExit(f"the peer's prep_session.py failed:\n{out.stderr[-2000:]}")
        out = out.stdout
        for line in out.splitlines():
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                self.session[name] = shlex.split(value)[0]

    def stop(self):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=60)
            self.log.close()

    def drain(self):
        """Wait until the peer has no client socket left: wrk abandons in-flight requests when it
        stops, a sync worker still finishes them (seconds on the dashboard); as its run.sh does."""
        for _ in range(600):
            out = subprocess.run(["ss", "-Htn", "state", "all", f"( sport = :{self.port} )"],
                                 capture_output=True, text=True).stdout
            if not [line for line in out.splitlines() if "LISTEN" not in line and "TIME-WAIT" not in line]:
                return
            time.sleep(0.2)

    def drive(self, script, path, seconds, connections):
        url = f"http://127.0.0.1:{self.port}" + (self.session[path] if path == "DT_PATH" else path or "")
        threads = min(2, connections)
        out = subprocess.run([load.WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s",
                              "--latency", "-s", script, url], cwd=self.dir, env={**self.env, **self.session},
                             capture_output=True, text=True, check=True).stdout
        self.drain()
        line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
        result = json.loads(line.removeprefix("WRK_JSON "))
        errors = sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))
        return {"rps": result["rps"], "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"],
                "requests": result["requests"], "errors": errors, "load": os.getloadavg()[0]}


def ratios(ours, peer):
    """ours/peer in requests/s, peer/ours in latency (above 1: ours is better); None when the
    peer finished no request (a run shorter than its page)."""
    if not peer["requests"] or not ours["requests"]:
        return {"rps_ratio": None, "p50_ratio": None, "p95_ratio": None}
    return {"rps_ratio": round(ours["rps"] / peer["rps"], 2), "p50_ratio": round(peer["p50_ms"] / ours["p50_ms"], 2),
            "p95_ratio": round(peer["p95_ms"] / ours["p95_ms"], 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peer-dir", default=os.environ.get("PEER_HELPDESK_DIR"),
                   help="the peer benchmark's directory, with its .venv (or $PEER_HELPDESK_DIR)")
    p.add_argument("--template", default="complaints_bench_1m", help="our database filled by bench/kpi.py")
    p.add_argument("--db", default="complaints_peer_http", help="our copy, made afresh from --template")
    p.add_argument("--peer-template", default="helpdesk_peer_tpl", help="the peer's seeded database")
    p.add_argument("--peer-db", default="helpdesk_peer_http", help="the peer's copy, made afresh")
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--seconds", type=int, default=20, help="per measured run")
    p.add_argument("--slow-seconds", type=int, default=40, help="per measured dashboard run (the peer's takes seconds)")
    p.add_argument("--pair", default=",".join(PAIRS), help=f"comma-separated subset of {', '.join(PAIRS)}")
    p.add_argument("--workers", type=int, default=3, help="our gunicorn workers (bench/load.py's default)")
    p.add_argument("--peer-workers", type=int, default=2, help="the peer's (its run.sh: 2)")
    p.add_argument("--port", type=int, default=8099)
    p.add_argument("--peer-port", type=int, default=8098)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/5",
                   help="our broker and cache (nothing consumes the intake's tasks during the run)")
    args = p.parse_args()
    wanted = [s.strip() for s in args.pair.split(",") if s.strip()]
    if not args.peer_dir or not (Path(args.peer_dir) / ".venv/bin/gunicorn").exists():
        p.error("--peer-dir (or $PEER_HELPDESK_DIR): the peer benchmark's directory with its .venv")
    if set(wanted) - set(PAIRS) or not wanted:
        p.error(f"--pair: choose from {', '.join(PAIRS)}")
    for port in (args.port, args.peer_port):
        if not port_free(port):
            p.error(f"127.0.0.1:{port} is already in use")
    load.ENV.update({"CELERY_BROKER_URL": args.redis, "CACHE_URL": args.redis})

    copy_database(args.db, args.template)
    copy_database(args.peer_db, args.peer_template, owner="helpdesk")
    creds = load.prepare(args.db)
    ours_by_key = {row[0]: row for row in load.scenarios(creds)}
    print(json.dumps({"calibration_ms": load.calibration_ms(), "when": "before", "load": os.getloadavg()[0],
                      "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}), flush=True)

    peer = Peer(args.peer_dir, args.peer_db, args.peer_port, args.peer_workers)
    results = {name: [] for name in wanted}
    with load.gunicorn_server(args.db, args.workers, args.port):
        try:
            peer.start()

            def ours(pair, seconds):
                _, name, method, paths, headers, body, expect = ours_by_key[PAIR_SPEC[pair][0]]
                return load.drive(name, method, paths, headers, body, expect, seconds, PAIR_SPEC[pair][3],
                                  port=args.port)

            def theirs(pair, seconds):
                _, script, path, connections, _ = PAIR_SPEC[pair]
                return peer.drive(script, path, seconds, connections)

            for pair in wanted:
                seconds = args.slow_seconds if PAIR_SPEC[pair][4] else args.seconds
                ours(pair, 3)  # warm-up on every connection, each side
                theirs(pair, 3 if not PAIR_SPEC[pair][4] else 10)
                for i in range(args.pairs):
                    sides = [("ours", ours), ("peer", theirs)]
                    if i % 2:
                        sides.reverse()
                    measured = {side: run(pair, seconds) for side, run in sides}
                    row = {"pair": pair, "n": i + 1, "first": sides[0][0],
                           "ours": {k: measured["ours"][k] for k in ("rps", "p50_ms", "p95_ms", "requests", "errors")},
                           "peer": {k: measured["peer"][k] for k in ("rps", "p50_ms", "p95_ms", "requests", "errors")},
                           **ratios(measured["ours"], measured["peer"]), "load": os.getloadavg()[0]}
                    results[pair].append(row)
                    print(json.dumps(row), flush=True)
        finally:
            peer.stop()
    print(json.dumps({"calibration_ms": load.calibration_ms(), "when": "after", "load": os.getloadavg()[0]}),
          flush=True)

    insert = load.pgbench_result(load.pgbench_insert(args.db))
    print(json.dumps({"pgbench_one_row_insert_4_clients": insert, "load": os.getloadavg()[0]}), flush=True)
    for pair, rows in results.items():
        if not rows:
            continue
        summary = {"pair": pair, "median": True}
        for side in ("ours", "peer"):
            summary[side] = {k: round(statistics.median(r[side][k] for r in rows), 1) for k in ("rps", "p50_ms", "p95_ms")}
        for k in ("rps_ratio", "p50_ratio", "p95_ratio"):
            values = [r[k] for r in rows if r[k] is not None]
            summary[k] = statistics.median(values) if values else None
        if pair == "intake" and insert.get("tps"):
            summary["pgbench_insert_tps"] = insert["tps"]
            summary["intake_fraction_of_pgbench"] = f"1/{insert['tps'] / summary['ours']['rps']:.1f}"
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
