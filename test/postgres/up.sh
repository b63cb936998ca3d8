#!/bin/bash
# Bring up the PostgreSQL the test suite uses (Debian 12's postgresql-15), on 127.0.0.1:$BASCULE_PG_PORT
# (default 55432), without systemd: its own cluster in /var/lib/bascule-postgres, started with pg_ctl as the
# postgres user. Creates the role and database bascule_test and writes the connection URL to
# test/postgres/state/url (mode 0600). The tests make a database of their own per test file from it.
#
# Idempotent: a second run finds the package, the cluster and the running server, and takes a second.
# Each stage prints its duration. Installing the package needs root; the rest runs as root (the server then
# runs as the postgres user) or as the user owning $BASCULE_PG_MACHINE.
# The password is generated once, kept in /var/lib/bascule-postgres/password (0600) and never printed.
set -Eeuo pipefail
SCRIPT_TAG=pg-up
source "$(dirname "$0")/lib/common.sh"
mkdir -p "$STATE"
chmod 0700 "$STATE"
take_machine_lock
T_ALL=$(now)
STAGE_T0=0
STAGE_NAME=
stage() { STAGE_NAME=$1; STAGE_T0=$(now); }
stage_done() {
  say "stage $STAGE_NAME: $(( $(now) - STAGE_T0 ))s${1:+ ($1)}"
}
trap 'say "FAILED in stage ${STAGE_NAME:-?}; server log: $PG_LOG"' ERR

# packages
stage packages
if [[ -x $PG_BIN/postgres && -x $PG_BIN/initdb && -x $PG_BIN/psql ]]; then
  stage_done "postgresql-$PG_VERSION already installed"
else
  [[ $(id -u) == 0 ]] || die "postgresql-$PG_VERSION is not installed and only root can install it"
  export DEBIAN_FRONTEND=noninteractive
  # The package's maintainer script must not start Debian's own cluster (no systemd here; we start ours).
  if ! grep -qs 'exit 101' /usr/sbin/policy-rc.d; then
    printf '#!/bin/sh\n# written by bascule test/postgres/up.sh: packages never start daemons\nexit 101\n' \
      > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
  fi
  mkdir -p "$MACHINE"
  say "installing postgresql-$PG_VERSION (log: $MACHINE/apt.log)"
  apt-get update -q >> "$MACHINE/apt.log" 2>&1
  apt-get install -y -q --no-install-recommends "postgresql-$PG_VERSION" >> "$MACHINE/apt.log" 2>&1
  stage_done "installed"
fi

# cluster
stage cluster
mkdir -p "$MACHINE" "$SOCKETS" "$(dirname "$PG_LOG")"
if [[ $(id -u) == 0 ]]; then
  chown postgres:postgres "$SOCKETS" "$(dirname "$PG_LOG")"
  chmod 0755 "$MACHINE"
fi
if [[ -f $DATA/PG_VERSION ]]; then
  stage_done "reusing $DATA"
else
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$DATA"
  chmod 0700 "$DATA"
  as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 > "$MACHINE/initdb.log" 2>&1
  echo "include_if_exists = 'bascule.conf'" | as_owner tee -a "$DATA/postgresql.conf" > /dev/null
  stage_done "initdb $DATA"
fi
# A test server: only on 127.0.0.1, durability traded for speed (a crash of the machine loses the test data,
# never anything else), statements that fail are not logged with their text (an ALTER ROLE carries a password).
as_owner tee "$DATA/bascule.conf" > /dev/null <<CONF
# written by bascule test/postgres/up.sh on every run
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$SOCKETS'
max_connections = 300
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_error_statement = panic
log_statement = none
CONF

# server
stage server
if server_ready; then
  stage_done "already running on $PG_HOST:$PG_PORT"
else
  as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_LOG" -w -t 60 start > /dev/null 8>&-  # the server must not hold our lock
  server_ready || die "the server did not answer on $SOCKETS port $PG_PORT (log: $PG_LOG)"
  stage_done "started on $PG_HOST:$PG_PORT"
fi

# role and database
stage role
PASSWORD_FILE=$MACHINE/password
if [[ ! -s $PASSWORD_FILE ]]; then
  (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$PASSWORD_FILE")
fi
chmod 0600 "$PASSWORD_FILE"
PASSWORD=$(cat "$PASSWORD_FILE")
# The password goes through stdin, never argv (ps) nor the server log (log_min_error_statement above).
psql_admin <<SQL
SET log_min_error_statement = panic;
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DATABASE')
\gexec
SQL
stage_done "role and database $ROLE"

# the URL the tests read, then a check that it works over TCP with the password
stage url
(umask 077; printf 'postgres://%s:%s@%s:%s/%s\n' "$ROLE" "$PASSWORD" "$PG_HOST" "$PG_PORT" "$DATABASE" > "$STATE/url")
chmod 0600 "$STATE/url"
got=$(PGPASSWORD=$PASSWORD PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q -At -h "$PG_HOST" -p "$PG_PORT" -U "$ROLE" \
  -d "$DATABASE" -c 'SELECT current_user')
[[ $got == "$ROLE" ]] || die "could not log in as $ROLE over TCP"
stage_done "postgres://$ROLE:***@$PG_HOST:$PG_PORT/$DATABASE in $STATE/url"
say "up in $(( $(now) - T_ALL ))s"
