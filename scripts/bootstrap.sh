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

# install_lock LOCK: pip-install LOCK unless it (or requirements.lock) is unchanged since last time.
install_lock() {
  local lock=$1 stamp=.venv/.installed-$(basename "$1")
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock" || return 1
    touch "$stamp"
  fi
}

# install_ldap: directory sign-in's python-ldap (requirements-ldap.lock) is built from source
# against OpenLDAP's and SASL's headers. As root on Debian they are installed when missing;
# without them (or without root) the directory tests are skipped and everything else runs.
install_ldap() {
  if [ ! -f /usr/include/ldap.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing the OpenLDAP and SASL headers for python-ldap (apt-get)…" >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libldap-dev libsasl2-dev; } \
        >/dev/null 2>&1 || true
    fi
  fi
  install_lock requirements-ldap.lock 2>/dev/null \
    || echo "python-ldap could not be built (libldap-dev, libsasl2-dev missing): directory sign-in tests will be skipped." >&2
}

install_lock "${1:-requirements.lock}"
