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
# shellcheck source=support/os-batch.sh
source "$ROOT/test/e2e/support/os-batch.sh"

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
# What is there, in one `openstack` process (test/e2e/support/os-batch.sh; a cold start of the CLI costs 2-4 s): the
# load balancers, listeners, pools and health monitors (names), seed-subnet-app, the two servers' ports, and the
# members of seed-lb-pool when it exists.
STATE=$({
  echo 'loadbalancer list -f json -c name'
  echo 'loadbalancer listener list -f json -c name'
  echo 'loadbalancer pool list -f json -c name'
  echo 'loadbalancer healthmonitor list -f json -c name'
  echo 'subnet show seed-subnet-app -f json -c id'
  echo 'port list --server seed-vm-image -f json'
  echo 'port list --server seed-vm-volume -f json'
} | os_batch src | json_docs)
# doc N: the Nth document above
doc() { /usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)[$1]))" <<< "$STATE"; }
names_in() { doc "$1" | jq_py "[r['name'] for r in d]"; }
LBS=$(names_in 0) LISTENERS=$(names_in 1) POOLS=$(names_in 2) MONITORS=$(names_in 3)
SUBNET=$(doc 4 | jq_py "[d['id']]")
# The fixed IP of a server on seed-subnet-app (its ports: document 5 or 6 above).
address_of() {
  local n=5; [[ $1 == seed-vm-volume ]] && n=6
  doc "$n" | jq_py "[a['ip_address'] for p in d for a in p['Fixed IP Addresses'] if a['subnet_id'] == '$SUBNET'][0:1] or [sys.exit('no address on seed-subnet-app')]"
}

if ! grep -qxF seed-lb <<< "$LBS"; then
  os loadbalancer create --name seed-lb --description "seed web tier" --vip-subnet-id seed-subnet-app \
    --vip-address 10.20.1.100 > /dev/null
  say "created load balancer seed-lb"
fi
wait_lb
if ! grep -qxF seed-lb-http <<< "$LISTENERS"; then
  os loadbalancer listener create --name seed-lb-http --protocol HTTP --protocol-port 80 --connection-limit 1000 \
    --insert-headers X-Forwarded-For=true seed-lb > /dev/null
  say "created listener seed-lb-http"
fi
wait_lb
if ! grep -qxF seed-lb-pool <<< "$POOLS"; then
  os loadbalancer pool create --name seed-lb-pool --listener seed-lb-http --protocol HTTP \
    --lb-algorithm ROUND_ROBIN --session-persistence type=HTTP_COOKIE > /dev/null
  say "created pool seed-lb-pool"
fi
wait_lb
members=''
grep -qxF seed-lb-pool <<< "$POOLS" && members=$(os loadbalancer member list seed-lb-pool -f value -c name)
for pair in seed-vm-image:3 seed-vm-volume:1; do
  server=${pair%%:*} weight=${pair##*:} name=seed-lb-${pair%%:*}
  name=${name/seed-lb-seed-/seed-lb-}
  grep -qxF "$name" <<< "$members" && continue
  os loadbalancer member create --name "$name" --address "$(address_of "$server")" --protocol-port 80 \
    --subnet-id seed-subnet-app --weight "$weight" seed-lb-pool > /dev/null
  say "created member $name"
  wait_lb
done
if ! grep -qxF seed-lb-hm <<< "$MONITORS"; then
  os loadbalancer healthmonitor create --name seed-lb-hm --delay 5 --timeout 3 --max-retries 2 --type HTTP \
    --url-path /health seed-lb-pool > /dev/null
  say "created health monitor seed-lb-hm"
fi
wait_lb
say "load balancer seed-lb seeded"
