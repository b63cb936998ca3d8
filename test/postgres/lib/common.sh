# shellcheck shell=bash
# Shared by up.sh, down.sh and status.sh of the test PostgreSQL.
#
# Where things live:
#   $STATE (test/postgres/state/, gitignored)      url (mode 0600): the connection URL the tests read
#   $MACHINE (/var/lib/bascule-postgres/)            what belongs to the machine, not to a checkout:
#       data/          the cluster (initdb), owned by the postgres user
#       run/           its Unix socket and postmaster.pid lives in data/
#       password       the test role's password (mode 0600, never printed)
#       log/postgres.log  the server's log
# The cluster is machine-wide (one port), so a second checkout (CI's fresh clone, another engineer) reuses
# the running server instead of fighting over its port.

PG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${BASCULE_PG_STATE:-$PG_DIR/state}
MACHINE=${BASCULE_PG_MACHINE:-/var/lib/bascule-postgres}
DATA=$MACHINE/data
SOCKETS=$MACHINE/run
PG_LOG=$MACHINE/log/postgres.log
PG_PORT=${BASCULE_PG_PORT:-55432}
PG_HOST=127.0.0.1
PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
ROLE=bascule_test
DATABASE=bascule_test
export LC_ALL=C.UTF-8

say() { printf '[%s %s] %s\n' "${SCRIPT_TAG:-postgres}" "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
now() { date +%s; }

# as_owner CMD...: runs CMD as the cluster's owner (the postgres user when we are root: the server
# refuses to run as root), in a directory it may read.
as_owner() {
  if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
# psql_admin ARGS...: psql as the cluster's superuser over the Unix socket (peer authentication)
psql_admin() { as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKETS" -p "$PG_PORT" -d postgres "$@"; }
server_ready() { as_owner "$PG_BIN/pg_isready" -q -h "$SOCKETS" -p "$PG_PORT" -d postgres > /dev/null 2>&1; }

# One up.sh or down.sh at a time on this machine.
take_machine_lock() {
  mkdir -p "$MACHINE"
  exec 8> "$MACHINE/lock"
  if ! flock -n 8; then
    say "another up.sh or down.sh of the test PostgreSQL is running: waiting for it (up to 5 minutes)"
    flock -w 300 8 || die "still locked after 5 minutes: $MACHINE/lock"
  fi
}
