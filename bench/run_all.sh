#!/usr/bin/env bash
# Every benchmark, end to end, on a machine with PostgreSQL (postgres@127.0.0.1, trust) and
# Redis (127.0.0.1:6379). Dedicated databases only: complaints_bench_kpi (1M cases),
# complaints_bench_import, complaints_beat_bench, complaints_bench_triage. Results go to stdout
# and bench/results/.
#   bench/run_all.sh [CASES]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-1000000}"
OUT="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
machine() { echo "# $(date -u) | $(nproc) cores | $(free -m | awk '/Mem:/{print $2}') MB RAM | load: $(cut -d' ' -f1-3 /proc/loadavg) | $(psql -h 127.0.0.1 -U postgres -Atc 'select version()' | cut -d, -f1)"; }
run() { local name="$1"; shift; echo "== $name"; machine | tee "$OUT/$name.txt"; "$@" 2>&1 | grep --line-buffered -v WARNING | tee -a "$OUT/$name.txt"; }

run import-100k .venv/bin/python bench/import_complaints.py 100000
# The import's peak RSS must stay flat as N grows: the same at ten times the rows.
run import-1m .venv/bin/python bench/import_complaints.py 1000000 --insert-only
# The KPI computation's peak RSS must stay flat as N grows too: a tenth of the cases first,
# in a database of its own.
run kpi-100k env BENCH_KPI_DB=complaints_bench_kpi_100k .venv/bin/python bench/kpi.py "$((CASES / 10))"
run kpi-and-dashboard .venv/bin/python bench/kpi.py "$CASES"
run load .venv/bin/python bench/load.py --seconds "${LOAD_SECONDS:-20}" --concurrency 4
# The dashboard's server time: one client at a time.
run load-dashboard-1 .venv/bin/python bench/load.py --seconds "${LOAD_SECONDS:-20}" --concurrency 1 \
  --scenario dashboard,dashboard_live --no-pgbench
run beat-sweep .venv/bin/python bench/beat_sweep.py --cases "$CASES" --reuse
# Triage suggestions: inference per case, the cost at registration, training at 431 and 20,000 cases.
run triage .venv/bin/python bench/triage.py --db complaints_bench_triage
echo "results in $OUT"
