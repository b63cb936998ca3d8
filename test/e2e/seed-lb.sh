#!/bin/bash
# Seed a load balancer in the source project (cloud `src`, project bascule-src) of the end-to-end cloud with the
# `openstack` CLI (python-octaviaclient), in front of the seed's two servers. Called by seed-source.sh once the
# servers exist; idempotent (what exists is kept). Skips cleanly (message, exit 0) when the cloud's catalog has no
# load-balancer service, so the suite still runs on a cloud without Octavia.
#
# The load balancer, when done (test/e2e/support/seed.ts SEED.loadBalancer says the same):
#   load balancer seed-lb on seed-subnet-app, VIP 10.20.1.100 (the real cloud's no-op driver makes no VIP port)
#   listener seed-lb-http: HTTP 80, connection limit 1000, X-Forwarded-For inserted
#   pool seed-lb-pool: the listener's default pool, ROUND_ROBIN, HTTP_COOKIE session persistence
#   members seed-lb-vm-image and seed-lb-vm-volume: the two servers' addresses on seed-subnet-app, port 80,
#     weights 3 and 1
#   health monitor seed-lb-hm: HTTP GET /health every 5 s, timeout 3 s, 2 retries
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
say() { printf '[seed-lb %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
os() { openstack --os-cloud src "$@"; }

if ! os catalog show load-balancer > /dev/null 2>&1; then
  say "no load-balancer service in the catalog: no load balancer seeded"
  exit 0
fi

# Wait until seed-lb is ACTIVE (every write under it puts it in PENDING_UPDATE for a moment).
wait_lb() {
  local t0 status; t0=$(date +%s)
  while :; do
    status=$(os loadbalancer show seed-lb -f value -c provisioning_status 2> /dev/null || echo missing)
    case $status in
      ACTIVE) return 0 ;;
      ERROR) die "load balancer seed-lb is ERROR" ;;
    esac
    (( $(date +%s) - t0 < 300 )) || die "load balancer seed-lb is still $status after 300s"
    sleep 1
  done
}
# The fixed IP of a server on seed-subnet-app.
address_of() {
  local subnet; subnet=$(os subnet show seed-subnet-app -f value -c id)
  os port list --server "$1" -f json -c 'Fixed IP Addresses' \
    | /usr/bin/python3 -c "import json,sys; print([a['ip_address'] for p in json.load(sys.stdin) for a in p['Fixed IP Addresses'] if a['subnet_id'] == '$subnet'][0])"
}

if ! os loadbalancer show seed-lb > /dev/null 2>&1; then
  os loadbalancer create --name seed-lb --description "seed web tier" --vip-subnet-id seed-subnet-app \
    --vip-address 10.20.1.100 > /dev/null
  say "created load balancer seed-lb"
fi
wait_lb
if ! os loadbalancer listener show seed-lb-http > /dev/null 2>&1; then
  os loadbalancer listener create --name seed-lb-http --protocol HTTP --protocol-port 80 --connection-limit 1000 \
    --insert-headers X-Forwarded-For=true seed-lb > /dev/null
  say "created listener seed-lb-http"
fi
wait_lb
if ! os loadbalancer pool show seed-lb-pool > /dev/null 2>&1; then
  os loadbalancer pool create --name seed-lb-pool --listener seed-lb-http --protocol HTTP \
    --lb-algorithm ROUND_ROBIN --session-persistence type=HTTP_COOKIE > /dev/null
  say "created pool seed-lb-pool"
fi
wait_lb
members=$(os loadbalancer member list seed-lb-pool -f value -c name)
for pair in seed-vm-image:3 seed-vm-volume:1; do
  server=${pair%%:*} weight=${pair##*:} name=seed-lb-${pair%%:*}
  name=${name/seed-lb-seed-/seed-lb-}
  grep -qxF "$name" <<< "$members" && continue
  os loadbalancer member create --name "$name" --address "$(address_of "$server")" --protocol-port 80 \
    --subnet-id seed-subnet-app --weight "$weight" seed-lb-pool > /dev/null
  say "created member $name"
  wait_lb
done
if ! os loadbalancer healthmonitor show seed-lb-hm > /dev/null 2>&1; then
  os loadbalancer healthmonitor create --name seed-lb-hm --delay 5 --timeout 3 --max-retries 2 --type HTTP \
    --url-path /health seed-lb-pool > /dev/null
  say "created health monitor seed-lb-hm"
fi
wait_lb
say "load balancer seed-lb seeded"
