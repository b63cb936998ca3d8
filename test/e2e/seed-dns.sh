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
# The recordsets are listed, made and waited on together (one `openstack` process each, test/e2e/support/os-batch.sh),
# not one CLI process per recordset and per check.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
while read -r v; do [[ -n $v ]] && unset "$v"; done < <(compgen -e | grep '^OS_' || true)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export OS_CLIENT_CONFIG_FILE=${BASCULE_E2E_CLOUDS:-$ROOT/test/e2e/openstack/state/clouds.yaml}
say() { printf '[seed-dns %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
os() { openstack --os-cloud src "$@"; }
# shellcheck source=support/os-batch.sh
source "$ROOT/test/e2e/support/os-batch.sh"

if ! os catalog show dns > /dev/null 2>&1; then
  say "the cloud has no DNS service (no dns in the catalog): DNS seed skipped"
  exit 0
fi
ZONE=bascule-src.e2e.test.

# Poll until the zone is ACTIVE; fail on ERROR.
wait_active() {
  local t0 status; t0=$(date +%s)
  while :; do
    status=$(os zone show "$ZONE" -f value -c status 2>/dev/null || echo unknown)
    [[ $status == ACTIVE ]] && return 0
    [[ $status == ERROR ]] && die "zone $ZONE is ERROR"
    (( $(date +%s) - t0 < 120 )) || die "zone $ZONE is still $status after 120s"
    sleep 1
  done
}

# The floating IP and the zones, in one process.
STATE=$(os_batch src <<CMDS | json_docs
floating ip list --port seed-port-vip -f json
zone list -f json -c name
CMDS
)
FIP=$(jq_py "[f['Floating IP Address'] for f in d[0]][:1]" <<< "$STATE")
[[ -n $FIP ]] || die "no floating IP on seed-port-vip (seed-source.sh makes it first)"

if ! grep -qxF "$ZONE" <<< "$(jq_py "[z['name'] for z in d[1]]" <<< "$STATE")"; then
  os zone create --email "hostmaster@${ZONE%.}" --ttl 600 --description "e2e seed zone" "$ZONE" > /dev/null
  say "created zone $ZONE"
fi
wait_active

# The zone's recordsets: "name type id records..." a line (records sorted, separated by |).
recordsets() {
  os recordset list "$ZONE" -f json | jq_py "[' '.join([r['name'], r['type'], r['id'], '|'.join(sorted(r['records'].split('\n') if isinstance(r['records'], str) else r['records']))]) for r in d]"
}
SETS=$(recordsets)
NEW=() SET_CMDS=()
# recordset NAME TYPE [--ttl N] RECORD...: created (in the batch below) when missing, its records set when they differ.
recordset() {
  local name=$1 type=$2; shift 2
  local ttl='' records='' r
  if [[ ${1:-} == --ttl ]]; then ttl="--ttl $2 "; shift 2; fi
  for r in "$@"; do records+="--record $(bq "$r") "; done
  local fqdn=$name.$ZONE; [[ $name == @ ]] && fqdn=$ZONE
  local line; line=$(awk -v n="$fqdn" -v t="$type" '$1 == n && $2 == t' <<< "$SETS" | head -1)
  if [[ -z $line ]]; then
    NEW+=("recordset create ${ttl}${records}--type $type $ZONE $fqdn")
    say "creating recordset $fqdn $type"
  else
    local id want have
    read -r _ _ id have <<< "$line"
    want=$(printf '%s\n' "$@" | sort | paste -sd'|')
    if [[ $have != "$want" ]]; then
      SET_CMDS+=("recordset set ${records}$ZONE $id")
      say "setting recordset $fqdn $type to $*"
    fi
  fi
}
recordset www A --ttl 300 "$FIP"
recordset mail A 192.0.2.25
recordset alias CNAME "www.$ZONE"
recordset @ MX "10 mail.$ZONE"
# The TXT record's value holds quotes, which a batch line cannot: its own process, beside the batch.
txt='' TXT='"bascule e2e seed"'
txt_line=$(awk -v n="$ZONE" '$1 == n && $2 == "TXT"' <<< "$SETS" | head -1)
if [[ -z $txt_line ]]; then
  os recordset create --record "$TXT" --type TXT "$ZONE" "$ZONE" > /dev/null & txt=$!
  say "creating recordset $ZONE TXT"
else
  read -r _ _ txt_id txt_have <<< "$txt_line"
  if [[ $txt_have != "$TXT" ]]; then
    os recordset set --record "$TXT" "$ZONE" "$txt_id" > /dev/null & txt=$!
    say "setting recordset $ZONE TXT to $TXT"
  fi
fi
if ((${#NEW[@]} + ${#SET_CMDS[@]} > 0)); then printf '%s\n' "${NEW[@]}" "${SET_CMDS[@]}" | os_batch src > /dev/null; fi
if [[ -n $txt ]]; then wait "$txt" || die "the TXT recordset could not be made"; fi
# Until www, mail and alias are ACTIVE (one listing a poll), then the zone.
t0=$(date +%s)
while :; do
  pending=$(os recordset list "$ZONE" -f json | jq_py "[r['name'] + ' ' + r['status'] for r in d if r['name'] in ('www.$ZONE', 'mail.$ZONE', 'alias.$ZONE') and r['status'] != 'ACTIVE']")
  [[ -z $pending ]] && break
  grep -q ' ERROR$' <<< "$pending" && die "recordset in ERROR: $pending"
  (( $(date +%s) - t0 < 120 )) || die "recordsets still not ACTIVE after 120s: $pending"
  sleep 1
done
wait_active
say "zone $ZONE seeded (www -> $FIP)"
