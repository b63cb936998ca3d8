#!/bin/bash
# Seed the source project (cloud `src`, project bascule-src) of the end-to-end cloud with a realistic
# workload, using the official `openstack` CLI only (never Bascule), so that Bascule's export is checked
# against something it did not make itself.
#
#   seed-source.sh            create what is missing (idempotent: existing resources are kept as they are)
#   seed-source.sh --reset    delete every resource of the project first, then seed from scratch
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
os_tags() { openstack --os-cloud src --os-compute-api-version 2.52 "$@"; }   # server tags need 2.52
names() { os "$@" -f value -c Name 2>/dev/null || true; }                   # names of a list, one per line
has() { grep -qxF -- "$1" <<<"$2"; }

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
  has seed-key "$(names keypair list)" && return
  rm -f "$DATA/seed-key" "$DATA/seed-key.pub"
  ssh-keygen -q -t ed25519 -N '' -C seed-key -f "$DATA/seed-key"
  os keypair create --public-key "$DATA/seed-key.pub" seed-key > /dev/null
  say "created keypair seed-key"
}

seed_security_groups() {
  local groups; groups=$(names security group list)
  if ! has seed-web "$groups"; then
    os security group create --description "web tier" seed-web > /dev/null
    local port
    for port in 22 80 443; do
      os security group rule create --ingress --protocol tcp --dst-port "$port" --remote-ip 0.0.0.0/0 seed-web > /dev/null
    done
    os security group rule create --ingress --protocol icmp --remote-ip 0.0.0.0/0 seed-web > /dev/null
    os security group rule create --ingress --ethertype IPv6 --protocol tcp --dst-port 443 --remote-ip ::/0 seed-web > /dev/null
    say "created security group seed-web with 5 rules"
  fi
  if ! has seed-db "$groups"; then
    os security group create --description "database tier" seed-db > /dev/null
    os security group rule create --ingress --protocol tcp --dst-port 5432 --remote-group seed-web seed-db > /dev/null
    os security group rule create --ingress --protocol udp --dst-port 53 --remote-ip 10.20.0.0/16 seed-db > /dev/null
    say "created security group seed-db with 2 rules (one from the group seed-web)"
  fi
}

seed_networks() {
  local nets subnets
  nets=$(names network list); subnets=$(names subnet list)
  has seed-net-app "$nets" || { os network create --description "application network" seed-net-app > /dev/null; say "created network seed-net-app"; }
  has seed-net-db "$nets" || { os network create --description "database network" seed-net-db > /dev/null; say "created network seed-net-db"; }
  if ! has seed-subnet-app "$subnets"; then
    os subnet create --network seed-net-app --subnet-range 10.20.1.0/24 --gateway 10.20.1.1 \
      --allocation-pool start=10.20.1.10,end=10.20.1.200 --dns-nameserver 10.20.1.2 \
      --host-route destination=10.40.0.0/16,gateway=10.20.1.253 seed-subnet-app > /dev/null
    say "created subnet seed-subnet-app"
  fi
  if ! has seed-subnet-db "$subnets"; then
    os subnet create --network seed-net-db --subnet-range 10.20.2.0/24 --gateway 10.20.2.1 --no-dhcp \
      seed-subnet-db > /dev/null
    say "created subnet seed-subnet-db"
  fi
}

seed_router() {
  if ! has seed-router "$(names router list)"; then
    os router create --description "edge router" seed-router > /dev/null
    say "created router seed-router"
  fi
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
  if ! has seed-port-vip "$(names port list)"; then
    os port create --network seed-net-app --fixed-ip subnet=seed-subnet-app,ip-address=10.20.1.50 \
      --allowed-address ip-address=10.20.1.51 --security-group seed-web --description "service address" \
      seed-port-vip > /dev/null
    say "created port seed-port-vip"
  fi
  if [[ -z $(os floating ip list --port seed-port-vip -f value -c ID) ]]; then
    os floating ip create --port seed-port-vip --description "seed vip" public > /dev/null
    say "created floating IP for seed-port-vip"
  fi
}

seed_image() {
  if ! has seed-image "$(names image list)"; then
    head -c $((3 * 1024 * 1024)) /dev/urandom > "$DATA/seed-image.raw"
    local sum; sum=$(sha256sum "$DATA/seed-image.raw" | cut -d' ' -f1)
    # the sha256 of the bytes, computed here before the upload, travels with the image (a property), so any
    # checkout on this machine can check a download against it
    os image create --private --disk-format raw --container-format bare --file "$DATA/seed-image.raw" \
      --min-disk 1 --min-ram 64 --property os_distro=bascule-test --property hw_disk_bus=virtio \
      --property bascule_sha256="$sum" --tag seed seed-image > /dev/null
    say "created image seed-image (3 MiB)"
  fi
  wait_for image seed-image active 120
}

seed_volumes() {
  local vols; vols=$(names volume list)
  has seed-vol-data "$vols" || { os volume create --size 1 --type standard --description "data volume" \
    --property tier=data --property owner=seed seed-vol-data > /dev/null; say "created volume seed-vol-data"; }
  has seed-vol-boot "$vols" || { os volume create --size 1 --image seed-image --bootable \
    --description "boot volume" --property tier=boot seed-vol-boot > /dev/null; say "created volume seed-vol-boot"; }
  wait_for volume seed-vol-data 'available|in-use' 180
  wait_for volume seed-vol-boot 'available|in-use' 300
}

seed_servers() {
  local servers; servers=$(names server list)
  if ! has seed-group "$(names server group list)"; then
    os server group create --policy affinity seed-group > /dev/null
    say "created server group seed-group"
  fi
  if ! has seed-vm-image "$servers"; then
    os_tags server create --flavor m1.tiny --image seed-image --network seed-net-app --key-name seed-key \
      --security-group seed-web --security-group seed-db \
      --hint group="$(os server group show seed-group -f value -c id)" \
      --property role=web --property owner=seed --tag seed --tag web seed-vm-image > /dev/null
    say "created server seed-vm-image"
  fi
  if ! has seed-vm-volume "$servers"; then
    os_tags server create --flavor m1.tiny --volume seed-vol-boot --port seed-port-vip --key-name seed-key \
      --property role=db --tag seed seed-vm-volume > /dev/null
    say "created server seed-vm-volume"
  fi
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
