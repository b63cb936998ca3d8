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
#
# The commands run in a few batches, each one `openstack` process (test/e2e/support/os-batch.sh): one lists what is
# there, one makes or deletes what is missing or left, in order (a cold start of the CLI costs 2-4 s, and this script
# made 35 of them each way).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
# shellcheck source=support/os-batch.sh
source "$ROOT/test/e2e/support/os-batch.sh"
say() { printf '[seed-neutron-extras %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

REMOVE=0
case "${1:-}" in
  --remove) REMOVE=1 ;;
  '') ;;
  *) echo "usage: $0 [--remove]" >&2; exit 2 ;;
esac

# What src holds, in one process: its Neutron's extensions, the names of its networks, subnets, routers, ports and
# security groups, and its floating IPs.
STATE=$(os_batch src <<CMDS | json_docs
extension list --network -f json -c Alias
network list -f json -c Name
subnet list -f json -c Name
router list -f json -c Name
port list -f json -c Name
security group list -f json -c Name
floating ip list --long -f json
CMDS
)
# q N EXPR: items of EXPR over the Nth list above (d)
q() { jq_py "$2" <<< "$(/usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)[$1]))" <<< "$STATE")"; }
EXTENSIONS=$(q 0 "[e['Alias'] for e in d]")
has_ext() { grep -qxF -- "$1" <<< "$EXTENSIONS"; }
has() { grep -qxF -- "$2" <<< "$(q "$1" "[r['Name'] for r in d]")"; }   # has N NAME: NAME is in the Nth list
NETS=1 SUBNETS=2 ROUTERS=3 PORTS=4 GROUPS_=5
# The floating IPs of this seed (by description; the address is the cloud's choice).
FIPS=$(q 6 "[f['ID'] for f in d if f.get('Description') == 'nx forwardings']")

# What the extensions hold, in a second process (only for the extensions the cloud has): trunks, address groups, QoS
# policies, and the forwardings of each of this seed's floating IPs (JSON lists, in this order).
MORE=$({
  if has_ext trunk; then echo 'network trunk list -f json -c Name'; fi
  if has_ext address-group; then echo 'address group list -f json -c Name'; fi
  if has_ext qos; then echo 'network qos policy list -f json -c Name'; fi
  if has_ext floating-ip-port-forwarding; then
    for id in $FIPS; do echo "floating ip port forwarding list $id -f json"; done
  fi
  if ((REMOVE)) && has "$ROUTERS" nx-router; then echo 'router show nx-router -f json -c interfaces_info'; fi
} > "${TMPDIR:-/tmp}/nx-more.$$")
MORE_DOCS='[]'
if [[ -s ${TMPDIR:-/tmp}/nx-more.$$ ]]; then
  MORE_DOCS=$(os_batch src < "${TMPDIR:-/tmp}/nx-more.$$" | json_docs)
fi
rm -f "${TMPDIR:-/tmp}/nx-more.$$"
next=0
doc_of() { /usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)[$1]))" <<< "$MORE_DOCS"; }
TRUNKS='' ADDRESS_GROUPS='' POLICIES=''
if has_ext trunk; then TRUNKS=$(doc_of $next | jq_py "[r['Name'] for r in d]"); next=$((next + 1)); fi
if has_ext address-group; then ADDRESS_GROUPS=$(doc_of $next | jq_py "[r['Name'] for r in d]"); next=$((next + 1)); fi
if has_ext qos; then POLICIES=$(doc_of $next | jq_py "[r['Name'] for r in d]"); next=$((next + 1)); fi
declare -A FORWARDINGS=()   # floating IP ID -> "ID protocol/external-port" lines
if has_ext floating-ip-port-forwarding; then
  for id in $FIPS; do
    FORWARDINGS[$id]=$(doc_of $next | jq_py "[f'{f[\"ID\"]} {f[\"Protocol\"]}/{f[\"External Port\"]}' for f in d]")
    next=$((next + 1))
  done
fi

if ((REMOVE)); then
  ROUTER_SUBNETS=''
  if has "$ROUTERS" nx-router; then ROUTER_SUBNETS=$(doc_of $next | jq_py "[i['subnet_id'] for i in d.get('interfaces_info') or []]"); fi
  deleted=()
  # One process deletes it all, in order: the forwardings hold their floating IP (409 FipInUseByPortForwarding), the
  # trunk its ports, the router's interface the subnet, the ports the network, the rule the address group.
  os_batch src > /dev/null <<CMDS
$(for id in $FIPS; do
    while read -r pf _; do [[ -n $pf ]] && echo "floating ip port forwarding delete $id $pf"; done <<< "${FORWARDINGS[$id]:-}"
    echo "floating ip delete $id"
  done)
$(grep -qxF nx-trunk <<< "$TRUNKS" && echo 'network trunk delete nx-trunk')
$(if has "$ROUTERS" nx-router; then
    for sub in $ROUTER_SUBNETS; do echo "router remove subnet nx-router $sub"; done
    echo 'router delete nx-router'
  fi)
$(for port in nx-web nx-parent nx-sub-101 nx-sub-102; do has "$PORTS" "$port" && echo "port delete $port"; done)
$(has "$NETS" nx-net && echo 'network delete nx-net')
$(has "$GROUPS_" nx-ssh && echo 'security group delete nx-ssh')
$(grep -qxF nx-office <<< "$ADDRESS_GROUPS" && echo 'address group delete nx-office')
CMDS
  for id in $FIPS; do deleted+=("floating IP $id and its forwardings"); done
  grep -qxF nx-trunk <<< "$TRUNKS" && deleted+=('trunk nx-trunk')
  has "$ROUTERS" nx-router && deleted+=('router nx-router')
  for port in nx-web nx-parent nx-sub-101 nx-sub-102; do has "$PORTS" "$port" && deleted+=("port $port"); done
  has "$NETS" nx-net && deleted+=('network nx-net')
  has "$GROUPS_" nx-ssh && deleted+=('security group nx-ssh')
  grep -qxF nx-office <<< "$ADDRESS_GROUPS" && deleted+=('address group nx-office')
  ((${#deleted[@]} == 0)) || say "deleted $(IFS=,; echo "${deleted[*]}" | sed 's/,/, /g')"
  if grep -qxF nx-qos <<< "$POLICIES"; then
    # Still bound elsewhere (a target a test did not roll back): kept, and said so.
    openstack --os-cloud admin network qos policy delete nx-qos > /dev/null 2>&1 && say "deleted QoS policy nx-qos" \
      || say "QoS policy nx-qos is still in use: kept"
  fi
  exit 0
fi

# The admin makes the shared QoS policy (a member may not: rule:create_policy is admin-only on Zed), beside the rest.
admin_pid=''
if has_ext qos && ! grep -qxF nx-qos <<< "$POLICIES"; then
  os_batch admin > /dev/null <<CMDS &
network qos policy create --share --description $(bq 'e2e shared policy') nx-qos
network qos rule create --type bandwidth-limit --max-kbps 1000 --max-burst-kbits 100 --egress nx-qos
CMDS
  admin_pid=$!
fi
[[ -n $admin_pid ]] || { has_ext qos || say "Neutron has no qos extension: no QoS policy seeded"; }

# What is missing, made in one process, in order. Its floating IP first, so its ID is the first line of the output.
made=()
FIP=$(head -1 <<< "$FIPS")
new_fip=0
if has_ext floating-ip-port-forwarding && [[ -z $FIP ]]; then new_fip=1; fi
cmds=()
((new_fip)) && cmds+=("floating ip create --description $(bq 'nx forwardings') --tag nx public -f value -c id")
if ! has "$NETS" nx-net; then cmds+=("network create --description $(bq 'neutron extras') nx-net"); made+=('network nx-net'); fi
if ! has "$SUBNETS" nx-subnet; then
  cmds+=('subnet create --network nx-net --subnet-range 10.60.0.0/24 --gateway 10.60.0.1 nx-subnet'); made+=('subnet nx-subnet')
fi
if ! has "$ROUTERS" nx-router; then
  cmds+=("router create --description $(bq 'neutron extras edge') nx-router" 'router set --external-gateway public nx-router'
    'router add subnet nx-router nx-subnet')
  made+=('router nx-router')
fi
for port in nx-parent nx-sub-101 nx-sub-102; do
  has "$PORTS" "$port" || { cmds+=("port create --network nx-net $port"); made+=("port $port"); }
done
if has_ext address-group; then
  if ! grep -qxF nx-office <<< "$ADDRESS_GROUPS"; then
    cmds+=("address group create --description $(bq 'the office') --address 192.0.2.0/28 --address 198.51.100.7/32 nx-office")
    made+=('address group nx-office')
  fi
else
  say "Neutron has no address-group extension: no address group seeded"
fi
if ! has "$GROUPS_" nx-ssh; then
  cmds+=("security group create --description $(bq 'ssh from the office') nx-ssh")
  if has_ext address-group; then
    cmds+=('security group rule create --ingress --protocol tcp --dst-port 22 --remote-address-group nx-office nx-ssh')
  else
    cmds+=('security group rule create --ingress --protocol tcp --dst-port 22 --remote-ip 192.0.2.0/28 nx-ssh')
  fi
  made+=('security group nx-ssh')
fi
if ! has "$PORTS" nx-web; then
  cmds+=('port create --network nx-net --fixed-ip subnet=nx-subnet,ip-address=10.60.0.20 --security-group nx-ssh nx-web')
  made+=('port nx-web')
fi
if has_ext trunk; then
  if ! grep -qxF nx-trunk <<< "$TRUNKS"; then
    cmds+=("network trunk create --description $(bq 'two VLANs') --parent-port nx-parent --subport port=nx-sub-101,segmentation-type=vlan,segmentation-id=101 --subport port=nx-sub-102,segmentation-type=vlan,segmentation-id=102 nx-trunk")
    made+=('trunk nx-trunk')
  fi
else
  say "Neutron has no trunk extension (the trunk service plugin): no trunk seeded"
fi
if ((${#cmds[@]} > 0)); then
  out=$(printf '%s\n' "${cmds[@]}" | os_batch src)
  if ((new_fip)); then
    FIP=$(head -1 <<< "$out")
    [[ $FIP =~ ^[0-9a-f-]{36}$ ]] || { say "ERROR: no floating IP ID in the batch's output: ${FIP:0:80}" >&2; exit 1; }
    made+=("floating IP $FIP")
  fi
fi
((${#made[@]} == 0)) || say "created $(IFS=,; echo "${made[*]}" | sed 's/,/, /g')"
if [[ -n $admin_pid ]]; then
  wait "$admin_pid" || { say "ERROR: the admin could not make the QoS policy nx-qos" >&2; exit 1; }
  say "created QoS policy nx-qos (by the admin, shared: members may not create one)"
fi

# Then what needs the floating IP and the policy: the forwardings, the bindings (setting a binding again is a no-op).
cmds=()
if has_ext floating-ip-port-forwarding; then
  have=$(cut -d' ' -f2 <<< "${FORWARDINGS[$FIP]:-}")
  grep -qxF tcp/2222 <<< "$have" || cmds+=("floating ip port forwarding create --port nx-web --internal-ip-address 10.60.0.20 --protocol tcp --internal-protocol-port 22 --external-protocol-port 2222 --description ssh $FIP")
  grep -qxF udp/5353 <<< "$have" || cmds+=("floating ip port forwarding create --port nx-web --internal-ip-address 10.60.0.20 --protocol udp --internal-protocol-port 53 --external-protocol-port 5353 $FIP")
else
  say "Neutron has no floating-ip-port-forwarding extension (the port_forwarding service plugin): no forwarding seeded"
fi
if has_ext qos; then cmds+=('port set --qos-policy nx-qos nx-web' 'network set --qos-policy nx-qos nx-net'); fi
if ((${#cmds[@]} > 0)); then printf '%s\n' "${cmds[@]}" | os_batch src > /dev/null; fi
say "neutron extras seeded"
