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
for c in $(os container list -f value -c Name); do
  objs=$(os object list "$c" -f value -c Name)
  # shellcheck disable=SC2086
  [[ -z $objs ]] || os object delete "$c" $objs
  os container delete "$c"
  printf '[empty %s] deleted container %s and its %s object(s)\n' "$CLOUD" "$c" "$(wc -w <<<"$objs")"
done
