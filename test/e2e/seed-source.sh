#!/bin/bash
# Seed the source project (cloud `src`, project bascule-src) of the end-to-end cloud with a realistic
# workload, using the official `openstack` CLI only (never Bascule), so that Bascule's export is checked
# against something it did not make itself.
#
#   seed-source.sh            create what is missing (idempotent: existing resources are kept as they are)
#   seed-source.sh --reset    delete every resource of the project first, then seed from scratch
#
# One `openstack` process lists what the project holds, then what is missing is made in a few batches, each one
# process reading its commands on stdin (test/e2e/support/os-batch.sh), with the waits between them.
#
# Needs test/e2e/openstack/up.sh to have run. Uses BASCULE_E2E_CLOUDS (default
# test/e2e/openstack/state/clouds.yaml). The names and attributes below are what test/e2e/support/seed.ts
# expects: change both together.
#
# The project, when done:
#   keypair seed-key (ed25519, public key in state/data/seed-key.pub)
#   security groups seed-web (tcp 22, 80, 443 and icmp from 0.0.0.0/0, tcp 443 from ::/0)
#                   seed-db  (tcp 5432 from the group seed-web, udp 53 from 10.20.0.0/16)
#   networks seed-net-app (subnet seed-subnet-app 10.20.1.0/24: pool, DNS server, host route)
#            seed-net-db  (subnet seed-subnet-db 10.20.2.0/24, no DHCP)
#   router seed-router: gateway on `public`, interfaces on both subnets, route 10.30.0.0/16 via 10.20.1.254
#   port seed-port-vip on seed-net-app: fixed IP 10.20.1.50, allowed address pair 10.20.1.51, group seed-web
#   floating IP on seed-port-vip (description "seed vip")
#   image seed-image: 3 MiB of random bytes, raw, private, property bascule_sha256 = sha256 of the bytes
#   volumes seed-vol-data (1 GiB blank, type standard, metadata) and seed-vol-boot (1 GiB from seed-image)
#   server group seed-group (affinity)
#   server seed-vm-image: from seed-image, m1.tiny, on seed-net-app, seed-key, groups seed-web and seed-db,
#          in seed-group, metadata role=web owner=seed, tags seed and web, seed-vol-data attached
#   server seed-vm-volume: boots from seed-vol-boot, m1.tiny, on seed-port-vip, metadata role=db, tag seed
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
DATA=$(dirname "$OS_CLIENT_CONFIG_FILE")/data
mkdir -p "$DATA"
T0=$(date +%s)
say() { printf '[seed %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
[[ -r $OS_CLIENT_CONFIG_FILE ]] || die "no $OS_CLIENT_CONFIG_FILE: run 'npm run openstack:up' first"
command -v openstack > /dev/null || die "the openstack CLI is missing (python3-openstackclient, installed by up.sh)"

RESET=0
case "${1:-}" in
  --reset) RESET=1 ;;
  '') ;;
  *) echo "usage: $0 [--reset]" >&2; exit 2 ;;
esac

os() { openstack --os-cloud src "$@"; }
# shellcheck source=support/os-batch.sh
source "$ROOT/test/e2e/support/os-batch.sh"
has() { grep -qxF -- "$1" <<<"$2"; }

# What is missing is made in a few batches, each one `openstack` process (test/e2e/support/os-batch.sh: a cold start
# of the CLI costs 2-4 s, and this script made about 50): queue CMD adds a command (and what it makes, for the log)
# to the next batch; flush runs it.
BATCH=() MADE=()
queue() { BATCH+=("$1"); [[ -z ${2:-} ]] || MADE+=("$2"); }
flush() {
  local m
  ((${#BATCH[@]} == 0)) || printf '%s\n' "${BATCH[@]}" | os_batch src > /dev/null
  for m in "${MADE[@]}"; do say "created $m"; done
  BATCH=() MADE=()
}

# What the project holds, listed in one process before anything is made (read_state): the names of its keypairs,
# security groups, networks, subnets, routers, ports, images, volumes, servers and server groups, the ID of the port
# seed-port-vip and of its floating IPs, and the ID of seed-group. Each is read into a variable here, so a list that
# cannot be read stops the script before it makes anything (never a second seed-web because a list read empty).
read_state() {
  local state
  state=$(os_batch src <<CMDS | json_docs
keypair list -f json -c Name
security group list -f json -c Name
network list -f json -c Name
subnet list -f json -c Name
router list -f json -c Name
port list -f json -c ID -c Name
image list -f json -c Name
volume list -f json -c Name
server list -f json -c Name
server group list -f json -c ID -c Name
floating ip list --long -f json
CMDS
)
  # doc N EXPR: EXPR over the Nth list above (d), one item a line
  doc() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin)[$1]; [print(x) for x in ($2)]" <<<"$state"; }
  KEYPAIRS=$(doc 0 "[r['Name'] for r in d]")
  SEC_GROUPS=$(doc 1 "[r['Name'] for r in d]")
  NETWORKS=$(doc 2 "[r['Name'] for r in d]")
  SUBNETS=$(doc 3 "[r['Name'] for r in d]")
  ROUTERS=$(doc 4 "[r['Name'] for r in d]")
  VIP_PORT=$(doc 5 "[r['ID'] for r in d if r['Name'] == 'seed-port-vip'][:1]")
  IMAGES=$(doc 6 "[r['Name'] for r in d]")
  VOLUMES=$(doc 7 "[r['Name'] for r in d]")
  SERVERS=$(doc 8 "[r['Name'] for r in d]")
  SERVER_GROUPS=$(doc 9 "[r['Name'] for r in d]")
  GROUP_ID=$(doc 9 "[r['ID'] for r in d if r['Name'] == 'seed-group'][:1]")
  VIP_FIPS=$(doc 10 "[f['ID'] for f in d if f['Port'] == '$VIP_PORT' and '$VIP_PORT']")
  # what every project sees (the shared network and image): a list read wrong would lack them
  has public "$NETWORKS" && has cirros "$IMAGES" || die "the project's lists read wrong (no network public or image cirros)"
}

# Poll `openstack KIND show NAME` until its status is one of WANTED (|-separated); fail on an error state.
wait_for() {
  local kind=$1 name=$2 wanted=$3 limit=${4:-300} t0 status
  t0=$(date +%s)
  while :; do
    # shellcheck disable=SC2086
    status=$(os $kind show "$name" -f value -c status 2>/dev/null || echo unknown)
    if [[ "|$wanted|" == *"|$status|"* ]]; then return 0; fi
    case $status in error*|ERROR|killed|deleted) die "$kind $name is $status (wanted $wanted)" ;; esac
    (( $(date +%s) - t0 < limit )) || die "$kind $name is still $status after ${limit}s (wanted $wanted)"
    sleep 2
  done
}

###################################################################################################
reset_project() {
  say "reset: emptying project bascule-src"
  bash "$ROOT/test/e2e/support/empty-project.sh" src
}

###################################################################################################
seed_keypair() {
  has seed-key "$KEYPAIRS" && return
  rm -f "$DATA/seed-key" "$DATA/seed-key.pub"
  ssh-keygen -q -t ed25519 -N '' -C seed-key -f "$DATA/seed-key"
  queue "keypair create --public-key $(bq "$DATA/seed-key.pub") seed-key" 'keypair seed-key'
}

seed_security_groups() {
  local groups port; groups=$SEC_GROUPS
  if ! has seed-web "$groups"; then
    queue "security group create --description $(bq 'web tier') seed-web"
    for port in 22 80 443; do
      queue "security group rule create --ingress --protocol tcp --dst-port $port --remote-ip 0.0.0.0/0 seed-web"
    done
    queue 'security group rule create --ingress --protocol icmp --remote-ip 0.0.0.0/0 seed-web'
    queue 'security group rule create --ingress --ethertype IPv6 --protocol tcp --dst-port 443 --remote-ip ::/0 seed-web' \
      'security group seed-web with 5 rules'
  fi
  if ! has seed-db "$groups"; then
    queue "security group create --description $(bq 'database tier') seed-db"
    queue 'security group rule create --ingress --protocol tcp --dst-port 5432 --remote-group seed-web seed-db'
    queue 'security group rule create --ingress --protocol udp --dst-port 53 --remote-ip 10.20.0.0/16 seed-db' \
      'security group seed-db with 2 rules (one from the group seed-web)'
  fi
}

seed_networks() {
  local nets subnets
  nets=$NETWORKS subnets=$SUBNETS
  has seed-net-app "$nets" || queue "network create --description $(bq 'application network') seed-net-app" 'network seed-net-app'
  has seed-net-db "$nets" || queue "network create --description $(bq 'database network') seed-net-db" 'network seed-net-db'
  has seed-subnet-app "$subnets" || queue 'subnet create --network seed-net-app --subnet-range 10.20.1.0/24 --gateway 10.20.1.1 --allocation-pool start=10.20.1.10,end=10.20.1.200 --dns-nameserver 10.20.1.2 --host-route destination=10.40.0.0/16,gateway=10.20.1.253 seed-subnet-app' \
    'subnet seed-subnet-app'
  has seed-subnet-db "$subnets" || queue 'subnet create --network seed-net-db --subnet-range 10.20.2.0/24 --gateway 10.20.2.1 --no-dhcp seed-subnet-db' \
    'subnet seed-subnet-db'
}

seed_router() {
  if ! has seed-router "$ROUTERS"; then
    # a new router: all of it in the batch
    queue "router create --description $(bq 'edge router') seed-router" 'router seed-router'
    queue 'router set --external-gateway public seed-router'
    queue 'router add subnet seed-router seed-subnet-app'
    queue 'router add subnet seed-router seed-subnet-db'
    queue 'router set --route destination=10.30.0.0/16,gateway=10.20.1.254 seed-router'
    return
  fi
  # an existing one: what it lacks (its networks and subnets are made first)
  flush
  local info; info=$(os router show seed-router -f json)
  if ! grep -q '"network_id"' <<<"$(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("external_gateway_info") or {}))' <<<"$info")"; then
    os router set --external-gateway public seed-router
  fi
  local attached; attached=$(os port list --router seed-router -f json -c 'Fixed IP Addresses' \
    | python3 -c 'import json,sys; [print(a["ip_address"]) for p in json.load(sys.stdin) for a in p["Fixed IP Addresses"]]')
  has 10.20.1.1 "$attached" || os router add subnet seed-router seed-subnet-app
  has 10.20.2.1 "$attached" || os router add subnet seed-router seed-subnet-db
  if ! grep -q '10.30.0.0/16' <<<"$info"; then
    os router set --route destination=10.30.0.0/16,gateway=10.20.1.254 seed-router
  fi
}

seed_port_and_fip() {
  if [[ -z $VIP_PORT ]]; then
    queue "port create --network seed-net-app --fixed-ip subnet=seed-subnet-app,ip-address=10.20.1.50 --allowed-address ip-address=10.20.1.51 --security-group seed-web --description $(bq 'service address') seed-port-vip" \
      'port seed-port-vip'
  fi
  if [[ -z $VIP_FIPS ]]; then
    queue "floating ip create --port seed-port-vip --description $(bq 'seed vip') public" 'floating IP for seed-port-vip'
  fi
}

seed_image() {
  if ! has seed-image "$IMAGES"; then
    head -c $((3 * 1024 * 1024)) /dev/urandom > "$DATA/seed-image.raw"
    local sum; sum=$(sha256sum "$DATA/seed-image.raw" | cut -d' ' -f1)
    # the sha256 of the bytes, computed here before the upload, travels with the image (a property), so any
    # checkout on this machine can check a download against it
    queue "image create --private --disk-format raw --container-format bare --file $(bq "$DATA/seed-image.raw") --min-disk 1 --min-ram 64 --property os_distro=bascule-test --property hw_disk_bus=virtio --property bascule_sha256=$sum --tag seed seed-image" \
      'image seed-image (3 MiB)'
  fi
  flush
  wait_for image seed-image active 120
}

# The volumes (the boot volume needs the image active) and the server group, in one batch.
seed_volumes() {
  local vols; vols=$VOLUMES
  has seed-vol-data "$vols" || queue "volume create --size 1 --type standard --description $(bq 'data volume') --property tier=data --property owner=seed seed-vol-data" \
    'volume seed-vol-data'
  has seed-vol-boot "$vols" || queue "volume create --size 1 --image seed-image --bootable --description $(bq 'boot volume') --property tier=boot seed-vol-boot" \
    'volume seed-vol-boot'
  has seed-group "$SERVER_GROUPS" || queue 'server group create --policy affinity seed-group' 'server group seed-group'
  flush
  wait_for volume seed-vol-data 'available|in-use' 180
  wait_for volume seed-vol-boot 'available|in-use' 300
}

seed_servers() {
  local servers=$SERVERS group=$GROUP_ID
  [[ -n $group ]] || group=$(os server group show seed-group -f value -c id)   # made just now
  has seed-vm-image "$servers" || queue "server create --flavor m1.tiny --image seed-image --network seed-net-app --key-name seed-key --security-group seed-web --security-group seed-db --hint group=$group --property role=web --property owner=seed --tag seed --tag web seed-vm-image" \
    'server seed-vm-image'
  has seed-vm-volume "$servers" || queue 'server create --flavor m1.tiny --volume seed-vol-boot --port seed-port-vip --key-name seed-key --property role=db --tag seed seed-vm-volume' \
    'server seed-vm-volume'
  OS_COMPUTE_API_VERSION=2.52 flush   # server tags need 2.52
  wait_for server seed-vm-image ACTIVE 300
  wait_for server seed-vm-volume ACTIVE 300
  if [[ $(os volume show seed-vol-data -f value -c status) == available ]]; then
    os server add volume seed-vm-image seed-vol-data > /dev/null
    say "attached seed-vol-data to seed-vm-image"
  fi
  wait_for volume seed-vol-data in-use 180
}

###################################################################################################
((RESET)) && reset_project
read_state
seed_keypair
seed_security_groups
seed_networks
seed_router
seed_port_and_fip
seed_image
seed_volumes
seed_servers
bash "$ROOT/test/e2e/seed-dns.sh"   # the DNS zone for the floating IP (skips without a DNS service)
say "project bascule-src seeded in $(( $(date +%s) - T0 ))s"
