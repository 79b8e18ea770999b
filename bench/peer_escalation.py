"""Benchmark (not a test): our deadline sweep against django-helpdesk's `escalate_tickets`, per
escalation, side by side in one run.

    .venv/bin/python bench/peer_escalation.py --peer-dir /work/peer-helpdesk \\
        [--cases 200000] [--open 40000] [--due 20000] [--peer-tickets 20000] [--pairs 3] [--reuse]

The peer is a copy of the anchor benchmark's directory (django-helpdesk 2.6.1, see its README:
`python3 -m venv .venv && .venv/bin/pip install -r requirements.txt` inside the copy, and a
PostgreSQL role helpdesk/helpdesk with CREATEDB); its path comes from --peer-dir or
PEER_HELPDESK_DIR. Nothing of the peer is part of this repository.

Two template databases are built once (kept with --reuse):
- ours (`peer_ours_tmpl`): bench/beat_sweep.py's backlog (`--cases`, `--open`) with `--due` open
  deadline rows made newly overdue (due yesterday, nothing stamped yet);
- the peer's (`peer_helpdesk_tmpl`): its migrations and its seed.py with `--peer-tickets`
  tickets (its default is 100,000, ~23k escalated in 8-10 minutes a pass).
Each run works on a fresh copy (CREATE DATABASE ... TEMPLATE ...), so every pass starts from the
same backlog. Then `--pairs` times, alternately: the peer's escalate_tickets (timed by its own
escalate_timed.py: wall time of the command / tickets escalated) and our sweep (timed around
run_sweep in its own process: wall time / deadlines escalated). Prints ms per escalation of each,
the ratio per pair and the median ratio, with the machine's load and a CPU calibration.

Settings: DATABASE_URL (our server and user; the database name is replaced), default
postgres://postgres@127.0.0.1:5432. Our notifications' emails are queued to Celery after each
chunk's commit; the broker is CELERY_BROKER_URL (default memory://), no worker runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OURS_TMPL, OURS_RUN = "peer_ours_tmpl", "peer_ours_run"
PEER_TMPL, PEER_RUN = "peer_helpdesk_tmpl", "peer_helpdesk_run"
PEER_URL = "postgres://helpdesk:helpdesk@127.0.0.1:5432"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peer-dir", default=os.environ.get("PEER_HELPDESK_DIR"))
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--open", type=int, default=40_000)
    p.add_argument("--due", type=int, default=20_000)
    p.add_argument("--peer-tickets", type=int, default=20_000)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--reuse", action="store_true", help="keep existing template databases")
    p.add_argument("--code", default=str(ROOT),
                   help="the checkout whose sweep is timed (e.g. an older commit's, extracted with git archive)")
    p.add_argument("--run-ours", metavar="DB", help=argparse.SUPPRESS)  # the child process
    p.add_argument("--fill-ours", metavar="DB", help=argparse.SUPPRESS)  # the child process
    return p.parse_args()


def server_url():
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


def admin(url, sql, params=None):
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        return conn.execute(sql, params).fetchall() if sql.lstrip().upper().startswith("SELECT") else \
            conn.execute(sql, params)


def exists(url, name):
    return bool(admin(url, "SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def copy_database(url, template, name):
    admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    t = time.perf_counter()
    admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return time.perf_counter() - t


def load():
    return os.getloadavg()


def calibration():
    """Seconds for a fixed pure-Python loop: the machine's speed at that moment."""
    t = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return time.perf_counter() - t


# -- ours -------------------------------------------------------------------------------------
def fill_ours(name, args):
    """Child process: build our template database with its newly overdue backlog."""
    import beat_sweep

    beat_sweep.ensure_database(name, reuse=False)
    beat_sweep.setup_django(name)
    beat_sweep.fill(args.cases, args.open)
    beat_sweep.make_newly_due(args.due)


def run_ours(name, code):
    """Child process: one sweep of the checkout ``code`` on database ``name``; prints its JSON."""
    import beat_sweep  # (it puts this checkout first on the path: ``code`` goes before it)

    sys.path.insert(0, code)
    beat_sweep.setup_django(name)
    from django.db import connection

    import cases
    from cases.sweep import run_sweep

    assert Path(cases.__file__).resolve().is_relative_to(Path(code).resolve()), cases.__file__

    connection.ensure_connection()
    t = time.perf_counter()
    result = run_sweep(beat_sweep.NOW)
    wall = time.perf_counter() - t
    print(json.dumps({"wall_s": round(wall, 2), "escalated": result["overdue"], "level2": result["escalated"],
                      "notifications": result["notifications"],
                      "ms_per_escalated": round(wall * 1000 / result["overdue"], 3) if result["overdue"] else None}))


def child(*extra, cwd=ROOT):
    # DEBUG off as in production (and as the peer runs): with it on, Django keeps every query.
    env = dict(os.environ, CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "memory://"), DEBUG="false")
    out = subprocess.run([sys.executable, __file__, *extra], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


# -- the peer ---------------------------------------------------------------------------------
def peer_env(peer, name):
    return dict(os.environ, PGDATABASE=name, PGUSER="helpdesk", PGPASSWORD="helpdesk", PGHOST="127.0.0.1",
                DJANGO_SETTINGS_MODULE="benchproj.settings")


def fill_peer(peer, args):
    admin(PEER_URL, f'DROP DATABASE IF EXISTS "{PEER_TMPL}" WITH (FORCE)')
    admin(PEER_URL, f'CREATE DATABASE "{PEER_TMPL}"')
    py = str(Path(peer) / ".venv" / "bin" / "python")
    env = peer_env(peer, PEER_TMPL)
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=peer, env=env, check=True)
    subprocess.run([py, "seed.py", "--tickets", str(args.peer_tickets), "--out", "/tmp/peer_escalation_seed.json"],
                   cwd=peer, env=env, check=True, capture_output=True)


def run_peer(peer, label):
    py = str(Path(peer) / ".venv" / "bin" / "python")
    out = f"/tmp/peer_escalation_{label}.json"
    subprocess.run([py, "escalate_timed.py", label, out], cwd=peer, env=peer_env(peer, PEER_RUN), check=True,
                   capture_output=True)
    with open(out) as f:
        return json.load(f)


def main():
    args = parse_args()
    if args.fill_ours:
        return fill_ours(args.fill_ours, args)
    if args.run_ours:
        return run_ours(args.run_ours, args.code)
    if not args.peer_dir or not Path(args.peer_dir, "escalate_timed.py").exists():
        sys.exit("--peer-dir (or PEER_HELPDESK_DIR): a copy of the django-helpdesk anchor benchmark with its .venv")
    ours_url = server_url()
    t = time.perf_counter()
    if not (args.reuse and exists(ours_url, OURS_TMPL)):
        child("--fill-ours", OURS_TMPL, "--cases", str(args.cases), "--open", str(args.open), "--due", str(args.due))
        print(f"ours: template filled in {time.perf_counter() - t:.0f} s "
              f"({args.cases} cases, {args.open} open, {args.due} newly overdue deadlines)")
    t = time.perf_counter()
    if not (args.reuse and exists(PEER_URL, PEER_TMPL)):
        fill_peer(args.peer_dir, args)
        print(f"peer: template filled in {time.perf_counter() - t:.0f} s ({args.peer_tickets} tickets)")
    print(f"our sweep: {args.code}; cpus: {os.cpu_count()}, load before: {'/'.join(f'{x:.2f}' for x in load())}, "
          f"calibration loop: {calibration():.2f} s")
    ratios = []
    for pair in range(1, args.pairs + 1):
        copy_database(PEER_URL, PEER_TMPL, PEER_RUN)
        peer_load, peer_cal = load()[0], calibration()
        peer = run_peer(args.peer_dir, f"pair{pair}")
        copy_database(ours_url, OURS_TMPL, OURS_RUN)
        ours_load, ours_cal = load()[0], calibration()
        # In the checkout: the settings put the working directory first on the path.
        ours = json.loads(child("--run-ours", OURS_RUN, "--code", args.code, cwd=args.code))
        ratio = peer["ms_per_escalated"] / ours["ms_per_escalated"]
        ratios.append(ratio)
        print(f"pair {pair}: peer {peer['escalated']} tickets in {peer['wall_s']:.1f} s = "
              f"{peer['ms_per_escalated']:.2f} ms each (load {peer_load:.2f}, calibration {peer_cal:.2f} s); "
              f"ours {ours['escalated']} deadlines in {ours['wall_s']:.2f} s = {ours['ms_per_escalated']:.3f} ms each "
              f"({ours['notifications']} notifications; load {ours_load:.2f}, calibration {ours_cal:.2f} s); "
              f"ratio {ratio:.1f}x", flush=True)
    print(f"median ratio: {statistics.median(ratios):.1f}x (pairs: {', '.join(f'{r:.1f}x' for r in ratios)})")
    for name, url in ((PEER_RUN, PEER_URL), (OURS_RUN, ours_url)):
        admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
