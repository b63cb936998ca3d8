#!/bin/bash
# A tricky project on the end-to-end cloud, for test/e2e/tricky.test.ts: the API features of each kind that a
# migration can trip on, made with the official `openstack` CLI only (never Bascule).
#
#   seed-tricky.sh            (re)make the project bascule-tricky: empty it if it exists, then seed it
#   seed-tricky.sh --delete   empty it, then delete the project and its user
#
# The admin cloud (the clouds.yaml of test/e2e/openstack/state, or BASCULE_E2E_CLOUDS) creates the project
# bascule-tricky and its user bascule-tricky-user (roles member and reader) with a password generated here and
# kept in state/data/tricky-password (mode 0600, never printed; given to the CLI on its stdin, never on a command
# line). state/data/tricky-clouds.yaml (mode 0600) is the e2e clouds.yaml plus a cloud `tricky` for that user.
# The commands run in batches through one `openstack` process each (its interactive mode, fed on stdin): a cold
# start of the CLI takes 2-4 s on this machine, a batch of 20 commands hardly more. That mode splits each line at
# every space (quotes do not help), so names with spaces are given afterwards, one command each, in parallel.
#
# The project, when done (names with unicode and regular-expression metacharacters on purpose):
#   keypair tricky-key
#   security groups "web ☃ (prod)" and "db.*[x]+?" that refer to each other (tcp 22 into web from db, tcp 5432
#          into db from web: a cycle), web also tcp 443 from ::/0; two groups both named "twin" (duplicate names),
#          each with a rule
#   network "net ü.*+?": subnet "sub4-ü" 10.60.1.0/24 with two allocation pools, a DNS server and a host route;
#          subnet "sub6-slaac" fd00:60:1::/64 (IPv6 SLAAC: addresses computed from the MAC)
#   network "isolated(no-dhcp)", port security off: subnet "sub-nodhcp" 10.60.2.0/24 without DHCP
#   two networks both named "twin", each with a subnet named "twin-sub" (10.60.3.0/24, 10.60.4.0/24)
#   router "edge[1]": gateway on public, interfaces on sub4-ü and sub6-slaac, static route 10.99.0.0/16 via 10.60.1.254
#   port "multi-ip☃" on net ü.*+?: two IPv4 addresses on sub4-ü (10.60.1.30, 10.60.1.31) and its SLAAC address
#   port "no-sec" on isolated(no-dhcp): port security off, no group, 10.60.2.5
#   floating IP described "reserved ☃ (not associated)" on public, not associated
#   image "img(v1.0)+": 1 MiB of random bytes, raw, property tricky=yes
#   volume "from-gone✂" (1 GiB) made from the image gone-image, deleted since (its volume_image_metadata names it)
#   volume "boot[bfv]" (1 GiB, from img(v1.0)+, bootable) and "data (1)" (1 GiB blank, metadata tier=data)
#   server "bfv ☃": boots from boot[bfv], m1.tiny, on net ü.*+? (v4 and SLAAC), tricky-key, group web ☃ (prod),
#          data (1) attached
#   server "stopped.*": from img(v1.0)+, m1.tiny, on the port multi-ip☃, stopped (SHUTOFF)
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLOUDS=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
DATA=$(dirname "$CLOUDS")/data
TRICKY_CLOUDS=$DATA/tricky-clouds.yaml
PASSWORD_FILE=$DATA/tricky-password
PROJECT=bascule-tricky
USER_NAME=bascule-tricky-user
T0=$(date +%s)
say() { printf '[tricky %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
[[ -r $CLOUDS ]] || die "no $CLOUDS: run 'npm run openstack:up' first"
command -v openstack > /dev/null || die "the openstack CLI is missing (python3-openstackclient, installed by up.sh)"
mkdir -p "$DATA"
DELETE=0
case "${1:-}" in
  --delete) DELETE=1 ;;
  '') ;;
  *) echo "usage: $0 [--delete]" >&2; exit 2 ;;
esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# batch CLOUD: run the commands on stdin in one `openstack` process; its stdout is ours; any failed command fails
# the script (the interactive mode goes on after an error and exits 0, so its stderr is checked).
batch() {
  local cloud=$1 file=$CLOUDS
  [[ $cloud == tricky ]] && file=$TRICKY_CLOUDS
  if ! OS_CLIENT_CONFIG_FILE=$file OS_CLOUD=$cloud openstack 2> "$TMP/err"; then
    die "openstack ($cloud) failed: $(tail -3 "$TMP/err")"
  fi
  if grep -q 'Error while executing command\|is not an openstack command\|error: \|^usage: ' "$TMP/err"; then
    die "openstack ($cloud): $(grep -m3 'Error\|not an openstack\|error: ' "$TMP/err")"
  fi
}
os() { OS_CLIENT_CONFIG_FILE=$TRICKY_CLOUDS openstack --os-cloud tricky "$@"; }
admin() { OS_CLIENT_CONFIG_FILE=$CLOUDS openstack --os-cloud admin "$@"; }

# Poll until every NAME of KIND (volume or server) has one of the statuses in WANTED (|-separated).
wait_all() {
  local kind=$1 wanted=$2 limit=$3 t0 rows bad
  t0=$(date +%s)
  while :; do
    rows=$(os "$kind" list -f value -c Name -c Status)
    bad=$(awk -v w="|$wanted|" '{s=$NF; if (index(w, "|" s "|") == 0) print}' <<<"$rows")
    [[ -z $bad ]] && return 0
    grep -qi 'error' <<<"$bad" && die "$kind in error: $bad"
    (( $(date +%s) - t0 < limit )) || die "after ${limit}s, still: $bad"
    sleep 2
  done
}

###################################################################################################
identity() {
  [[ -s $PASSWORD_FILE ]] || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$PASSWORD_FILE")
  chmod 600 "$PASSWORD_FILE"
  local password exists
  password=$(cat "$PASSWORD_FILE")
  exists=$(admin project list -f value -c Name | grep -cxF "$PROJECT" || true)
  [[ $exists == 0 ]] && CREATED=1
  {
    if [[ $exists == 0 ]]; then
      echo "project create --domain Default --description Bascule-e2e-tricky-source $PROJECT -f value -c id"
    fi
    if admin user show --domain Default "$USER_NAME" > /dev/null 2>&1; then
      echo "user set --password $password $USER_NAME"
    else
      echo "user create --domain Default --project $PROJECT --password $password $USER_NAME -f value -c id"
    fi
    echo "role add --project $PROJECT --user $USER_NAME member"
    echo "role add --project $PROJECT --user $USER_NAME reader"
  } | batch admin > /dev/null
  # The e2e clouds plus `tricky`, written by Python (the password goes through a file, never argv).
  (umask 077 && PW_FILE=$PASSWORD_FILE python3 - "$CLOUDS" "$TRICKY_CLOUDS" "$PROJECT" "$USER_NAME" <<'PY'
import os, sys, yaml
src, dst, project, user = sys.argv[1:]
clouds = yaml.safe_load(open(src))
entry = dict(clouds['clouds']['src'])
entry['auth'] = dict(entry['auth'], username=user, project_name=project,
                     password=open(os.environ['PW_FILE']).read().strip())
clouds['clouds']['tricky'] = entry
with open(dst, 'w') as f:
    yaml.safe_dump(clouds, f, sort_keys=False)
PY
  )
  chmod 600 "$TRICKY_CLOUDS"
  say "project $PROJECT and user $USER_NAME ready; clouds in $TRICKY_CLOUDS (cloud tricky)"
}

empty() {
  BASCULE_E2E_CLOUDS=$TRICKY_CLOUDS bash "$ROOT/test/e2e/support/empty-project.sh" tricky > /dev/null
  say "emptied $PROJECT"
}

###################################################################################################
seed() {
  ssh-keygen -q -t ed25519 -N '' -C tricky-key -f "$TMP/key"
  head -c $((1024 * 1024)) /dev/urandom > "$TMP/img.raw"
  head -c $((1024 * 1024)) /dev/urandom > "$TMP/gone.raw"
  # 1. groups, networks, subnets, images
  batch tricky > /dev/null <<CMDS
keypair create --public-key $TMP/key.pub tricky-key
security group create web☃(prod)
security group create --description regex-in-the-name db.*[x]+?
security group rule create --ingress --protocol tcp --dst-port 22 --remote-group db.*[x]+? web☃(prod)
security group rule create --ingress --ethertype IPv6 --protocol tcp --dst-port 443 --remote-ip ::/0 web☃(prod)
security group rule create --ingress --protocol tcp --dst-port 5432 --remote-group web☃(prod) db.*[x]+?
security group rule create --ingress --protocol icmp --remote-ip 10.60.0.0/16 db.*[x]+?
network create net-ü.*+?
subnet create --network net-ü.*+? --subnet-range 10.60.1.0/24 --gateway 10.60.1.1 --allocation-pool start=10.60.1.10,end=10.60.1.20 --allocation-pool start=10.60.1.100,end=10.60.1.150 --dns-nameserver 10.60.1.2 --host-route destination=10.70.0.0/16,gateway=10.60.1.254 sub4-ü
subnet create --network net-ü.*+? --ip-version 6 --subnet-range fd00:60:1::/64 --ipv6-ra-mode slaac --ipv6-address-mode slaac sub6-slaac
network create --disable-port-security isolated(no-dhcp)
subnet create --network isolated(no-dhcp) --subnet-range 10.60.2.0/24 --no-dhcp sub-nodhcp
image create --private --disk-format raw --container-format bare --file $TMP/img.raw --property tricky=yes img(v1.0)+
image create --private --disk-format raw --container-format bare --file $TMP/gone.raw gone-image
CMDS
  say "created the keypair, 2 groups in a cycle, 2 networks with 3 subnets, 2 images"
  # 2. duplicates (their IDs tell them apart): two groups and two networks named twin
  local ids twin_sg1 twin_sg2 twin_net1 twin_net2
  ids=$(batch tricky <<CMDS
security group create --description first-twin twin -f value -c id
security group create --description second-twin twin -f value -c id
network create twin -f value -c id
network create twin -f value -c id
CMDS
)
  read -r twin_sg1 twin_sg2 twin_net1 twin_net2 <<<"$(tr '\n' ' ' <<<"$ids")"
  [[ -n $twin_net2 ]] || die "the twins were not all created: $ids"
  # 3. what uses them: twin rules and subnets, router, ports, volumes
  batch tricky > /dev/null <<CMDS
security group rule create --ingress --protocol tcp --dst-port 8080 --remote-ip 10.0.0.0/8 $twin_sg1
security group rule create --ingress --protocol tcp --dst-port 8081 --remote-ip 10.0.0.0/8 $twin_sg2
subnet create --network $twin_net1 --subnet-range 10.60.3.0/24 twin-sub
subnet create --network $twin_net2 --subnet-range 10.60.4.0/24 twin-sub
router create edge[1]
router set --external-gateway public edge[1]
router add subnet edge[1] sub4-ü
router add subnet edge[1] sub6-slaac
router set --route destination=10.99.0.0/16,gateway=10.60.1.254 edge[1]
port create --network net-ü.*+? --fixed-ip subnet=sub4-ü,ip-address=10.60.1.30 --fixed-ip subnet=sub4-ü,ip-address=10.60.1.31 --security-group web☃(prod) multi-ip☃
port create --network isolated(no-dhcp) --disable-port-security --no-security-group --fixed-ip subnet=sub-nodhcp,ip-address=10.60.2.5 no-sec
volume create --size 1 --image gone-image from-gone✂
volume create --size 1 --image img(v1.0)+ --bootable boot[bfv]
volume create --size 1 --property tier=data data(1)
CMDS
  say "created the twins, router edge[1], ports multi-ip☃ and no-sec, 3 volumes"
  wait_all volume 'available' 300
  # 4. the image the volume came from goes away; servers
  local net
  net=$(os network show 'net-ü.*+?' -f value -c id)
  batch tricky > /dev/null <<CMDS
image delete gone-image
server create --flavor m1.tiny --volume boot[bfv] --nic net-id=$net --key-name tricky-key --security-group web☃(prod) bfv☃
server create --flavor m1.tiny --image img(v1.0)+ --port multi-ip☃ --key-name tricky-key stopped.*
CMDS
  wait_all server ACTIVE 300
  batch tricky > /dev/null <<CMDS
server add volume bfv☃ data(1)
server stop stopped.*
CMDS
  # 5. names and descriptions with spaces, one command each (in parallel); the floating IP is made here too
  local net_id web_id server_id data_id port_id
  read -r net_id web_id server_id data_id port_id <<<"$(batch tricky <<CMDS | tr '\n' ' '
network show net-ü.*+? -f value -c id
security group show web☃(prod) -f value -c id
server show bfv☃ -f value -c id
volume show data(1) -f value -c id
port show multi-ip☃ -f value -c id
CMDS
)"
  [[ -n $port_id ]] || die "could not read the IDs to rename"
  local pids=() pid
  os network set --name 'net ü.*+?' --description 'dual stack, SLAAC' "$net_id" & pids+=($!)
  os security group set --name 'web ☃ (prod)' --description 'web tier ☃' "$web_id" & pids+=($!)
  os server set --name 'bfv ☃' "$server_id" & pids+=($!)
  os volume set --name 'data (1)' --description 'data volume' "$data_id" & pids+=($!)
  os port set --description 'two IPv4 on one subnet' "$port_id" & pids+=($!)
  os floating ip create --description 'reserved ☃ (not associated)' public > /dev/null & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || die "a rename or the floating IP failed"; done
  local t0
  t0=$(date +%s)
  until [[ $(os server list -f value -c Name -c Status | grep -F 'stopped.* ') == *SHUTOFF ]]; do
    (( $(date +%s) - t0 < 120 )) || die "server stopped.* did not stop within 120s"
    sleep 2
  done
  wait_all volume 'available|in-use' 180
  say "servers bfv ☃ (boots from a volume, data (1) attached) and stopped.* (SHUTOFF); gone-image deleted"
}

###################################################################################################
CREATED=0
identity
# A project made just now is empty: emptying it (a dozen CLI calls) is only for one an earlier run left.
((CREATED)) || empty
if ((DELETE)); then
  printf 'user delete --domain Default %s\nproject delete --domain Default %s\n' "$USER_NAME" "$PROJECT" | batch admin > /dev/null
  rm -f "$TRICKY_CLOUDS" "$PASSWORD_FILE"
  say "deleted project $PROJECT and user $USER_NAME in $(( $(date +%s) - T0 ))s"
  exit 0
fi
seed
say "project $PROJECT seeded in $(( $(date +%s) - T0 ))s"
