#!/bin/bash
# Seed the DNS part of the source project (cloud `src`, project bascule-src) with the `openstack` CLI only: a
# primary zone with records for the seed's floating IP, so Bascule's DNS export, rewrite, audit and rollback are
# checked against what it did not make. Called by seed-source.sh after the floating IP exists; idempotent (the A
# record is set to the floating IP's current address). Skips cleanly (exit 0) when the catalog has no DNS service.
#
# The zone, when done (test/e2e/dns.test.ts expects it; change both together):
#   zone bascule-src.e2e.test. (email hostmaster@bascule-src.e2e.test, TTL 600, description "e2e seed zone")
#     www    A     <the floating IP of seed-port-vip>   TTL 300
#     mail   A     192.0.2.25
#     alias  CNAME www.bascule-src.e2e.test.
#     @      MX    10 mail.bascule-src.e2e.test.
#     @      TXT   "bascule e2e seed"
# Its name does not match `seed-*`, so the e2e tests that export `--select 'seed-*'` leave it out.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
say() { printf '[seed-dns %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
os() { openstack --os-cloud src "$@"; }

if ! os catalog show dns > /dev/null 2>&1; then
  say "the cloud has no DNS service (no dns in the catalog): DNS seed skipped"
  exit 0
fi
ZONE=bascule-src.e2e.test.

# Poll until the zone (or a recordset, with its zone) is ACTIVE; fail on ERROR.
wait_active() {
  local t0 status; t0=$(date +%s)
  while :; do
    status=$(os "$@" -f value -c status 2>/dev/null || echo unknown)
    [[ $status == ACTIVE ]] && return 0
    [[ $status == ERROR ]] && die "$* is ERROR"
    (( $(date +%s) - t0 < 120 )) || die "$* is still $status after 120s"
    sleep 1
  done
}

FIP=$(os floating ip list --port seed-port-vip -f value -c 'Floating IP Address' | head -1)
[[ -n $FIP ]] || die "no floating IP on seed-port-vip (seed-source.sh makes it first)"

if ! os zone show "$ZONE" > /dev/null 2>&1; then
  os zone create --email "hostmaster@${ZONE%.}" --ttl 600 --description "e2e seed zone" "$ZONE" > /dev/null
  say "created zone $ZONE"
fi
wait_active zone show "$ZONE"

# recordset NAME TYPE [--ttl N] RECORD...: create it, or set its records when they differ.
recordset() {
  local name=$1 type=$2; shift 2
  local ttl=() records=() r
  if [[ ${1:-} == --ttl ]]; then ttl=(--ttl "$2"); shift 2; fi
  for r in "$@"; do records+=(--record "$r"); done
  local fqdn=$name.$ZONE; [[ $name == @ ]] && fqdn=$ZONE
  local id; id=$(os recordset list "$ZONE" --name "$fqdn" --type "$type" -f value -c id | head -1)
  if [[ -z $id ]]; then
    os recordset create "${ttl[@]}" "${records[@]}" --type "$type" "$ZONE" "$fqdn" > /dev/null
    say "created recordset $fqdn $type"
  else
    local now; now=$(os recordset show "$ZONE" "$id" -f json -c records | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["records"]; print("\n".join(sorted(r.split("\n") if isinstance(r,str) else r)))')
    if [[ $now != "$(printf '%s\n' "$@" | sort)" ]]; then
      os recordset set "${records[@]}" "$ZONE" "$id" > /dev/null
      say "set recordset $fqdn $type to $*"
    fi
  fi
}
recordset www A --ttl 300 "$FIP"
recordset mail A 192.0.2.25
recordset alias CNAME "www.$ZONE"
recordset @ MX "10 mail.$ZONE"
recordset @ TXT '"bascule e2e seed"'
for name in "www.$ZONE" "mail.$ZONE" "alias.$ZONE"; do
  for id in $(os recordset list "$ZONE" --name "$name" -f value -c id); do wait_active recordset show "$ZONE" "$id"; done
done
wait_active zone show "$ZONE"
say "zone $ZONE seeded (www -> $FIP)"
