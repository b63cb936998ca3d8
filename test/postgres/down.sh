#!/bin/bash
# Stop the test PostgreSQL (pg_ctl stop -m fast). Its data is kept: the next up.sh starts it again in a second.
# BASCULE_PG_PURGE=1 also deletes the cluster and the password (the next up.sh makes new ones).
set -Eeuo pipefail
SCRIPT_TAG=pg-down
source "$(dirname "$0")/lib/common.sh"
take_machine_lock
T0=$(now)
if [[ -f $DATA/postmaster.pid ]] && as_owner "$PG_BIN/pg_ctl" -D "$DATA" status > /dev/null 2>&1; then
  as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop > /dev/null
  say "stopped the server of $DATA"
else
  say "not running"
fi
if [[ ${BASCULE_PG_PURGE:-} == 1 ]]; then
  rm -rf "$DATA" "$MACHINE/password" "$STATE/url"
  say "purged $DATA"
fi
say "down in $(( $(now) - T0 ))s"
