#!/usr/bin/env bash
# A throw-away hot standby of the local PostgreSQL cluster, for the read-replica test.
#
#   tests/replica/standby.sh start   # pg_basebackup -R from 127.0.0.1:5432, start on 127.0.0.1:5433
#   tests/replica/standby.sh stop    # stop it and remove its data directory
#
# Runs the PostgreSQL binaries as the postgres OS user (the script itself must run as root or
# postgres). The primary needs a pg_hba line for replication connections from 127.0.0.1; the
# script adds it (once) and reloads the primary. Every failure exits non-zero with a message.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
STANDBY_PORT=${STANDBY_PORT:-5433}
STANDBY_DIR=${STANDBY_DIR:-/tmp/complaints-standby-$STANDBY_PORT}
# A physical replication slot keeps the primary's WAL until the standby has it (a busy primary
# otherwise recycles segments while the standby starts). Dropped again by "stop".
SLOT=${STANDBY_SLOT:-complaints_standby_$STANDBY_PORT}

fail() { echo "standby: $*" >&2; exit 1; }

version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$version" ] || fail "no PostgreSQL cluster in /etc/postgresql"
BIN=/usr/lib/postgresql/$version/bin
[ -x "$BIN/pg_basebackup" ] || fail "$BIN/pg_basebackup not found"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

start() {
  pg_isready -h 127.0.0.1 -p "$PRIMARY_PORT" -q || fail "the primary on port $PRIMARY_PORT is not running"
  if pg_isready -h 127.0.0.1 -p "$STANDBY_PORT" -q; then
    fail "port $STANDBY_PORT is already in use (a standby left running? tests/replica/standby.sh stop)"
  fi
  [ ! -e "$STANDBY_DIR" ] || fail "$STANDBY_DIR exists (left over? tests/replica/standby.sh stop)"

  hba=$(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc "SHOW hba_file")
  if ! psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc \
      "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND address = '127.0.0.1'" | grep -q 1; then
    echo "standby: allowing replication connections from 127.0.0.1 in $hba"
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qAtc "SELECT pg_reload_conf()" >/dev/null
  fi

  drop_slot
  mkdir -p "$STANDBY_DIR"
  chown postgres: "$STANDBY_DIR" 2>/dev/null || true
  chmod 700 "$STANDBY_DIR"
  # -R writes standby.signal, primary_conninfo and primary_slot_name; -C -S creates the slot.
  # Three attempts: on a shared cluster another job may terminate every backend meanwhile.
  for attempt in 1 2 3; do
    if as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY_DIR/data" \
        -R -X stream -C -S "$SLOT" -c fast; then
      break
    fi
    drop_slot
    [ "$attempt" -lt 3 ] || fail "pg_basebackup from port $PRIMARY_PORT failed three times"
    echo "standby: pg_basebackup failed, retrying" >&2
    sleep 2
  done
  # Debian keeps the configuration outside the data directory: give the standby its own.
  as_postgres tee "$STANDBY_DIR/data/postgresql.conf" >/dev/null <<EOF
port = $STANDBY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$STANDBY_DIR'
hot_standby = on
shared_buffers = 128MB
# A throw-away copy: no need to survive a crash, and replay keeps up better on a busy machine.
fsync = off
hba_file = '$STANDBY_DIR/data/pg_hba.conf'
EOF
  as_postgres tee "$STANDBY_DIR/data/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres "$BIN/pg_ctl" -D "$STANDBY_DIR/data" -l "$STANDBY_DIR/standby.log" -w -t 60 start \
    || { tail -20 "$STANDBY_DIR/standby.log" >&2; fail "the standby did not start (log above)"; }
  in_recovery=$(psql -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -Atc "SELECT pg_is_in_recovery()")
  [ "$in_recovery" = t ] || fail "the server on port $STANDBY_PORT is not in recovery"
  streaming=""
  for _ in $(seq 30); do
    streaming=$(psql -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -Atc "SELECT status FROM pg_stat_wal_receiver")
    [ "$streaming" = streaming ] && break
    sleep 1
  done
  [ "$streaming" = streaming ] || fail "the standby on port $STANDBY_PORT is not streaming from the primary"
  echo "standby: hot standby streaming on 127.0.0.1:$STANDBY_PORT ($STANDBY_DIR)"
}

drop_slot() {
  psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qAtc \
    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" \
    >/dev/null || echo "standby: could not drop the replication slot $SLOT on port $PRIMARY_PORT" >&2
}

stop() {
  if [ -f "$STANDBY_DIR/data/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$STANDBY_DIR/data" -m fast -w stop || true
  fi
  rm -rf "$STANDBY_DIR"
  drop_slot
  echo "standby: stopped, $STANDBY_DIR removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) fail "usage: $0 start|stop" ;;
esac
