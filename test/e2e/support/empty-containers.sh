#!/bin/bash
# Delete every object and container of a member project's object storage (when the cloud has one), with the
# `openstack` CLI. empty-containers.sh CLOUD (src, dst, dst2). Used by empty-project.sh and object-storage.test.ts.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
CLOUD=${1:-}
case "$CLOUD" in
  src|dst|dst2|tricky) ;;
  *) echo "usage: $0 src|dst|dst2|tricky" >&2; exit 2 ;;
esac
os() { openstack --os-cloud "$CLOUD" "$@"; }
os catalog show object-store -f value > /dev/null 2>&1 || exit 0
# Rounds until no container is left: in a versioned container (X-Versions-Location) the delete of an object restores
# its previous version, and a container whose listing lags still answers 409 to its delete. A round deletes what
# each container lists, then the container; what is left is tried again, at most 10 rounds.
for round in 1 2 3 4 5 6 7 8 9 10; do
  left=$(os container list -f value -c Name)
  [[ -n $left ]] || exit 0
  for c in $left; do
    objs=$(os object list "$c" -f value -c Name)
    # shellcheck disable=SC2086
    [[ -z $objs ]] || os object delete "$c" $objs || true # one listed but gone (404): the next round lists again
    if os container delete "$c" 2> /dev/null; then
      printf '[empty %s] deleted container %s\n' "$CLOUD" "$c"
    fi
  done
  sleep "$round"
done
printf '[empty %s] ERROR: containers left after 10 rounds: %s\n' "$CLOUD" "$(os container list -f value -c Name | tr '\n' ' ')" >&2
exit 1
