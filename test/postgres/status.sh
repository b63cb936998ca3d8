#!/bin/bash
# Is the test PostgreSQL up? Prints its PID, address, version and the URL file (password masked).
# Exit status 0 when it answers, 1 when it does not.
set -uo pipefail
SCRIPT_TAG=pg-status
source "$(dirname "$0")/lib/common.sh"
pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null || echo -)
if server_ready; then
  version=$(psql_admin -At -c 'SHOW server_version' 2>/dev/null || echo '?')
  printf 'postgres pid %s running on %s:%s (PostgreSQL %s, data %s)\n' "$pid" "$PG_HOST" "$PG_PORT" "$version" "$DATA"
  if [[ -s $STATE/url ]]; then
    echo "url: $(sed -E 's#(://[^:/@]+:)[^@]*@#\1***@#' "$STATE/url") ($STATE/url)"
  else
    echo "url: none yet in $STATE/url (run up.sh)"
  fi
  exit 0
fi
printf 'postgres pid %s stopped (data %s)\n' "$pid" "$DATA"
exit 1
