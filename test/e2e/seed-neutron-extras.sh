#!/bin/bash
# Seed the Neutron extras of the source project (cloud `src`, project bascule-src) with the `openstack` CLI only: a
# trunk with VLAN sub-ports, port forwardings on a floating IP, an address group used by a security group rule, and a
# QoS policy bound to a port and a network, so Bascule's export, apply, audit and rollback of these kinds are checked
# against what it did not make. Its own script (test/e2e/neutron-extras.test.ts runs it; seed-source.sh does not):
# idempotent (what exists is kept). Each part skips cleanly (message) when the cloud's Neutron lacks its extension;
# the script exits 0 then.
#
#   seed-neutron-extras.sh            create what is missing
#   seed-neutron-extras.sh --remove   delete what this script made (in src, and the admin's QoS policy nx-qos)
#
# What it makes (the names start with nx-, not seed-: the tests that export --select 'seed-*' leave them out; the
# test expects these, change both together):
#   network nx-net, subnet nx-subnet 10.60.0.0/24; router nx-router: gateway on public, interface on nx-subnet
#   ports nx-parent, nx-sub-101, nx-sub-102 and nx-web (10.60.0.20, group nx-ssh) on nx-net
#   trunk nx-trunk (`trunk`): parent nx-parent, sub-ports nx-sub-101 (vlan 101) and nx-sub-102 (vlan 102)
#   floating IP on public, description "nx forwardings", tag nx (`floating-ip-port-forwarding`): forwardings
#     tcp 2222 -> nx-web:22 (description "ssh") and udp 5353 -> nx-web:53
#   address group nx-office (`address-group`): 192.0.2.0/28 and 198.51.100.7/32
#   security group nx-ssh: ingress tcp 22 from the address group nx-office
#   QoS policy nx-qos (`qos`): made by the admin, shared (a member may not: Neutron's rule:create_policy is
#     admin-only), bandwidth limit egress 1000 kbps burst 100 kbit; bound to the port nx-web and the network nx-net
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
say() { printf '[seed-neutron-extras %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
os() { openstack --os-cloud src "$@"; }
admin() { openstack --os-cloud admin "$@"; }
# py EXPR: evaluate EXPR over the JSON on stdin (bound to d), print each item of the resulting list
py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); [print(x) for x in ($1)]"; }

REMOVE=0
case "${1:-}" in
  --remove) REMOVE=1 ;;
  '') ;;
  *) echo "usage: $0 [--remove]" >&2; exit 2 ;;
esac

EXTENSIONS=$(os extension list --network -f value -c Alias)
has_ext() { grep -qxF -- "$1" <<< "$EXTENSIONS"; }
# The floating IPs of this seed (by description; the address is the cloud's choice).
nx_fips() { os floating ip list --long -f json | py "[f['ID'] for f in d if f.get('Description') == 'nx forwardings']"; }

if ((REMOVE)); then
  for id in $(nx_fips); do
    # Its forwardings hold it (409 FipInUseByPortForwarding): they go first.
    for pf in $(os floating ip port forwarding list "$id" -f value -c ID); do
      os floating ip port forwarding delete "$id" "$pf"
    done
    os floating ip delete "$id"
    say "deleted floating IP $id and its forwardings"
  done
  if has_ext trunk && os network trunk show nx-trunk > /dev/null 2>&1; then
    os network trunk delete nx-trunk
    say "deleted trunk nx-trunk"
  fi
  if os router show nx-router > /dev/null 2>&1; then
    os router remove subnet nx-router nx-subnet 2> /dev/null || true
    os router delete nx-router
    say "deleted router nx-router"
  fi
  for port in nx-web nx-parent nx-sub-101 nx-sub-102; do
    os port delete "$port" 2> /dev/null && say "deleted port $port" || true
  done
  os network delete nx-net 2> /dev/null && say "deleted network nx-net" || true
  os security group delete nx-ssh 2> /dev/null && say "deleted security group nx-ssh" || true
  if has_ext address-group && os address group show nx-office > /dev/null 2>&1; then
    os address group delete nx-office
    say "deleted address group nx-office"
  fi
  if has_ext qos && admin network qos policy show nx-qos > /dev/null 2>&1; then
    # Still bound elsewhere (a target a test did not roll back): kept, and said so.
    admin network qos policy delete nx-qos > /dev/null 2>&1 && say "deleted QoS policy nx-qos" \
      || say "QoS policy nx-qos is still in use: kept"
  fi
  exit 0
fi

# The network the extras live on, with a router to the outside (the floating IP's forwardings need one).
if ! os network show nx-net > /dev/null 2>&1; then
  os network create --description "neutron extras" nx-net > /dev/null
  say "created network nx-net"
fi
if ! os subnet show nx-subnet > /dev/null 2>&1; then
  os subnet create --network nx-net --subnet-range 10.60.0.0/24 --gateway 10.60.0.1 nx-subnet > /dev/null
  say "created subnet nx-subnet"
fi
if ! os router show nx-router > /dev/null 2>&1; then
  os router create --description "neutron extras edge" nx-router > /dev/null
  os router set --external-gateway public nx-router
  os router add subnet nx-router nx-subnet
  say "created router nx-router"
fi
ports=$(os port list --network nx-net -f value -c Name)
for port in nx-parent nx-sub-101 nx-sub-102; do
  grep -qxF "$port" <<< "$ports" && continue
  os port create --network nx-net "$port" > /dev/null
  say "created port $port"
done

if has_ext address-group; then
  if ! os address group show nx-office > /dev/null 2>&1; then
    os address group create --description "the office" --address 192.0.2.0/28 --address 198.51.100.7/32 \
      nx-office > /dev/null
    say "created address group nx-office"
  fi
else
  say "Neutron has no address-group extension: no address group seeded"
fi
if ! os security group show nx-ssh > /dev/null 2>&1; then
  os security group create --description "ssh from the office" nx-ssh > /dev/null
  if has_ext address-group; then
    os security group rule create --ingress --protocol tcp --dst-port 22 --remote-address-group nx-office nx-ssh \
      > /dev/null
  else
    os security group rule create --ingress --protocol tcp --dst-port 22 --remote-ip 192.0.2.0/28 nx-ssh > /dev/null
  fi
  say "created security group nx-ssh"
fi
if ! grep -qxF nx-web <<< "$ports"; then
  os port create --network nx-net --fixed-ip subnet=nx-subnet,ip-address=10.60.0.20 --security-group nx-ssh \
    nx-web > /dev/null
  say "created port nx-web"
fi

if has_ext trunk; then
  if ! os network trunk show nx-trunk > /dev/null 2>&1; then
    os network trunk create --description "two VLANs" --parent-port nx-parent \
      --subport port=nx-sub-101,segmentation-type=vlan,segmentation-id=101 \
      --subport port=nx-sub-102,segmentation-type=vlan,segmentation-id=102 nx-trunk > /dev/null
    say "created trunk nx-trunk"
  fi
else
  say "Neutron has no trunk extension (the trunk service plugin): no trunk seeded"
fi

if has_ext floating-ip-port-forwarding; then
  fip=$(nx_fips | head -1)
  if [[ -z $fip ]]; then
    fip=$(os floating ip create --description "nx forwardings" --tag nx public -f value -c id)
    say "created floating IP $fip"
  fi
  have=$(os floating ip port forwarding list "$fip" -f json | py "[f'{f[\"Protocol\"]}/{f[\"External Port\"]}' for f in d]")
  if ! grep -qxF tcp/2222 <<< "$have"; then
    os floating ip port forwarding create --port nx-web --internal-ip-address 10.60.0.20 --protocol tcp \
      --internal-protocol-port 22 --external-protocol-port 2222 --description ssh "$fip" > /dev/null
    say "created port forwarding tcp 2222 -> nx-web:22"
  fi
  if ! grep -qxF udp/5353 <<< "$have"; then
    os floating ip port forwarding create --port nx-web --internal-ip-address 10.60.0.20 --protocol udp \
      --internal-protocol-port 53 --external-protocol-port 5353 "$fip" > /dev/null
    say "created port forwarding udp 5353 -> nx-web:53"
  fi
else
  say "Neutron has no floating-ip-port-forwarding extension (the port_forwarding service plugin): no forwarding seeded"
fi

if has_ext qos; then
  if ! os network qos policy show nx-qos > /dev/null 2>&1; then
    # A member may not create a QoS policy (rule:create_policy is admin-only on Zed): the admin makes it, shared.
    admin network qos policy create --share --description "e2e shared policy" nx-qos > /dev/null
    admin network qos rule create --type bandwidth-limit --max-kbps 1000 --max-burst-kbits 100 --egress nx-qos \
      > /dev/null
    say "created QoS policy nx-qos (by the admin, shared: members may not create one)"
  fi
  [[ $(os port show nx-web -f value -c qos_policy_id) != None ]] || os port set --qos-policy nx-qos nx-web
  [[ $(os network show nx-net -f value -c qos_policy_id) != None ]] || os network set --qos-policy nx-qos nx-net
else
  say "Neutron has no qos extension: no QoS policy seeded"
fi
say "neutron extras seeded"
