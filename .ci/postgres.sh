#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the storage tests and print the URL.
#
#   eval "$(bash .ci/postgres.sh)"      # sets PAPERWALL_TEST_PG_URL
#
# Runs as root in a Debian container without systemd: installs the server with
# apt-get when missing, then runs its own cluster (initdb into a private data
# directory, pg_ctl as the postgres user) so it never depends on the state of
# the distribution's "main" cluster.  Idempotent: a second call reuses the
# running server.  Only the export line goes to stdout; progress goes to stderr.
set -euo pipefail

PORT="${PAPERWALL_PG_PORT:-55432}"
DATA="${PAPERWALL_PG_DIR:-/var/tmp/paperwall-pg}"
ROLE="paperwall"
PASSWORD="paperwall"
DB="paperwall_test"

log() { echo "postgres.sh: $*" >&2; }

# Newest installed server's bin directory, or nothing.
find_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

BIN="$(find_bindir)"
if [ -z "$BIN" ]; then
  log "no PostgreSQL server found; installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bindir)"
  [ -n "$BIN" ] || { log "postgresql installed but no server binaries found"; exit 1; }
fi
log "using $BIN"

if ! getent passwd postgres >/dev/null; then
  log "creating the postgres system user"
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

# The server refuses to run as root: everything server-side runs as postgres.
as_pg() { runuser -u postgres -- "$@"; }

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  log "server already running on 127.0.0.1:$PORT"
else
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initdb into $DATA"
    mkdir -p "$DATA"
    chown postgres:postgres "$DATA"
    chmod 700 "$DATA"
    # Local socket connections trust (admin setup below); TCP needs the password.
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >&2
  fi
  log "starting the server on 127.0.0.1:$PORT"
  # fsync off: a test server whose data is disposable; it makes DDL-heavy tests fast.
  # Retried: a server killed a moment ago may still hold its lock file.
  started=""
  for attempt in 1 2 3; do
    if as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2; then
      started=1
      break
    fi
    log "start attempt $attempt failed; retrying"
    sleep 3
  done
  if [ -z "$started" ]; then
    log "server failed to start; log follows"
    tail -n 50 "$DATA/server.log" >&2 || true
    exit 1
  fi
fi

psql_admin() {
  as_pg "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

log "ensuring role $ROLE (CREATEDB: the tests make a database per test) and database $DB"
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END \$\$;" >&2
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

log "ready"
echo "export PAPERWALL_TEST_PG_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
