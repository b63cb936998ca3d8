#!/bin/bash
# Empty a member project of the end-to-end cloud with the `openstack` CLI: load balancers, servers, port forwardings,
# floating IPs, routers, trunks, ports, networks, security groups (the `default` group is kept, with only its four
# standard rules), address groups,
# volume snapshots, volumes, the project's own images, server groups, the user's keypairs and DNS zones.
# What the launcher made for everyone (network `public`, flavors, image `cirros`, volume types) is never touched.
#
#   empty-project.sh CLOUD      CLOUD is src, dst, dst2 or tricky (never admin; tricky: seed-tricky.sh's clouds)
#
# Uses BASCULE_E2E_CLOUDS (default test/e2e/openstack/state/clouds.yaml). Used by seed-source.sh --reset and
# by emptyProject() in test/e2e/support/projects.ts.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
CLOUD=${1:-}
case "$CLOUD" in
  src|dst|dst2|tricky) ;;
  *) echo "usage: $0 src|dst|dst2|tricky   (the admin project holds the shared resources: never emptied)" >&2; exit 2 ;;
esac
[[ -r $OS_CLIENT_CONFIG_FILE ]] || { echo "no $OS_CLIENT_CONFIG_FILE: run 'npm run openstack:up' first" >&2; exit 1; }
T0=$(date +%s)
say() { printf '[empty %s %s] %s\n' "$CLOUD" "$(date -u +%H:%M:%S)" "$*"; }
os() { openstack --os-cloud "$CLOUD" "$@"; }
# py EXPR: evaluate EXPR over the JSON on stdin (bound to d), print each item of the resulting list
py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); [print(x) for x in ($1)]"; }
wait_gone() {
  local kind=$1 id=$2 t0; t0=$(date +%s)
  # shellcheck disable=SC2086
  while os $kind show "$id" > /dev/null 2>&1; do
    (( $(date +%s) - t0 < 300 )) || { say "$kind $id still exists after 300s"; return 1; }
    sleep 2
  done
}

PROJECT=$(os token issue -f value -c project_id)
# Load balancers first (cascade: their listeners, pools, members and monitors), when the cloud has Octavia.
if os catalog show load-balancer > /dev/null 2>&1; then
  for id in $(os loadbalancer list -f value -c id); do
    os loadbalancer delete --cascade "$id"
    wait_gone loadbalancer "$id"
    say "deleted load balancer $id"
  done
fi
ids=$(os server list -f value -c ID)
# shellcheck disable=SC2086
[[ -z $ids ]] || { os server delete --wait $ids; say "deleted $(wc -w <<<"$ids") server(s)"; }
# DNS zones (with their recordsets), where the cloud has a DNS service
if os catalog show dns > /dev/null 2>&1; then
  for id in $(os zone list -f value -c id); do
    os zone delete "$id" > /dev/null
    wait_gone zone "$id"
    say "deleted zone $id"
  done
fi
ids=$(os floating ip list -f value -c ID)
EXTENSIONS=$(os extension list --network -f value -c Alias)
has_ext() { grep -qxF -- "$1" <<< "$EXTENSIONS"; }
# Port forwardings hold their floating IP (409 FipInUseByPortForwarding): they go first.
if has_ext floating-ip-port-forwarding; then
  for id in $ids; do
    for pf in $(os floating ip port forwarding list "$id" -f value -c ID); do
      os floating ip port forwarding delete "$id" "$pf"
      say "deleted port forwarding $pf of floating IP $id"
    done
  done
fi
# shellcheck disable=SC2086
[[ -z $ids ]] || { os floating ip delete $ids; say "deleted $(wc -w <<<"$ids") floating IP(s)"; }
for id in $(os router list -f value -c ID); do
  os router set --no-route "$id"
  os router unset --external-gateway "$id"
  for sub in $(os port list --router "$id" -f json -c 'Fixed IP Addresses' \
               | py '[a["subnet_id"] for p in d for a in p["Fixed IP Addresses"]]' | sort -u); do
    os router remove subnet "$id" "$sub"
  done
  # interfaces added by port rather than by subnet
  for port in $(os port list --router "$id" -f value -c ID); do os router remove port "$id" "$port"; done
  os router delete "$id"
  say "deleted router $id"
done
# Trunks hold their parent and sub-ports (409): they go before the ports.
if has_ext trunk; then
  for id in $(os network trunk list -f value -c ID); do os network trunk delete "$id"; say "deleted trunk $id"; done
fi
ids=$(os port list -f value -c ID)
# shellcheck disable=SC2086
[[ -z $ids ]] || { os port delete $ids; say "deleted $(wc -w <<<"$ids") port(s)"; }
for id in $(os network list --long -f json | py "[n['ID'] for n in d if n.get('Project') == '$PROJECT']"); do
  os network delete "$id"
  say "deleted network $id"
done
for id in $(os security group list -f value -c ID -c Name | awk '$2 != "default" {print $1}'); do
  os security group delete "$id"
  say "deleted security group $id"
done
# Address groups (no rule uses them now), the project's own
if has_ext address-group; then
  for id in $(os address group list -f json | py "[g['ID'] for g in d if g.get('Project') == '$PROJECT']"); do
    os address group delete "$id"
    say "deleted address group $id"
  done
fi
# the default group: back to its standard rules (egress to anywhere, ingress from the group itself)
DEFAULT=$(os security group list -f value -c ID -c Name | awk '$2 == "default" {print $1}')
if [[ -n $DEFAULT ]]; then
  for id in $(os security group rule list "$DEFAULT" -f json | py "[r['ID'] for r in d if not (
        r.get('IP Protocol') is None and r.get('Port Range') in ('', None) and (
          (r.get('Direction') == 'egress' and r.get('IP Range') in (None, '0.0.0.0/0', '::/0') and r.get('Remote Security Group') is None)
          or (r.get('Direction') == 'ingress' and r.get('Remote Security Group') == '$DEFAULT')))]"); do
    os security group rule delete "$id"
    say "deleted rule $id from the default group"
  done
fi
ids=$(os volume snapshot list -f value -c ID)
if [[ -n $ids ]]; then
  # shellcheck disable=SC2086
  os volume snapshot delete $ids
  for id in $ids; do wait_gone "volume snapshot" "$id"; done
  say "deleted $(wc -w <<<"$ids") volume snapshot(s)"
fi
ids=$(os volume list -f value -c ID)
if [[ -n $ids ]]; then
  # shellcheck disable=SC2086
  os volume delete $ids
  for id in $ids; do wait_gone volume "$id"; done
  say "deleted $(wc -w <<<"$ids") volume(s)"
fi
for id in $(os image list --long -f json | py "[i['ID'] for i in d if (i.get('Project') or i.get('Owner')) == '$PROJECT']"); do
  os image set --unprotected "$id" > /dev/null 2>&1 || true
  os image delete "$id"
  say "deleted image $id"
done
for id in $(os server group list -f value -c ID); do os server group delete "$id"; say "deleted server group $id"; done
for name in $(os keypair list -f value -c Name); do os keypair delete "$name"; say "deleted keypair $name"; done
bash "$ROOT/test/e2e/support/empty-containers.sh" "$CLOUD"
say "project emptied in $(( $(date +%s) - T0 ))s"
