# Shared by scripts/run-portal and scripts/run-tests: a virtualenv with the pinned dependencies.
# Re-installs only when a lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1))." >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
lock=${1:-requirements.lock}
stamp=.venv/.installed-$(basename "$lock")
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ] \
   || [ requirements-ldap.lock -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
  touch "$stamp"
fi
